import { mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync, openSync, closeSync } from 'node:fs';
import { connect } from 'node:net';
import * as path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { PoolsException, PoolsExceptionCode } from '../pools.exception';
import { createDataSource } from './data-source';
import { migrateToHead } from './migrations-runner';

/** Contents of `<dataDir>/server.json`, written by the process that serves the embedded database. */
export interface EmbeddedServerInfo {
  host: string;
  port: number;
  pid: number;
  startedAt: string;
}

/** Options of {@link openEmbeddedPostgres}. */
export interface EmbeddedPostgresOptions {
  /** Folder for the PGlite files, `server.json` and `server.lock` (e.g. `./.data/pglite`). */
  dataDir: string;
  /** How long to wait for another process that is starting the server (default 30 000 ms). */
  startTimeoutMs?: number;
  /** Socket connections the server accepts across all processes (default 32). */
  maxConnections?: number;
  /**
   * How often a process that joined another process's server checks that it still runs (default
   * 1 000 ms). When it is gone and `server.lock` is free, this process takes over.
   */
  watchIntervalMs?: number;
}

const HOST = '127.0.0.1';

/**
 * A handle on the embedded Postgres (PGlite behind `@electric-sql/pglite-socket`). The first
 * process to open a data folder serves it (and migrates it to head before announcing it in
 * `server.json`); later processes, or later callers in the same process, connect to that server
 * instead of opening the same files. PGlite has a single Postgres session shared by every socket
 * (the socket server serializes transactions), so clients should keep one connection each.
 *
 * A process that joined watches the server; when the serving process is gone and `server.lock`
 * is free, one joiner (whoever creates the lock) serves the same folder on the same port, so
 * the URL — and every pg pool built on it — keeps working (see {@link openEmbeddedPostgres}).
 */
export class EmbeddedPostgres {
  private closed = false;

  private constructor(
    /** `postgres://postgres@127.0.0.1:<port>/postgres` */
    readonly url: string,
    private serving: boolean,
    private release: () => Promise<void>,
  ) {}

  /** @internal */
  static create(url: string, isServer: boolean, release: () => Promise<void>): EmbeddedPostgres {
    return new EmbeddedPostgres(url, isServer, release);
  }

  /** True when this process serves the database (from the start, or since it took over). */
  get isServer(): boolean {
    return this.serving;
  }

  /** @internal called by the watcher once this process serves the folder. */
  becameServer(release: () => Promise<void>): void {
    this.serving = true;
    this.release = release;
  }

