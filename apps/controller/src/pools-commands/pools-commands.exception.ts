/** Reasons a `/pools` command is refused before any service is asked (input limits, context). */
export enum PoolsCommandErrorCode {
  GuildOnly = 'guild-only',
  PoolIdInvalid = 'pool-id-invalid',
  ContributionIdInvalid = 'contribution-id-invalid',
  NameInvalid = 'name-invalid',
  SpecialtyInvalid = 'specialty-invalid',
  UserIsBot = 'user-is-bot',
}

/**
 * A `/pools` precondition failed; `subject` names what was wrong (an id, a mention) for the
 * sentence that `pools-replies` builds from `code`.
 */
export class PoolsCommandException extends Error {
  constructor(
    readonly code: PoolsCommandErrorCode,
    readonly subject?: string,
  ) {
    super(`${code}${subject ? `: ${subject}` : ''}`);
    this.name = 'PoolsCommandException';
  }
}
