/** Why a bot token failed verification. */
export enum TokenVerificationFailure {
  /** Discord could not be reached (network error or timeout). */
  Unreachable = 'unreachable',
  /** Discord answered 401: the token is invalid or was reset. */
  Rejected = 'rejected',
  /** The token works but belongs to another application than the one named. */
  Mismatch = 'mismatch',
  /** Discord answered something else (5xx, 429, malformed body). */
  Unexpected = 'unexpected',
}

/** Why a token failed verification; its message never contains the token. */
export class TokenVerificationError extends Error {
  constructor(
    readonly reason: TokenVerificationFailure,
    message: string,
  ) {
    super(message);
    this.name = 'TokenVerificationError';
  }
}

/** What Discord says a verified bot token belongs to. */
export interface VerifiedBotToken {
  /** Application (client) id, from `GET /applications/@me`. */
  applicationId: string;
  /** The bot user's id, from `GET /users/@me` (equal to the application id for bots). */
  botUserId: string;
  /** The bot user's username. */
  username: string;
  /** The application's name. */
  applicationName: string;
}

/** Options of {@link verifyBotToken}. */
export interface BotTokenVerifyOptions {
  /** When set, the token must belong to this application id. */
  clientId?: string;
  /** Per request (ms, default 10 s). */
  timeoutMs?: number;
}

const USER_AGENT = 'DiscordBot (https://github.com/chopsticks, 0.1) Chopsticks';

/**
 * Checks that `token` is a working bot token, before it is stored: `GET {apiUrl}/v10/users/@me`
 * returns the bot user and `GET {apiUrl}/v10/applications/@me` its application, both with
 * `Authorization: Bot <token>` (Discord API reference: "Get Current User", "Get Current
 * Application" — the application of the requesting bot user, the current form of OAuth2's "Get
 * Current Bot Application Information" at `/oauth2/applications/@me`; "Authentication" for the
 * header). A bot user created with its application shares the application's id.
 * @param apiUrl base such as `https://discord.com/api` (or the sandbox)
 * @throws TokenVerificationError `rejected` (401), `mismatch` (another application than
 *   `clientId`, or bot and application ids differ), `unreachable` (network failure or timeout),
 *   `unexpected` (any other answer)
 */
export async function verifyBotToken(
  apiUrl: string,
  token: string,
  options: BotTokenVerifyOptions = {},
): Promise<VerifiedBotToken> {
  const base = apiUrl.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? 10_000;
  const user = await getJson(base, '/v10/users/@me', token, timeoutMs);
  const application = await getJson(base, '/v10/applications/@me', token, timeoutMs);
  if (typeof user.id !== 'string') {
    throw new TokenVerificationError(
      TokenVerificationFailure.Unexpected,
      'Discord returned no user id for the token.',
    );
  }
  if (typeof application.id !== 'string') {
    throw new TokenVerificationError(
      TokenVerificationFailure.Unexpected,
      'Discord returned no application id for the token.',
    );
  }
  const applicationBot = application.bot as { id?: unknown } | undefined;
  if (typeof applicationBot?.id === 'string' && applicationBot.id !== user.id) {
    throw new TokenVerificationError(
      TokenVerificationFailure.Mismatch,
      `The token's bot user ${user.id} is not the bot of application ${application.id}.`,
    );
  }
  if (options.clientId !== undefined && application.id !== options.clientId) {
    throw new TokenVerificationError(
      TokenVerificationFailure.Mismatch,
      `The token belongs to bot ${application.id}, not to client id ${options.clientId}.`,
    );
  }
  return {
    applicationId: application.id,
    botUserId: user.id,
    username: typeof user.username === 'string' ? user.username : '',
    applicationName: typeof application.name === 'string' ? application.name : '',
  };
}

async function getJson(
  base: string,
  path: string,
  token: string,
  timeoutMs: number,
): Promise<Record<string, unknown>> {
  let response: Response;
  try {
    response = await fetch(`${base}${path}`, {
      headers: { Authorization: `Bot ${token}`, 'User-Agent': USER_AGENT },
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    throw new TokenVerificationError(
      TokenVerificationFailure.Unreachable,
      `Could not reach Discord at ${base}: ${describeFetchFailure(error, timeoutMs)}`,
    );
  }
  if (response.status === 401) {
    throw new TokenVerificationError(
      TokenVerificationFailure.Rejected,
      'Discord rejected the token (401 Unauthorized).',
    );
  }
  if (!response.ok) {
    throw new TokenVerificationError(
      TokenVerificationFailure.Unexpected,
      `Discord answered ${response.status} while verifying the token.`,
    );
  }
  try {
    const body: unknown = await response.json();
    if (typeof body === 'object' && body !== null) return body as Record<string, unknown>;
  } catch {
    // fall through: not JSON
  }
  throw new TokenVerificationError(
    TokenVerificationFailure.Unexpected,
    'Discord answered with a malformed body while verifying the token.',
  );
}

/**
 * Why `fetch` failed, from what undici reports: a `TimeoutError` for `AbortSignal.timeout`, or a
 * `TypeError('fetch failed')` whose `cause` carries the socket error code (ECONNREFUSED,
 * ENOTFOUND, ECONNRESET, …), possibly inside an `AggregateError` (one per address tried).
 * Never includes request headers, so never the token.
 */
function describeFetchFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && error.name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
  const cause = error instanceof Error ? error.cause : undefined;
  const code = errorCode(cause) ?? errorCode(error);
  if (code) return code;
  if (cause instanceof Error && cause.message) return cause.message;
  return error instanceof Error ? error.message : String(error);
}

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, errors } = error as { code?: unknown; errors?: unknown };
  if (typeof code === 'string') return code;
  if (Array.isArray(errors)) return errors.map(errorCode).find((found) => found !== undefined);
  return undefined;
}
