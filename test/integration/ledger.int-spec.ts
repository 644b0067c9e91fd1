import { INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  encodeCursor,
  LedgerEvent,
  LedgerException,
  LedgerExceptionCode,
  LedgerModule,
  type LedgerModuleOptions,
  LedgerQuery,
  LedgerWriter,
  type LedgerEntryInput,
} from '@app/ledger';
import { ChopsticksMetrics, MetricsModule, sampleValue } from '@app/metrics';
import { createDataSource, PoolsModule } from '@app/pools';
import { DataSource } from 'typeorm';
import { createTestDatabase, type TestDatabase } from '../utils/database';
import { encryptionKey, snowflake } from '../utils/factories';

/** The lease ledger against the machine's Postgres: LedgerModule booted as an app would boot it. */
describe(LedgerWriter.name, () => {
  let db: TestDatabase;
  /** A connection of the test itself, independent of the booted apps. */
  let observer: DataSource;
  const apps: INestApplicationContext[] = [];

  interface Booted {
    app: INestApplicationContext;
    sut: LedgerWriter;
    query: LedgerQuery;
    metrics: ChopsticksMetrics;
  }

  async function boot(options: LedgerModuleOptions): Promise<Booted> {
    @Module({
      imports: [
        PoolsModule.forRoot({ databaseUrl: db.url, tokenEncryptionKeys: encryptionKey('k1'), poolSize: 2 }),
        MetricsModule.forRoot({ app: 'controller', defaultMetrics: false, http: false }),
        LedgerModule.forRoot(options),
      ],
    })
    class LedgerTestModule {}
    const app = await NestFactory.createApplicationContext(LedgerTestModule, {
      logger: false,
      abortOnError: false,
    });
    await app.init();
    apps.push(app);
    return {
      app,
      sut: app.get(LedgerWriter),
      query: app.get(LedgerQuery),
      metrics: app.get(ChopsticksMetrics),
    };
  }

  async function metric(metrics: ChopsticksMetrics, name: string, labels: Record<string, string> = {}) {
    return sampleValue(await metrics.appText(), name, labels);
  }

  async function rowCount(guildId: string): Promise<number> {
    const rows: { count: string }[] = await observer.query(
      `SELECT count(*) AS count FROM session_ledger WHERE guild_id = $1`,
      [guildId],
    );
    return Number(rows[0].count);
  }

  async function until(check: () => Promise<boolean>, what: string): Promise<void> {
    for (let i = 0; i < 400; i++) {
      if (await check()) return;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error(`timed out waiting for ${what}`);
  }

  function entry(guildId: string, overrides: Partial<LedgerEntryInput> = {}): LedgerEntryInput {
    return {
      event: LedgerEvent.Allocate,
      guildId,
      channelId: '200000000000000001',
      kind: 'music',
      agentId: 'agent100000000000000001',
      reason: 'allocation',
      actor: '300000000000000001',
      latencySeconds: 0.000042,
      ...overrides,
    };
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    observer = createDataSource(db.url, { poolSize: 1 });
    await observer.initialize();
  });

  afterAll(async () => {
    for (const app of apps.splice(0)) await app.close();
    await observer?.destroy();
    await db?.drop();
  });

  it('writes as soon as batchSize rows wait, one INSERT per batch of at most batchSize rows', async () => {
    const { sut, metrics } = await boot({ batchSize: 100, flushIntervalMs: 60_000, bufferCapacity: 1000 });
    const guildId = snowflake();
    for (let i = 0; i < 99; i++) expect(sut.record(entry(guildId))).toBe(true);
    expect(sut.pending).toBe(99);
    expect(await rowCount(guildId)).toBe(0);
    expect(await metric(metrics, 'chopsticks_ledger_rows_written_total')).toBe(0);

    for (let i = 0; i < 151; i++) sut.record(entry(guildId));
    // The interval is a minute: only the full batch can have started this write.
    await until(
      async () => (await rowCount(guildId)) === 250 && sut.pending === 0,
      'the batches to be written',
    );
    // Rows of one INSERT statement share its transaction id.
    const batches: { xmin: string; rows: string }[] = await observer.query(
      `SELECT xmin::text AS xmin, count(*) AS rows FROM session_ledger WHERE guild_id = $1 GROUP BY 1`,
      [guildId],
    );
    expect(batches.map((batch) => Number(batch.rows)).sort((a, b) => a - b)).toEqual([50, 100, 100]);
    expect(await metric(metrics, 'chopsticks_ledger_rows_written_total')).toBe(250);
    expect(await metric(metrics, 'chopsticks_ledger_buffered_rows')).toBe(0);
  });

  it('writes a partial batch when the flush interval elapses, with every column as recorded', async () => {
    const { sut } = await boot({ batchSize: 100, flushIntervalMs: 20, bufferCapacity: 1000 });
    const guildId = snowflake();
    const occurredAt = new Date('2026-11-29T10:00:00.123Z');
    sut.record(
      entry(guildId, {
        event: LedgerEvent.Failover,
        agentId: 'agent100000000000000002',
        previousAgentId: 'agent100000000000000001',
        sessionId: '1f0c7a52-4f0e-4d57-9a43-5f3f0f8d2a10',
        reason: 'ok',
        actor: 'system',
        latencySeconds: 2.5,
        occurredAt,
      }),
    );

    await until(async () => (await rowCount(guildId)) === 1, 'the interval flush');
    const rows = await observer.query(
      `SELECT guild_id, channel_id, kind, event, agent_id, previous_agent_id, session_id, reason, actor,
              latency_seconds, occurred_at FROM session_ledger WHERE guild_id = $1`,
      [guildId],
    );
    expect(rows).toEqual([
      {
        guild_id: guildId,
        channel_id: '200000000000000001',
        kind: 'music',
        event: 'failover',
        agent_id: 'agent100000000000000002',
        previous_agent_id: 'agent100000000000000001',
        session_id: '1f0c7a52-4f0e-4d57-9a43-5f3f0f8d2a10',
        reason: 'ok',
        actor: 'system',
        latency_seconds: 2.5,
        occurred_at: occurredAt,
      },
    ]);
  });

  it('keeps the oldest rows out when the buffer is full and counts them in chopsticks_ledger_rows_dropped_total', async () => {
    const { sut, metrics } = await boot({ batchSize: 1000, flushIntervalMs: 60_000, bufferCapacity: 100 });
    const guildId = snowflake();
    const base = Date.parse('2026-11-29T12:00:00.000Z');
    for (let i = 0; i < 150; i++) sut.record(entry(guildId, { occurredAt: new Date(base + i * 1000) }));
    expect(sut.pending).toBe(100);
    expect(await metric(metrics, 'chopsticks_ledger_rows_dropped_total', { reason: 'buffer-full' })).toBe(50);

    expect(sut.record(entry(guildId, { kind: 'karaoke' as never }))).toBe(false);
    expect(sut.record(entry(guildId, { guildId: 'x'.repeat(33) }))).toBe(false);
    expect(sut.record(entry(guildId, { latencySeconds: Number.NaN }))).toBe(false);
    expect(await metric(metrics, 'chopsticks_ledger_rows_dropped_total', { reason: 'invalid' })).toBe(3);

    await sut.flush();
    const kept: { first: Date; last: Date; count: string }[] = await observer.query(
      `SELECT min(occurred_at) AS first, max(occurred_at) AS last, count(*) AS count
         FROM session_ledger WHERE guild_id = $1`,
      [guildId],
    );
    expect(Number(kept[0].count)).toBe(100);
    expect(kept[0].first).toEqual(new Date(base + 50 * 1000));
    expect(kept[0].last).toEqual(new Date(base + 149 * 1000));
  });

  it('retries a failed flush in the background while record() keeps accepting rows', async () => {
    const { sut, metrics } = await boot({ batchSize: 100, flushIntervalMs: 20, bufferCapacity: 1000 });
    const guildId = snowflake();
    await observer.query(`ALTER TABLE session_ledger RENAME TO session_ledger_away`);
    try {
      sut.record(entry(guildId));
      await expect(sut.flush()).rejects.toThrow(/session_ledger/);
      for (let i = 0; i < 4; i++) expect(sut.record(entry(guildId))).toBe(true);
      expect(sut.pending).toBe(5);
      expect(await metric(metrics, 'chopsticks_ledger_flush_errors_total')).toBeGreaterThanOrEqual(1);
    } finally {
      await observer.query(`ALTER TABLE session_ledger_away RENAME TO session_ledger`);
    }
    await until(async () => (await rowCount(guildId)) === 5 && sut.pending === 0, 'the retried flush');
    expect(await metric(metrics, 'chopsticks_ledger_rows_written_total')).toBe(5);
  });

  it('drops only the row Postgres rejects (SQLSTATE 23), writes the rest of its batch and keeps writing', async () => {
    const { sut, metrics } = await boot({ batchSize: 100, flushIntervalMs: 60_000, bufferCapacity: 1000 });
    const guildId = snowflake();
    // A constraint this one row violates stands in for any row Postgres refuses as data.
    await observer.query(
      `ALTER TABLE session_ledger ADD CONSTRAINT "CHK_test_poison" CHECK ("reason" IS DISTINCT FROM 'poison')`,
    );
    try {
      for (let i = 0; i < 10; i++)
        sut.record(
          entry(guildId, { reason: i === 6 ? 'poison' : `r${i}`, occurredAt: new Date(1_000 * (i + 1)) }),
        );
      await sut.flush();
      expect(sut.pending).toBe(0);
      expect(await rowCount(guildId)).toBe(9);
      const reasons: { reason: string }[] = await observer.query(
        `SELECT reason FROM session_ledger WHERE guild_id = $1 ORDER BY occurred_at`,
        [guildId],
      );
      expect(reasons.map((row) => row.reason)).toEqual([
        'r0',
        'r1',
        'r2',
        'r3',
        'r4',
        'r5',
        'r7',
        'r8',
        'r9',
      ]);
      expect(await metric(metrics, 'chopsticks_ledger_rows_dropped_total', { reason: 'rejected' })).toBe(1);
      expect(await metric(metrics, 'chopsticks_ledger_rows_written_total')).toBe(9);

      sut.record(entry(guildId, { reason: 'poison' }));
      sut.record(entry(guildId, { reason: 'after' }));
      await sut.flush();
      expect(await rowCount(guildId)).toBe(10);
      expect(await metric(metrics, 'chopsticks_ledger_rows_dropped_total', { reason: 'rejected' })).toBe(2);
    } finally {
      await observer.query(`ALTER TABLE session_ledger DROP CONSTRAINT "CHK_test_poison"`);
    }
  });

  it('truncates an over-long actor to the 32-character column and refuses ids Postgres could not store', async () => {
    const { sut, metrics } = await boot({ batchSize: 100, flushIntervalMs: 60_000, bufferCapacity: 1000 });
    const guildId = snowflake();
    const longActor = `api-key:${'x'.repeat(40)}`;
    expect(sut.record(entry(guildId, { actor: longActor }))).toBe(true);
    expect(sut.record(entry(guildId, { actor: 'sys\0tem' }))).toBe(true);
    expect(sut.record(entry(guildId, { channelId: '2000\0' }))).toBe(false);
    await sut.flush();
    const actors: { actor: string }[] = await observer.query(
      `SELECT actor FROM session_ledger WHERE guild_id = $1 ORDER BY id`,
      [guildId],
    );
    expect(actors.map((row) => row.actor)).toEqual([longActor.slice(0, 32), 'system']);
    expect(await metric(metrics, 'chopsticks_ledger_rows_dropped_total', { reason: 'invalid' })).toBe(1);
    expect(await metric(metrics, 'chopsticks_ledger_rows_dropped_total', { reason: 'rejected' })).toBe(0);
  });

  it('writes everything still buffered when the application closes, and refuses rows afterwards', async () => {
    const { app, sut } = await boot({ batchSize: 100, flushIntervalMs: 60_000, bufferCapacity: 1000 });
    const guildId = snowflake();
    for (let i = 0; i < 42; i++) sut.record(entry(guildId, { event: LedgerEvent.Release, reason: 'idle' }));
    expect(await rowCount(guildId)).toBe(0);

    await app.close();
    apps.splice(apps.indexOf(app), 1);

    expect(await rowCount(guildId)).toBe(42);
    expect(sut.record(entry(guildId))).toBe(false);
    expect(sut.pending).toBe(0);
  });
});

