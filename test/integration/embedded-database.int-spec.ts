import { ChildProcessWithoutNullStreams, execFile, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  createDataSource,
  EmbeddedServerInfo,
  PoolMemberRole,
  POOLS_DATABASE,
  PoolsModule,
  PoolsService,
  ResolvedDatabase,
} from '@app/pools';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { encryptionKey, poolInput, snowflake, user } from '../utils/factories';

jest.setTimeout(120_000);

const ROOT = path.resolve(__dirname, '../..');
const CHILD = path.join(__dirname, '../utils/embedded-child.ts');

/**
 * PGlite's first start (initdb) takes ~20 s here; a migrated empty data folder is built once per
 * checkout under .data/ and copied for each run (the server migrates it to head on start).
 */
async function seedDataDir(dataDir: string): Promise<void> {
  const cache = path.join(ROOT, '.data/test-cache/pglite-pgdata');
  if (!existsSync(cache)) {
    const scratch = mkdtempSync(path.join(tmpdir(), 'chopsticks-pglite-seed-'));
    try {
      await promisify(execFile)(process.execPath, ['-r', '@swc-node/register', CHILD, 'prepare', scratch], {
        cwd: ROOT,
      });
      const staging = `${cache}.${process.pid}.tmp`;
      cpSync(path.join(scratch, 'pgdata'), staging, { recursive: true });
      try {
        renameSync(staging, cache);
      } catch {
        rmSync(staging, { recursive: true, force: true });
      }
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  }
  cpSync(cache, path.join(dataDir, 'pgdata'), { recursive: true });
}

/** Starts the serving child and resolves with its first stdout line. */
function serve(dataDir: string): Promise<{
  child: ChildProcessWithoutNullStreams;
  announced: { url: string; isServer: boolean; shared: boolean };
}> {
  const child = spawn(process.execPath, ['-r', '@swc-node/register', CHILD, 'serve', dataDir], { cwd: ROOT });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n'))
        resolve({
          child,
          announced: JSON.parse(out.split('\n')[0]) as { url: string; isServer: boolean; shared: boolean },
        });
    });
    child.once('exit', (code) => reject(new Error(`embedded server child exited ${code}: ${err}`)));
  });
}

