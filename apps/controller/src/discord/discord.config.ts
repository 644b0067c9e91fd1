import { z } from 'zod';
import { env } from '@app/config';
import { ratelimitsEnvShape } from '@app/ratelimits';

/** Discord REST base used when `DISCORD_API_URL` is unset (discord.js default). */
export const DEFAULT_DISCORD_API_URL = 'https://discord.com/api';

const optionalSnowflake = z.preprocess(
  (value) => (value === '' ? undefined : value),
  z
    .string()
    .regex(/^\d{17,20}$/, 'must be a Discord id (17–20 digits)')
    .optional(),
);

/**
 * Environment slice of the controller's Discord client, spread into the controller's env schema:
 * - `DISCORD_TOKEN` (secret, required): the controller bot's token.
 * - `DISCORD_CLIENT_ID`: the controller application's id (invite links, command deploy).
 * - `DISCORD_API_URL` (`https://discord.com/api`): REST base; the gateway URL is read from
 *   `GET /gateway/bot` there (the sandbox in development and tests).
 * - `BOT_OWNER_IDS`: comma-separated user ids allowed owner-only commands.
 * - `DISCORD_DEVELOPMENT_GUILD_IDS`: when set, slash commands register in these guilds only
 *   (instant); unset = global registration.
 * - `DISCORD_SKIP_REGISTRATION` (false): never PUT the command list (it was deployed separately).
 * - The command pipeline's limiter slice (`COMMAND_RATE_LIMITS`, `RATE_LIMIT_REDIS_DOWN_MODE`,
 *   `IDEMPOTENCY_WINDOW_SECONDS`, `RATE_LIMIT_KEY_PREFIX`; see `ratelimitsEnvShape`).
 */
export const discordEnvShape = {
  DISCORD_TOKEN: env.string(),
  DISCORD_CLIENT_ID: optionalSnowflake,
  DISCORD_API_URL: env.url(['http:', 'https:'], DEFAULT_DISCORD_API_URL),
  BOT_OWNER_IDS: env.snowflakes(),
  DISCORD_DEVELOPMENT_GUILD_IDS: env.snowflakes(),
  DISCORD_SKIP_REGISTRATION: env.boolean(false),
  ...ratelimitsEnvShape,
};

/** Parsed Discord environment. */
export type DiscordEnv = z.output<z.ZodObject<typeof discordEnvShape>>;