describe(LedgerQuery.name, () => {
  let db: TestDatabase;
  let app: INestApplicationContext;
  let sut: LedgerQuery;
  let writer: LedgerWriter;
  const guildA = snowflake();
  const guildB = snowflake();
  const base = Date.parse('2026-11-20T00:00:00.000Z');
  const at = (minutes: number) => new Date(base + minutes * 60_000);

  beforeAll(async () => {
    db = await createTestDatabase();
    @Module({
      imports: [
        PoolsModule.forRoot({ databaseUrl: db.url, tokenEncryptionKeys: encryptionKey('k1'), poolSize: 2 }),
        MetricsModule.forRoot({ app: 'controller', defaultMetrics: false, http: false }),
        LedgerModule.forRoot({ flushIntervalMs: 60_000 }),
      ],
    })
    class LedgerQueryTestModule {}
    app = await NestFactory.createApplicationContext(LedgerQueryTestModule, {
      logger: false,
      abortOnError: false,
    });
    await app.init();
    sut = app.get(LedgerQuery);
    writer = app.get(LedgerWriter);
    // Guild A: minutes 0..9, two rows at minute 5 (same instant: the id breaks the tie).
    for (const minute of [0, 1, 2, 3, 4, 5, 5, 6, 7, 8, 9]) {
      writer.record({
        event: minute % 2 === 0 ? LedgerEvent.Allocate : LedgerEvent.Release,
        guildId: guildA,
        channelId: `40000000000000000${minute}`,
        kind: minute === 3 ? 'assistant' : 'music',
        agentId: 'agent100000000000000001',
        reason: minute % 2 === 0 ? 'allocation' : 'user',
        actor: '300000000000000001',
        occurredAt: at(minute),
      });
    }
    for (const minute of [2, 4]) {
      writer.record({
        event: LedgerEvent.Allocate,
        guildId: guildB,
        channelId: '500000000000000000',
        kind: 'music',
        agentId: 'agent100000000000000009',
        occurredAt: at(minute),
      });
    }
    await writer.flush();
  });

  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  async function allPages(limit: number, filters: { from?: Date; to?: Date } = {}) {
    const pages = [];
    let cursor: string | undefined;
    do {
      const page = await sut.list({ guildId: guildA, limit, cursor, ...filters });
      pages.push(page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return pages;
  }

  it('lists one guild newest first and pages through it with the cursor, no row twice or missed', async () => {
    const pages = await allPages(3);
    expect(pages.map((page) => page.length)).toEqual([3, 3, 3, 2]);
    const rows = pages.flat();
    expect(rows.filter((row) => row.guildId !== guildA)).toEqual([]);
    expect(new Set(rows.map((row) => row.id)).size).toBe(11);
    expect(rows.map((row) => row.occurredAt.getTime())).toEqual(
      [9, 8, 7, 6, 5, 5, 4, 3, 2, 1, 0].map((minute) => at(minute).getTime()),
    );
    const tied = rows.filter((row) => row.occurredAt.getTime() === at(5).getTime());
    expect(BigInt(tied[0].id)).toBeGreaterThan(BigInt(tied[1].id));
  });

  it('limits to a time range (from inclusive, to exclusive) and filters by event and kind', async () => {
    const rows = (await allPages(2, { from: at(3), to: at(7) })).flat();
    expect(rows.map((row) => row.occurredAt.getTime())).toEqual(
      [6, 5, 5, 4, 3].map((minute) => at(minute).getTime()),
    );
    const assistant = await sut.list({ guildId: guildA, kind: 'assistant' });
    expect(assistant.items.map((row) => row.channelId)).toEqual(['400000000000000003']);
    const releases = await sut.list({ guildId: guildA, event: LedgerEvent.Release, limit: 200 });
    expect(releases.items.map((row) => row.reason)).toEqual(Array(6).fill('user'));
    expect(releases.nextCursor).toBeNull();
    const other = await sut.list({ guildId: guildB });
    expect(other.items.map((row) => row.agentId)).toEqual([
      'agent100000000000000009',
      'agent100000000000000009',
    ]);
  });

  it('refuses a limit above 200, a reversed range and a cursor it did not produce', async () => {
    await expect(sut.list({ guildId: guildA, limit: 201 })).rejects.toMatchObject({
      code: LedgerExceptionCode.InvalidInput,
    });
    await expect(sut.list({ guildId: guildA, from: at(5), to: at(1) })).rejects.toBeInstanceOf(
      LedgerException,
    );
    await expect(sut.list({ guildId: guildA, cursor: 'not-a-cursor' })).rejects.toMatchObject({
      code: LedgerExceptionCode.InvalidCursor,
    });
    const forged = Buffer.from(JSON.stringify(['yesterday', '1; DROP TABLE session_ledger'])).toString(
      'base64url',
    );
    await expect(sut.list({ guildId: guildA, cursor: forged })).rejects.toMatchObject({
      code: LedgerExceptionCode.InvalidCursor,
    });
    // A cursor at minute 2 with the smallest id: the page continues with the rows before minute 2.
    const page = await sut.list({ guildId: guildA, cursor: encodeCursor(at(2), '1') });
    expect(page.items.map((row) => row.occurredAt.getTime())).toEqual([at(1).getTime(), at(0).getTime()]);
  });
});
