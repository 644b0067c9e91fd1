/** Embed accent colours of `/agents` replies: one meaning each, the same everywhere. */
export const AGENTS_EMBED_COLOR = {
  /** Information and listings (Discord blurple). */
  info: 0x5865f2,
  /** A change was made. */
  success: 0x57f287,
  /** Something needs attention (unusable agents, shortfall, pending approval). */
  warning: 0xfee75c,
} as const;

/** Discord allows at most 5 buttons per action row and 5 rows per message (Discord docs, Components). */
export const BUTTONS_PER_ROW = 5;
export const ROWS_PER_MESSAGE = 5;
/** Link buttons per message of a deploy answer. */
export const INVITES_PER_MESSAGE = BUTTONS_PER_ROW * ROWS_PER_MESSAGE;

/** Lines shown in a listing embed before "… and N more" (embed descriptions hold 4096 characters). */
export const MAX_LIST_LINES = 20;

/** Longest accepted option text for ids and names (checked before any work). */
export const AGENT_OPTION_MAX_LENGTH = 100;
/** Longest accepted bot token (Discord tokens are ~70 characters). */
export const TOKEN_OPTION_MAX_LENGTH = 200;
/** Longest idle policy in minutes (one week). */
export const IDLE_POLICY_MAX_MINUTES = 10_080;

/** DI token of {@link AgentsCommandsOptions}. */
export const AGENTS_COMMANDS_OPTIONS = Symbol('AGENTS_COMMANDS_OPTIONS');

/** Settings of `/agents` taken from the controller's configuration. */
export interface AgentsCommandsOptions {
  /** Discord REST base for token verification (`DISCORD_API_URL`). */
  discordApiUrl: string;
  /** Product default idle-release threshold in seconds (`IDLE_RELEASE_SECONDS`). */
  idleReleaseSeconds: number;
}
