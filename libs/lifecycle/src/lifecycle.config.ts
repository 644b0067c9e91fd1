import { z } from 'zod';
import { env } from '@app/config';

/** Log levels accepted by `LOG_LEVEL` (pino's names). */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Environment slice every Chopsticks process reads: runtime mode and logging. */
export const lifecycleEnvShape = {
  NODE_ENV: env.oneOf(['development', 'test', 'production'] as const, 'development'),
  LOG_LEVEL: env.oneOf(LOG_LEVELS, 'info'),
  /** Where JSON log lines go: `stdout` (default) or `stderr` (keeps stdout clean for tools). */
  LOG_TARGET: env.oneOf(['stdout', 'stderr'] as const, 'stdout'),
};

/** Parsed form of {@link lifecycleEnvShape}. */
export type LifecycleConfig = z.output<z.ZodObject<typeof lifecycleEnvShape>>;
