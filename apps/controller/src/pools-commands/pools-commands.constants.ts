/** Embed accent colours of `/pools` replies: one meaning each, the same as `/agents`. */
export const POOLS_EMBED_COLOR = {
  /** Information and listings (Discord blurple). */
  info: 0x5865f2,
  /** A change was made. */
  success: 0x57f287,
  /** Something needs attention (pending contributions, a pool at capacity). */
  warning: 0xfee75c,
} as const;

/** `pool_<owner user id>`: a Discord snowflake is 17–20 digits (Discord API reference, "Snowflakes"). */
export const POOL_ID_PATTERN = /^pool_\d{17,20}$/;
/** Longest pool id option accepted before any work (`pool_` + 20 digits). */
export const POOL_ID_MAX_LENGTH = 25;
/** Pool names are 1–100 printable characters (`agent_pools.name`). */
export const POOL_NAME_MAX_LENGTH = 100;
/** Pool specialty tag, at most 32 characters (`agent_pools.specialty`). */
export const POOL_SPECIALTY_MAX_LENGTH = 32;
/** Contribution ids are UUIDs (`pool_contributions.id`). */
export const CONTRIBUTION_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const CONTRIBUTION_ID_LENGTH = 36;
/** Lines shown in a listing embed before "… and N more" (embed descriptions hold 4096 characters). */
export const MAX_LIST_LINES = 20;
