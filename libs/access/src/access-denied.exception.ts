/** Stable reasons the access policy refused an action. Transports map them exhaustively. */
export enum AccessDeniedCode {
  /** The action is for bot owners (`BOT_OWNER_IDS`) only. */
  NotBotOwner = 'NOT_BOT_OWNER',
  /** The action needs Manage Server (or Administrator) in the guild. */
  NotGuildAdmin = 'NOT_GUILD_ADMIN',
  /** The action only makes sense inside a guild (no guild in the request). */
  GuildOnly = 'GUILD_ONLY',
  /** The actor's role in the pool is below the minimum (or they are not a member). */
  PoolRoleRequired = 'POOL_ROLE_REQUIRED',
}

/**
 * Thrown by `AccessPolicy` when an actor may not do something. `message` is a user-facing
 * sentence (safe to show in Discord, HTTP problem+json or the dashboard) and `code` is stable.
 */
export class AccessDeniedException extends Error {
  constructor(
    readonly code: AccessDeniedCode,
    message: string,
  ) {
    super(message);
    this.name = 'AccessDeniedException';
  }
}
