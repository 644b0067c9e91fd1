import { JsonErrorCode } from './discord-sandbox.constants';

/** A nested Invalid Form Body error tree: `{ field: { _errors: [{ code, message }] } }`. */
export interface FormErrorTree {
  [key: string]: FormErrorTree | { code: string; message: string }[];
}

/**
 * An error the emulated REST API answers with: HTTP status + Discord's JSON error body
 * `{ code, message, errors? }` — Reference › Error Messages and Topics › Opcodes and Status Codes ›
 * JSON Error Codes.
 */
export class DiscordApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
    readonly errors?: FormErrorTree,
  ) {
    super(message);
    this.name = 'DiscordApiError';
  }

  /** The JSON body Discord sends for this error. */
  toBody(): Record<string, unknown> {
    return this.errors
      ? { message: this.message, code: this.code, errors: this.errors }
      : { message: this.message, code: this.code };
  }

  static unauthorized(): DiscordApiError {
    return new DiscordApiError(401, JsonErrorCode.General, '401: Unauthorized');
  }

  static notFound(): DiscordApiError {
    return new DiscordApiError(404, JsonErrorCode.General, '404: Not Found');
  }

  static unknown(code: number, what: string): DiscordApiError {
    return new DiscordApiError(404, code, `Unknown ${what}`);
  }

  static missingAccess(): DiscordApiError {
    return new DiscordApiError(403, JsonErrorCode.MissingAccess, 'Missing Access');
  }

  static missingPermissions(): DiscordApiError {
    return new DiscordApiError(403, JsonErrorCode.MissingPermissions, 'Missing Permissions');
  }

  /** 400 / 50035 Invalid Form Body with per-field errors (Reference › Error Messages example). */
  static invalidFormBody(errors: FormErrorTree): DiscordApiError {
    return new DiscordApiError(400, JsonErrorCode.InvalidFormBody, 'Invalid Form Body', errors);
  }
}

/** Codes of errors thrown by the sandbox control API (not Discord errors: misuse of the emulator). */
export enum DiscordSandboxErrorCode {
  InvalidInput = 'invalid_input',
  NotFound = 'not_found',
  Conflict = 'conflict',
  NotConnected = 'not_connected',
}

/** Thrown by {@link DiscordSandboxControl} methods; the HTTP control API maps it to 400/404/409. */
export class DiscordSandboxError extends Error {
  constructor(
    readonly code: DiscordSandboxErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'DiscordSandboxError';
  }

  /** HTTP status of this error on the `/_sandbox` control API. */
  get status(): number {
    switch (this.code) {
      case DiscordSandboxErrorCode.InvalidInput:
        return 400;
      case DiscordSandboxErrorCode.NotFound:
        return 404;
      case DiscordSandboxErrorCode.Conflict:
      case DiscordSandboxErrorCode.NotConnected:
        return 409;
    }
  }
}
