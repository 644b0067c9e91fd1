import { Client, ClientConfig } from 'pg';

/** Default bound on how long a client waits for the embedded database before failing (ms). */
export const DEFAULT_EMBEDDED_BUSY_TIMEOUT_MS = 15_000;

/** `ClientConfig` plus the bound used by {@link EmbeddedPgClient}. */
export interface EmbeddedPgClientConfig extends ClientConfig {
  /** Connect and query bound in ms (default {@link DEFAULT_EMBEDDED_BUSY_TIMEOUT_MS}). */
  embeddedBusyTimeoutMs?: number;
}

/**
 * Message of the error a client gets when the embedded database stays busy: PGlite has ONE
 * Postgres session shared by every socket, and `@electric-sql/pglite-socket` holds every other
 * client's messages (even the connection handshake) while one client has a transaction open.
 */
export function embeddedDatabaseBusyMessage(timeoutMs: number, during: 'connecting' | 'query'): string {
  return (
    `The embedded database is busy with another client's transaction: no answer to this ${during === 'connecting' ? 'connection' : 'query'} within ${timeoutMs} ms ` +
    `(PGlite has one session shared by all clients). Production should set DATABASE_URL to a real Postgres.`
  );
}

/**
 * `pg` client for the embedded PGlite socket server (`extra.Client` of the pool): connecting and
 * each query are bounded by `embeddedBusyTimeoutMs` (pg's `connectionTimeoutMillis` and
 * `query_timeout`), and a timeout becomes an error saying the embedded database is busy instead
 * of a silent hang. A query that timed out is still queued on the server, so the connection is
 * closed (the pool drops it; the server discards a closed socket's queued messages).
 */
export class EmbeddedPgClient extends Client {
  private readonly busyTimeoutMs: number;

  constructor(config: EmbeddedPgClientConfig) {
    const busyTimeoutMs = config.embeddedBusyTimeoutMs ?? DEFAULT_EMBEDDED_BUSY_TIMEOUT_MS;
    super({ ...config, connectionTimeoutMillis: busyTimeoutMs, query_timeout: busyTimeoutMs });
    this.busyTimeoutMs = busyTimeoutMs;
  }

  override connect(): Promise<void>;
  override connect(callback: (err: Error) => void): void;
  override connect(callback?: (err: Error) => void): Promise<void> | void {
    if (callback) {
      super.connect((error) => callback(error ? this.translateConnectError(error) : error));
      return;
    }
    return super.connect().catch((error: unknown) => {
      throw this.translateConnectError(error);
    });
  }

  private translateConnectError(error: unknown): Error {
    const err = error instanceof Error ? error : new Error(String(error));
    return /timeout/i.test(err.message)
      ? new Error(embeddedDatabaseBusyMessage(this.busyTimeoutMs, 'connecting'), { cause: err })
      : err;
  }

  /** @internal turns pg's `Query read timeout` into the busy error and closes the connection. */
  translateQueryError(error: unknown): unknown {
    if (!(error instanceof Error) || error.message !== 'Query read timeout') return error;
    this.end().catch(() => undefined);
    return new Error(embeddedDatabaseBusyMessage(this.busyTimeoutMs, 'query'), { cause: error });
  }
}

// pg's `query` has many overloads; wrap the promise form (the one TypeORM uses) once here.
type AnyQuery = { query: (this: Client, ...args: unknown[]) => unknown };
const baseQuery = (Client.prototype as unknown as AnyQuery).query;
(EmbeddedPgClient.prototype as unknown as AnyQuery).query = function (
  this: Client,
  ...args: unknown[]
): unknown {
  const result = baseQuery.apply(this, args);
  if (!(result instanceof Promise)) return result;
  return result.catch((error: unknown) => {
    throw (this as EmbeddedPgClient).translateQueryError(error);
  });
};
