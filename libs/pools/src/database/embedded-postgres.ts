import { closeSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { runMigrations } from './migrator';

/** Contents of `<dir>/server.json`, written by the process that owns the embedded server. */
export interface EmbeddedServerInfo {
  host: string;
  port: number;
  pid: number;
  startedAt: string;
}

/** Options for {@link resolveDatabase}. */
export interface ResolveDatabaseOptions {
  /** External Postgres URL; when set, nothing embedded is started. */
  databaseUrl?: string;
  /** Data directory of the embedded engine (default `./.data/pglite`). */
  embeddedDir?: string;
  /** Apply pending migrations to the embedded engine after starting it (default true). */
  migrate?: boolean;
  /** How long to wait for another process that is starting the embedded engine, in ms. */
  startTimeoutMs?: number;
  /** Receives progress lines (never secrets). */
  log?: (message: string) => void;
}

/** Where the application's database lives. */
export interface ResolvedDatabase {
  /** Connection URL for the `pg` driver. */
  url: string;
  /** True when the URL points at the embedded PGlite server (started here or by a peer). */
  embedded: boolean;
  /** Embedded engine owned by this process, when this process started it. */
  server?: EmbeddedPostgres;
  /** Stops the embedded engine if this process owns it; otherwise does nothing. */
  close(): Promise<void>;
}

/** Default data directory of the embedded engine, relative to the working directory. */
export const DEFAULT_EMBEDDED_DIR = '.data/pglite';
const SERVER_FILE = 'server.json';
const LOCK_FILE = 'server.lock';
const POLL_MS = 100;

/**
 * An in-process Postgres (PGlite, WASM) exposed on a loopback TCP port through
 * `@electric-sql/pglite-socket`, so the ordinary `pg` driver and other processes connect to it.
 * All socket clients share ONE Postgres session: the socket server runs one query at a time and,
 * while a client has a transaction open, runs only that client's queries (pglite-socket
 * QueryQueueManager). Session state (search_path, advisory locks) is shared by all clients.
 */
export class EmbeddedPostgres {
  private closed = false;

  private constructor(
    readonly dir: string,
    private readonly db: PGlite,
    private readonly server: PGLiteSocketServer,
    readonly info: EmbeddedServerInfo,
  ) {}

  /** Connection URL of the socket server (user `postgres`, database `postgres`). */
  get url(): string {
    return embeddedUrl(this.info);
  }

  /**
   * Opens the PGlite data directory and listens on 127.0.0.1 (port 0 = any free port).
   * The caller must hold the directory lock.
   */
  static async start(dir: string, port = 0): Promise<EmbeddedPostgres> {
    mkdirSync(join(dir, 'data'), { recursive: true });
    const db = await PGlite.create({ dataDir: join(dir, 'data') });
    const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port, maxConnections: 64 });
    try {
      await server.start();
    } catch (error) {
      await db.close();
      throw error;
    }
    const [, listenPort] = server.getServerConn().split(':');
    const info: EmbeddedServerInfo = {
      host: '127.0.0.1',
      port: Number(listenPort),
      pid: process.pid,
      startedAt: new Date().toISOString(),
    };
    return new EmbeddedPostgres(dir, db, server, info);
  }

  /** Publishes `server.json` so other processes connect here instead of opening the files. */
  publish(): void {
    const target = join(this.dir, SERVER_FILE);
    const temporary = `${target}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify(this.info));
    renameSync(temporary, target);
  }

  /** Stops listening, closes PGlite and removes `server.json` and the lock. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    rmSync(join(this.dir, SERVER_FILE), { force: true });
    await this.server.stop();
    await this.db.close();
    rmSync(join(this.dir, LOCK_FILE), { force: true });
  }
}

/**
 * Returns the database to use. With `databaseUrl` set it is used as is. Otherwise the embedded
 * engine under `embeddedDir` is used: if another live process already serves it (its
 * `server.json` names a live pid and an open port) this process connects there; else this
 * process takes the directory lock, starts PGlite, applies migrations, and publishes
 * `server.json`. Never opens the same data files from two processes.
 * @throws Error when the embedded engine cannot be started or a peer never becomes ready.
 */
export async function resolveDatabase(options: ResolveDatabaseOptions): Promise<ResolvedDatabase> {
  if (options.databaseUrl) return { url: options.databaseUrl, embedded: false, close: () => Promise.resolve() };
  const dir = resolve(options.embeddedDir ?? DEFAULT_EMBEDDED_DIR);
  const log = options.log ?? (() => undefined);
  mkdirSync(dir, { recursive: true });
  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  for (;;) {
    const peer = await findLivePeer(dir);
    if (peer) {
      log(`Using the embedded Postgres served by process ${peer.pid} on 127.0.0.1:${peer.port}`);
      return { url: embeddedUrl(peer), embedded: true, close: () => Promise.resolve() };
    }
    if (tryLock(dir)) {
      const again = await findLivePeer(dir);
      if (again) {
        rmSync(join(dir, LOCK_FILE), { force: true });
        continue;
      }
      return startOwned(dir, options.migrate ?? true, log);
    }
    if (Date.now() > deadline) throw new Error(`The embedded Postgres in ${dir} did not become ready in time`);
    await sleep(POLL_MS);
  }
}

async function startOwned(dir: string, migrate: boolean, log: (message: string) => void): Promise<ResolvedDatabase> {
  rmSync(join(dir, SERVER_FILE), { force: true });
  let server: EmbeddedPostgres;
  try {
    server = await EmbeddedPostgres.start(dir);
  } catch (error) {
    rmSync(join(dir, LOCK_FILE), { force: true });
    throw error;
  }
  try {
    if (migrate) {
      const applied = await runMigrations(server.url, { poolSize: 1 });
      if (applied.length > 0) log(`Applied ${applied.length} migration(s) to the embedded Postgres`);
    }
    server.publish();
  } catch (error) {
    await server.close();
    throw error;
  }
  log(`Embedded Postgres (PGlite) in ${dir} listening on 127.0.0.1:${server.info.port}`);
  return { url: server.url, embedded: true, server, close: () => server.close() };
}

function embeddedUrl(info: EmbeddedServerInfo): string {
  return `postgres://postgres@${info.host}:${info.port}/postgres`;
}

/** Takes `<dir>/server.lock` atomically (O_EXCL); a lock left by a dead process is removed. */
function tryLock(dir: string): boolean {
  const path = join(dir, LOCK_FILE);
  try {
    const fd = openSync(path, 'wx');
    writeFileSync(fd, String(process.pid));
    closeSync(fd);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const holder = Number(readText(path));
  if (Number.isInteger(holder) && holder > 0 && !isAlive(holder)) rmSync(path, { force: true });
  return false;
}

async function findLivePeer(dir: string): Promise<EmbeddedServerInfo | undefined> {
  const text = readText(join(dir, SERVER_FILE));
  if (text === undefined) return undefined;
  let info: EmbeddedServerInfo;
  try {
    info = JSON.parse(text) as EmbeddedServerInfo;
  } catch {
    return undefined;
  }
  if (!Number.isInteger(info.pid) || !Number.isInteger(info.port) || info.host !== '127.0.0.1') return undefined;
  if (!isAlive(info.pid)) return undefined;
  return (await canConnect(info.port)) ? info : undefined;
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.setTimeout(1000);
    socket.once('connect', () => {
      socket.destroy();
      done(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      done(false);
    });
    socket.once('error', () => done(false));
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}
