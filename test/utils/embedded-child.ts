import 'reflect-metadata';
import { createInterface } from 'node:readline';
import { createDataSource, openEmbeddedPostgres } from '@app/pools';
import { Client } from 'pg';

/**
 * Child process for the embedded-database test (PGlite needs dynamic `import()`, which jest's VM
 * cannot run, so the server side runs here, as it does in a real app).
 * - `serve <dir>`: opens the embedded database, checks a second opener in the same process
 *   shares it, prints `{ url, isServer, shared }` on one line, and serves until stdin closes or
 *   SIGTERM (a graceful stop, as a Nest app with shutdown hooks does).
 * - `watch <dir>`: joins (or serves) it with a one-connection TypeORM pool as an app has, prints
 *   `{ url, isServer, pid }`, then answers each stdin line `count` with `{ pools, isServer }` or
 *   `{ error, isServer }` (one JSON line), until stdin closes.
 * - `query <dir>`: opens it, counts pools, prints `{ url, isServer, pools }` and exits.
 * - `prepare <dir>`: creates and migrates an empty database, then stops (used as a cache).
 */
async function main(mode: string, dataDir: string): Promise<void> {
  const embedded = await openEmbeddedPostgres({ dataDir, watchIntervalMs: 500 });
  if (mode === 'watch') {
    const dataSource = createDataSource(embedded.url, { embedded: true, applicationName: 'embedded-watch' });
    await dataSource.initialize();
    process.stdout.write(
      `${JSON.stringify({ url: embedded.url, isServer: embedded.isServer, pid: process.pid })}\n`,
    );
    for await (const line of createInterface({ input: process.stdin })) {
      if (line.trim() !== 'count') continue;
      try {
        const [{ n }] = await dataSource.query<{ n: number }[]>('SELECT count(*)::int AS n FROM agent_pools');
        process.stdout.write(`${JSON.stringify({ pools: n, isServer: embedded.isServer })}\n`);
      } catch (error) {
        process.stdout.write(
          `${JSON.stringify({ error: (error as Error).message, isServer: embedded.isServer })}\n`,
        );
      }
    }
    await dataSource.destroy();
  } else if (mode === 'serve') {
    const second = await openEmbeddedPostgres({ dataDir });
    const shared = second.url === embedded.url && second.isServer;
    await second.close();
    process.stdout.write(`${JSON.stringify({ url: embedded.url, isServer: embedded.isServer, shared })}\n`);
    process.stdin.resume();
    await new Promise((resolve) => {
      process.stdin.once('end', resolve);
      process.once('SIGTERM', resolve);
    });
  } else if (mode === 'query') {
    const client = new Client({ connectionString: embedded.url });
    await client.connect();
    const { rows } = await client.query<{ count: string }>('SELECT count(*) FROM agent_pools');
    await client.end();
    process.stdout.write(
      JSON.stringify({ url: embedded.url, isServer: embedded.isServer, pools: Number(rows[0].count) }),
    );
  }
  await embedded.close();
}

main(process.argv[2], process.argv[3]).then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(String(error));
    process.exit(1);
  },
);