  /** True once {@link close} was called. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** Releases this handle; the server stops when its process's last handle is closed. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.release();
  }
}

interface LocalServer {
  references: number;
  url: string;
  stop: () => Promise<void>;
}

const localServers = new Map<string, Promise<LocalServer>>();

/**
 * Serves or joins the embedded database in `dataDir`. A joining process watches the server
 * (`watchIntervalMs`, unref'd timer) and takes over when it is gone — see {@link EmbeddedPostgres}.
 * @throws PoolsException EMBEDDED_DATABASE_UNAVAILABLE when another live process holds the
 *   folder but never announces a reachable server within `startTimeoutMs`.
 */
export async function openEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const dataDir = path.resolve(options.dataDir);
  const local = localServers.get(dataDir);
  if (local) {
    const server = await local;
    server.references += 1;
    return EmbeddedPostgres.create(server.url, true, () => releaseLocal(dataDir));
  }
  mkdirSync(dataDir, { recursive: true });
  const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
  for (;;) {
    const remote = await findRunningServer(dataDir);
    if (remote) return joinServer(dataDir, remote.port, options);
    if (tryAcquireLock(dataDir)) {
      const starting = startServer(dataDir, options.maxConnections ?? 32);
      localServers.set(dataDir, starting);
      try {
        const server = await starting;
        return EmbeddedPostgres.create(server.url, true, () => releaseLocal(dataDir));
      } catch (error) {
        localServers.delete(dataDir);
        removeQuietly(lockPath(dataDir));
        throw error;
      }
    }
    if (Date.now() > deadline) {
      throw new PoolsException(
        PoolsExceptionCode.EmbeddedDatabaseUnavailable,
        `Another process holds the embedded database in ${dataDir} but serves no reachable server; stop it or remove ${lockPath(dataDir)}.`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function releaseLocal(dataDir: string): Promise<void> {
  const entry = localServers.get(dataDir);
  if (!entry) return;
  const server = await entry;
  server.references -= 1;
  if (server.references > 0) return;
  localServers.delete(dataDir);
  await server.stop();
}

/**
 * A handle on a server run by another process, plus its watcher: every `watchIntervalMs` it
 * checks that a server still answers (announced in `server.json` by a live pid, or answering on
 * our port); when none does and `server.lock` can be created, this process serves the same data
 * folder on the same port and re-announces it. Losing the lock race just means watching the
 * winner. The timer is unref'd and stops when the handle is closed.
 */
function joinServer(dataDir: string, port: number, options: EmbeddedPostgresOptions): EmbeddedPostgres {
  let timer: NodeJS.Timeout | undefined;
  const stopWatching = () => {
    if (timer) clearInterval(timer);
    timer = undefined;
  };
  const handle = EmbeddedPostgres.create(urlFor(port), false, () => {
    stopWatching();
    return Promise.resolve();
  });
  let checking = false;
  const check = async (): Promise<void> => {
    if (checking || handle.isClosed) return;
    checking = true;
    try {
      const takenOver = await takeOverIfGone(dataDir, port, options.maxConnections ?? 32);
      if (!takenOver || handle.isClosed) return;
      stopWatching();
      handle.becameServer(() => releaseLocal(dataDir));
    } finally {
      checking = false;
    }
  };
  timer = setInterval(() => {
    check().catch((error: unknown) => {
      process.emitWarning(
        `Embedded database in ${dataDir}: take-over attempt failed (${error instanceof Error ? error.message : String(error)}); retrying.`,
      );
    });
  }, options.watchIntervalMs ?? 1000);
  timer.unref();
  return handle;
}

/**
 * One watcher tick. @returns true when this process now serves `dataDir` (it took over, or
 * another handle of this process already did, whose reference is then shared).
 */
async function takeOverIfGone(dataDir: string, port: number, maxConnections: number): Promise<boolean> {
  const local = localServers.get(dataDir);
  if (local) {
    (await local).references += 1;
    return true;
  }
  if (await findRunningServer(dataDir)) return false;
  if (await canConnect(port)) return false;
  // A dead holder's lock is cleared by the first call; the second may then create ours.
  if (!tryAcquireLock(dataDir) && !tryAcquireLock(dataDir)) return false;
  const starting = startServer(dataDir, maxConnections, port);
  localServers.set(dataDir, starting);
  try {
    await starting;
    return true;
  } catch (error) {
    localServers.delete(dataDir);
    removeQuietly(lockPath(dataDir));
    throw error;
  }
}

async function startServer(dataDir: string, maxConnections: number, port = 0): Promise<LocalServer> {
  const db = await PGlite.create(path.join(dataDir, 'pgdata'));
  const socketServer = new PGLiteSocketServer({ db, host: HOST, port, maxConnections });
  try {
    await socketServer.start();
    const url = urlFor(Number(socketServer.getServerConn().split(':').pop()));
    const dataSource = createDataSource(url, { embedded: true, applicationName: 'chopsticks-migrate' });
    await dataSource.initialize();
    try {
      await migrateToHead(dataSource);
    } finally {
      await dataSource.destroy();
    }
    const info: EmbeddedServerInfo = {
      host: HOST,
      port: Number(new URL(url).port),
      pid: process.pid,
      startedAt: new Date().toISOString(),
    };
    const temporary = `${infoPath(dataDir)}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify(info));
    renameSync(temporary, infoPath(dataDir));
    return {
      references: 1,
      url,
      stop: async () => {
        removeQuietly(infoPath(dataDir));
        await socketServer.stop();
        await db.close();
        removeQuietly(lockPath(dataDir));
      },
    };
  } catch (error) {
    await socketServer.stop().catch(() => undefined);
    await db.close().catch(() => undefined);
    throw error;
  }
}

async function findRunningServer(dataDir: string): Promise<EmbeddedServerInfo | null> {
  let info: EmbeddedServerInfo;
  try {
    info = JSON.parse(readFileSync(infoPath(dataDir), 'utf8')) as EmbeddedServerInfo;
  } catch {
    return null;
  }
  if (!Number.isInteger(info.port) || !isProcessAlive(info.pid)) return null;
  return (await canConnect(info.port)) ? info : null;
}

/** Creates `server.lock` exclusively; clears a lock left by a dead process. */
function tryAcquireLock(dataDir: string): boolean {
  try {
    const fd = openSync(lockPath(dataDir), 'wx');
    writeFileSync(fd, String(process.pid));
    closeSync(fd);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const holder = Number(readQuietly(lockPath(dataDir)));
  if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && !isProcessAlive(holder)) {
    removeQuietly(lockPath(dataDir));
    removeQuietly(infoPath(dataDir));
  }
  return false;
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: HOST, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

function urlFor(port: number): string {
  return `postgres://postgres@${HOST}:${port}/postgres`;
}

function infoPath(dataDir: string): string {
  return path.join(dataDir, 'server.json');
}

function lockPath(dataDir: string): string {
  return path.join(dataDir, 'server.lock');
}

function readQuietly(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function removeQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // already gone
  }
}
