import { PermissionFlagsBits } from 'discord.js';

/** BullMQ queue of deploy-verification jobs (one job per deploy plan). */
export const DEPLOY_VERIFY_QUEUE = 'deploy-verify';

/** Job name inside {@link DEPLOY_VERIFY_QUEUE}. */
export const DEPLOY_VERIFY_JOB = 'verify-deploy';

/** DI token of the resolved {@link DeployModuleOptions}. */
export const DEPLOY_OPTIONS = Symbol('DEPLOY_OPTIONS');

/**
 * Most agents one guild may hold: Discord allows 50 bots per guild and the controller is one
 * (SPEC §1, §5).
 */
export const MAX_AGENTS_PER_GUILD = 49;

/** OAuth2 scopes of every agent invite (SPEC §5), space-separated as Discord expects. */
export const DEPLOY_INVITE_SCOPES = ['bot', 'applications.commands'] as const;

/**
 * The one permission set of agent invites (SPEC §5): View Channel (1 << 10), Send Messages
 * (1 << 11), Embed Links (1 << 14), Connect (1 << 20), Speak (1 << 21) = **3165184**. Bit values
 * from discord.js `PermissionFlagsBits` (Discord docs, Topics › Permissions).
 */
export const DEPLOY_INVITE_PERMISSIONS: bigint =
  PermissionFlagsBits.ViewChannel |
  PermissionFlagsBits.SendMessages |
  PermissionFlagsBits.EmbedLinks |
  PermissionFlagsBits.Connect |
  PermissionFlagsBits.Speak;

/** Default OAuth2 authorize URL (Discord docs, Topics › OAuth2 › Bot Authorization Flow). */
export const DEFAULT_DISCORD_OAUTH_URL = 'https://discord.com/oauth2/authorize';

/** Tuning of the deploy planner and its verification queue. */
export interface DeployModuleOptions {
  /** OAuth2 authorize URL invites point at (the sandbox's in development and tests). */
  oauthUrl: string;
  /**
   * False when `REDIS_URL` is unset: plans still work, verification jobs are refused with
   * `VERIFICATION_DISABLED` and no BullMQ queue or worker is created.
   */
  queueEnabled: boolean;
  /** How long after enqueueing the invited agents may take to join (seconds). */
  verifyWindowSeconds: number;
  /** Delay between membership checks inside a job (milliseconds). */
  verifyPollMs: number;
  /** Attempts per job when the worker fails or crashes (BullMQ `attempts`). */
  verifyAttempts: number;
  /** First retry delay, doubled per attempt (BullMQ exponential `backoff`, milliseconds). */
  verifyBackoffMs: number;
}