describe('embedded database (PGlite)', () => {
  let dataDir: string;
  let server: ChildProcessWithoutNullStreams;
  let announced: { url: string; isServer: boolean; shared: boolean };
  let app: INestApplicationContext;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'chopsticks-pglite-'));
    await seedDataDir(dataDir);
    ({ child: server, announced } = await serve(dataDir));
    app = await NestFactory.createApplicationContext(
      PoolsModule.forRoot({ tokenEncryptionKeys: encryptionKey(), embeddedDbDir: dataDir }),
      {
        logger: false,
        abortOnError: false,
      },
    );
  });

  afterAll(async () => {
    await app?.close();
    if (server && server.exitCode === null) {
      const exited = new Promise((resolve) => server.once('exit', resolve));
      server.stdin.end();
      await exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('the first process serves a migrated database on loopback and announces it in server.json', () => {
    expect(announced.isServer).toBe(true);
    expect(announced.shared).toBe(true);
    const info = JSON.parse(readFileSync(path.join(dataDir, 'server.json'), 'utf8')) as EmbeddedServerInfo;
    expect(info).toMatchObject({ host: '127.0.0.1', pid: server.pid });
    expect(announced.url).toBe(`postgres://postgres@127.0.0.1:${info.port}/postgres`);
  });

  it('another process with DATABASE_URL unset joins the running server instead of opening the files', async () => {
    const database = app.get<ResolvedDatabase>(POOLS_DATABASE);
    expect(database.embedded?.isServer).toBe(false);
    expect(database.url).toBe(announced.url);
    const [{ count }] = await app
      .get(DataSource)
      .query<{ count: string }[]>(`SELECT count(*) FROM migrations`);
    expect(Number(count)).toBeGreaterThan(0);
  });

  it('runs a transaction while concurrent queries wait their turn on the one PGlite session', async () => {
    const sut = app.get(PoolsService);
    const owners = [snowflake(), snowflake(), snowflake()];
    for (const ownerId of owners) await sut.create(poolInput({ ownerId }), user(ownerId));
    const newOwner = snowflake();
    const [transferred, listed, got] = await Promise.all([
      sut.transfer(`pool_${owners[0]}`, owners[0], newOwner, user(owners[0])),
      sut.list(),
      sut.get(`pool_${owners[1]}`),
    ]);
    expect(transferred.ownerId).toBe(newOwner);
    expect(listed).toHaveLength(3);
    expect(got.ownerId).toBe(owners[1]);
    expect(await sut.roleOf(`pool_${owners[0]}`, owners[0])).toBe(PoolMemberRole.Manager);
    await expect(
      sut.transfer(`pool_${owners[1]}`, owners[1], newOwner, user(owners[1])),
    ).rejects.toMatchObject({ code: 'POOL_EXISTS' });
    expect((await sut.get(`pool_${owners[1]}`)).ownerId).toBe(owners[1]);
  });

  it('a third process sees the same data through the same server', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['-r', '@swc-node/register', CHILD, 'query', dataDir],
      { cwd: ROOT },
    );
    expect(JSON.parse(stdout)).toEqual({ url: announced.url, isServer: false, pools: 3 });
  });

  it('a client stuck behind another client\'s open transaction fails with a "busy" error instead of hanging', async () => {
    const holder = new Client({ connectionString: announced.url });
    await holder.connect();
    const connecting = createDataSource(announced.url, { embedded: true, embeddedBusyTimeoutMs: 1000 });
    const querying = createDataSource(announced.url, { embedded: true, embeddedBusyTimeoutMs: 1000 });
    try {
      await holder.query('BEGIN');
      await expect(connecting.initialize()).rejects.toThrow(
        /^The embedded database is busy with another client's transaction: no answer to this connection .*Production should set DATABASE_URL/,
      );
      await holder.query('COMMIT');

      await querying.initialize();
      await holder.query('BEGIN');
      await expect(querying.query('SELECT 1')).rejects.toThrow(
        /^The embedded database is busy with another client's transaction: no answer to this query .*DATABASE_URL/,
      );
      await holder.query('COMMIT');
      expect(await querying.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    } finally {
      await holder.end();
      if (querying.isInitialized) await querying.destroy();
    }
  });

  it('the server removes server.json when it stops', async () => {
    const exited = new Promise((resolve) => server.once('exit', resolve));
    server.stdin.end();
    expect(await exited).toBe(0);
    expect(existsSync(path.join(dataDir, 'server.json'))).toBe(false);
  });
});

/** A `watch` child: a process that joined the embedded database with a TypeORM pool, as an app does. */
interface JoinedProcess {
  child: ChildProcessWithoutNullStreams;
  hello: { url: string; isServer: boolean; pid: number };
  /** Sends one command line and resolves with the child's next JSON line. */
  ask(command: string): Promise<{ pools?: number; error?: string; isServer: boolean }>;
}

async function startJoinedProcess(dataDir: string): Promise<JoinedProcess> {
  const child = spawn(process.execPath, ['-r', '@swc-node/register', CHILD, 'watch', dataDir], { cwd: ROOT });
  const lines: string[] = [];
  const waiting: ((line: string) => void)[] = [];
  let err = '';
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  createInterface({ input: child.stdout }).on('line', (line) => {
    const waiter = waiting.shift();
    if (waiter) waiter(line);
    else lines.push(line);
  });
  const nextLine = () =>
    new Promise<string>((resolve, reject) => {
      const line = lines.shift();
      if (line !== undefined) return resolve(line);
      waiting.push(resolve);
      child.once('exit', (code) => reject(new Error(`joined child exited ${code}: ${err}`)));
    });
  const hello = JSON.parse(await nextLine()) as JoinedProcess['hello'];
  return {
    child,
    hello,
    ask: async (command) => {
      child.stdin.write(`${command}\n`);
      return JSON.parse(await nextLine()) as { pools?: number; error?: string; isServer: boolean };
    },
  };
}

