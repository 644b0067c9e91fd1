/** Why an `/agents` subcommand was refused before any service ran. Mapped exhaustively to sentences. */
export enum AgentsCommandErrorCode {
  GuildOnly = 'GUILD_ONLY',
  /** `idle_policy` got none or several of its mutually exclusive options. */
  IdlePolicyChoice = 'IDLE_POLICY_CHOICE',
  IdlePolicyMinutes = 'IDLE_POLICY_MINUTES',
  /** An option that names an agent is not an agent id, client id or mention. */
  AgentInvalid = 'AGENT_INVALID',
  /** The agent is not connected to the controller or not in this guild. */
  AgentNotHere = 'AGENT_NOT_HERE',
  /** No voice channel given and the user is not in one. */
  VoiceChannelRequired = 'VOICE_CHANNEL_REQUIRED',
  NotVoiceChannel = 'NOT_VOICE_CHANNEL',
  /** No live session matches `release`. */
  NoSession = 'NO_SESSION',
  /** `deploy`/`add_token` without a pool option, and the guild selected none. */
  PoolRequired = 'POOL_REQUIRED',
  DesiredTotalInvalid = 'DESIRED_TOTAL_INVALID',
  TokenInvalid = 'TOKEN_INVALID',
}

/** A precondition of an `/agents` subcommand failed; `detail` is for logs only. */
export class AgentsCommandException extends Error {
  constructor(
    readonly code: AgentsCommandErrorCode,
    readonly detail: string,
    /** Values the sentence names (e.g. the agent id). */
    readonly subject?: string,
  ) {
    super(`${code}: ${detail}`);
    this.name = 'AgentsCommandException';
  }
}
