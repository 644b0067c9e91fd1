/** Error codes of the sessions context (stable strings, mapped to replies by each transport). */
export enum SessionsErrorCode {
  /** The agent already holds a session in that guild. */
  AgentBusy = 'agent-busy',
  /** Another session already uses that (guild, voice channel, kind). */
  SessionKeyTaken = 'session-key-taken',
  /** The agent is not live. */
  AgentOffline = 'agent-offline',
  /** An argument is out of range (message says which). */
  InvalidInput = 'invalid-input',
}

/** Thrown by the sessions registries when an invariant would break or an input is invalid. */
export class SessionsException extends Error {
  constructor(
    readonly code: SessionsErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'SessionsException';
  }
}