/** Asks `count` until the process answers with data (at most 120 tries, 500 ms apart). */
async function countWhenAnswered(joined: JoinedProcess): Promise<number> {
  for (let attempt = 0; attempt < 120; attempt += 1) {
    const answer = await joined.ask('count');
    if (answer.pools !== undefined) return answer.pools;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`process ${joined.child.pid} never got the database back`);
}

/** Reads server.json until it names a live server other than `formerPid` (bounded like above). */
async function nextAnnouncement(dataDir: string, formerPid: number): Promise<EmbeddedServerInfo> {
  for (let attempt = 0; attempt < 120; attempt += 1) {
    try {
      const info = JSON.parse(readFileSync(path.join(dataDir, 'server.json'), 'utf8')) as EmbeddedServerInfo;
      if (info.pid !== formerPid) return info;
    } catch {
      // not announced yet
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error('no process took over the embedded database');
}

describe('embedded database handover (PGlite)', () => {
  let dataDir: string;
  let server: ChildProcessWithoutNullStreams;
  let announced: { url: string; isServer: boolean; shared: boolean };
  const joined: JoinedProcess[] = [];

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'chopsticks-pglite-handover-'));
    await seedDataDir(dataDir);
    ({ child: server, announced } = await serve(dataDir));
  });

  afterAll(async () => {
    const children = [server, ...joined.map((process) => process.child)].filter(
      (child) => child && child.exitCode === null && child.signalCode === null,
    );
    await Promise.all(
      children.map((child) => {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.stdin.end();
        return exited;
      }),
    );
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('when the serving process gets SIGTERM, one joined process serves the same data on the same URL and the other keeps working', async () => {
    joined.push(...(await Promise.all([startJoinedProcess(dataDir), startJoinedProcess(dataDir)])));
    for (const process of joined)
      expect(process.hello).toEqual({ url: announced.url, isServer: false, pid: process.child.pid });
    const writer = new Client({ connectionString: announced.url });
    await writer.connect();
    await writer.query(
      `INSERT INTO agent_pools (id, owner_id, name) VALUES ('pool_handover', '1', 'Handover')`,
    );
    await writer.end();
    expect(await joined[0].ask('count')).toEqual({ pools: 1, isServer: false });

    const formerPid = server.pid!;
    const exited = new Promise((resolve) => server.once('exit', resolve));
    server.kill('SIGTERM');
    await exited;

    const info = await nextAnnouncement(dataDir, formerPid);
    expect(info).toMatchObject({ host: '127.0.0.1', port: Number(new URL(announced.url).port) });
    const winner = joined.find((process) => process.child.pid === info.pid);
    expect(winner).toBeDefined();
    expect(await Promise.all(joined.map(countWhenAnswered))).toEqual([1, 1]);
    const answers = await Promise.all(joined.map((process) => process.ask('count')));
    expect(answers).toEqual(joined.map((process) => ({ pools: 1, isServer: process === winner })));
  });

  it('when the process that took over is killed (SIGKILL, no cleanup), the remaining one takes over with the data intact', async () => {
    const current = JSON.parse(readFileSync(path.join(dataDir, 'server.json'), 'utf8')) as EmbeddedServerInfo;
    const killed = joined.find((process) => process.child.pid === current.pid)!;
    const survivor = joined.find((process) => process !== killed)!;
    const exited = new Promise((resolve) => killed.child.once('exit', resolve));
    killed.child.kill('SIGKILL');
    await exited;

    const info = await nextAnnouncement(dataDir, current.pid);
    expect(info).toMatchObject({ pid: survivor.child.pid, port: Number(new URL(announced.url).port) });
    expect(await countWhenAnswered(survivor)).toBe(1);
    expect(await survivor.ask('count')).toEqual({ pools: 1, isServer: true });
  });

  it('a process started after the handover joins the new server at the same URL', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['-r', '@swc-node/register', CHILD, 'query', dataDir],
      { cwd: ROOT },
    );
    expect(JSON.parse(stdout)).toEqual({ url: announced.url, isServer: false, pools: 1 });
  });
});
