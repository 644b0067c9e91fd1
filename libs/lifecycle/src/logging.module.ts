import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import pino from 'pino';
import type { LifecycleConfig } from './lifecycle.config';

/** Header carrying a caller-supplied correlation id; echoed back on responses. */
export const REQUEST_ID_HEADER = 'x-request-id';

/**
 * Paths pino replaces with `[redacted]` in every log line: credentials in headers and any field
 * named like a secret, at any of the first two nesting levels.
 */
export const REDACTED_LOG_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  ...['token', 'secret', 'password', 'credential', 'clientSecret', 'apiKey', 'authorization'].flatMap(
    (key) => [key, `*.${key}`, `*.*.${key}`],
  ),
];

/**
 * Correlation id of an incoming HTTP request: the caller's `x-request-id` when it is a short
 * token (letters, digits, `.`, `_`, `-`; ≤ 64 chars), otherwise a new UUID.
 */
export function requestIdFor(req: Pick<IncomingMessage, 'headers'>): string {
  const incoming = req.headers[REQUEST_ID_HEADER];
  return typeof incoming === 'string' && /^[\w.-]{1,64}$/.test(incoming) ? incoming : randomUUID();
}

/** Options of {@link LoggingModule.forRoot}. */
export interface LoggingOptions extends LifecycleConfig {
  /** App name written as `app` on every line (`controller`, `agents`, `dashboard`, `funhub`, `cli`). */
  app: string;
  /** URL prefixes not logged per request (health checks and scrapes). */
  quietPaths?: string[];
}

const DEFAULT_QUIET_PATHS = ['/healthz', '/readyz', '/health', '/metrics'];

/**
 * DI token of the app's own root pino logger (every line carries the app's `app` field). Each
 * app gets its own instance, so apps booted in one process (the demo, e2e tests) keep their
 * names; `startHttpApp` makes it the logger of everything the app runs (nestjs-pino's shared
 * root logger would otherwise name every line after one app).
 */
export const APP_LOGGER = Symbol('APP_LOGGER');

/**
 * Structured JSON logging for a Chopsticks app (nestjs-pino): one line per event, secrets
 * redacted, a correlation id per HTTP request (from `x-request-id` or generated).
 */
@Module({})
export class LoggingModule {
  /** Builds the logger module for one app; call once per app module. */
  static forRoot(options: LoggingOptions): DynamicModule {
    const quiet = options.quietPaths ?? DEFAULT_QUIET_PATHS;
    const logger = pino(
      {
        level: options.LOG_LEVEL,
        base: { app: options.app },
        redact: { paths: REDACTED_LOG_PATHS, censor: '[redacted]' },
      },
      pino.destination({ fd: options.LOG_TARGET === 'stderr' ? 2 : 1, sync: true }),
    );
    return {
      module: LoggingModule,
      imports: [
        LoggerModule.forRoot({
          pinoHttp: {
            logger,
            // Fastify assigns `req.id` first (see requestIdFor); this covers non-Fastify servers.
            genReqId: (req: IncomingMessage) => requestIdFor(req),
            autoLogging: {
              ignore: (req) => {
                const url = (req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url ?? '';
                return quiet.some((path) => url.startsWith(path));
              },
            },
            serializers: {
              req: (req: { id: unknown; method: unknown; url: unknown }) => ({
                id: req.id,
                method: req.method,
                url: req.url,
              }),
            },
          },
        }),
      ],
      providers: [{ provide: APP_LOGGER, useValue: logger }],
      exports: [LoggerModule, APP_LOGGER],
    };
  }
}
