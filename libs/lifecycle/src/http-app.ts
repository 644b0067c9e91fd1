import type { DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
// nestjs-pino's own AsyncLocalStorage: its PinoLogger logs to the store's logger when there is one.
import { Store, storage } from 'nestjs-pino/storage';
import type pino from 'pino';
import { answerFrameworkError } from './framework-errors';
import { APP_LOGGER, REQUEST_ID_HEADER, requestIdFor } from './logging.module';
import { processLogger } from './process-log';

/** Where an app's HTTP server listens. */
export interface HttpListenOptions {
  /** TCP port; 0 picks any free port (tests, the demo). */
  port: number;
  /** Interface to bind, e.g. `0.0.0.0` in containers or `127.0.0.1` on a workstation. */
  host: string;
  /** Largest accepted request body in bytes (Fastify `bodyLimit`); default 1 MiB. */
  bodyLimit?: number;
  /**
   * Proxies trusted to set `X-Forwarded-For` / `-Proto` / `-Host` (Fastify `trustProxy`): `false`
   * (default: `request.ip` is the TCP peer), `true` (every hop), a hop count, or IPs / CIDR ranges.
   */
  trustProxy?: boolean | number | string[];
  /**
   * Runs after the app is created and before it listens: registers what needs the application
   * object itself rather than a module (e.g. Swagger UI).
   */
  configure?: (app: NestFastifyApplication) => Promise<void> | void;
}

/**
 * Creates a Nest app on Fastify for a root module that imports `LoggingModule`, installs the
 * pino logger, and starts listening. Returns the running app; `app.close()` stops it.
 *
 * The app is built and started inside nestjs-pino's async context with the app's own logger
 * (`APP_LOGGER`), so everything it starts — timers, sockets, lifecycle hooks — logs with its own
 * `app` name even when several apps share the process (HTTP requests get a child of it).
 * @throws whatever module initialisation throws (e.g. a dependency that cannot be reached)
 */
export async function startHttpApp(
  root: DynamicModule,
  options: HttpListenOptions,
): Promise<NestFastifyApplication> {
  // Until the app's logger exists, Nest's messages are buffered (`bufferLogs`) and flushed below.
  const store = new Store(processLogger());
  return storage.run(store, async () => {
    const app = await NestFactory.create<NestFastifyApplication>(
      root,
      new FastifyAdapter({
        bodyLimit: options.bodyLimit ?? 1024 * 1024,
        trustProxy: options.trustProxy ?? false,
        requestIdHeader: false,
        genReqId: requestIdFor,
        frameworkErrors: answerFrameworkError,
      }),
      { bufferLogs: true, abortOnError: false },
    );
    store.logger = app.get<pino.Logger>(APP_LOGGER, { strict: false });
    app.useLogger(app.get(Logger));
    app
      .getHttpAdapter()
      .getInstance()
      .addHook('onRequest', (request, reply, done) => {
        void reply.header(REQUEST_ID_HEADER, request.id);
        done();
      });
    app.flushLogs();
    await options.configure?.(app);
    await app.listen(options.port, options.host);
    return app;
  });
}

/** The port an app actually listens on (useful after listening on port 0). */
export function listeningPort(app: NestFastifyApplication): number {
  const address = app.getHttpServer().address();
  if (address === null || typeof address === 'string') throw new Error('app is not listening on a TCP port');
  return address.port;
}
