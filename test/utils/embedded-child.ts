import 'reflect-metadata';
import { openEmbeddedPostgres } from '@app/pools';
import { Client } from 'pg';

/**
 * Child process for the embedded-database test (PGlite needs dynamic `import()`, which jest's VM
 * cannot run, so the server side runs here, as it does in a real app).
 * - `serve <dir>`: opens the embedded database, checks a second opener in the same process
 *   shares it, prints `{ url, isServer, shared }` on one line, and serves until stdin closes.
 * - `query <dir>`: opens it, counts pools, prints `{ url, isServer, pools }` and exits.
 * - `prepare <dir>`: creates and migrates an empty database, then stops (used as a cache).
 */
async function main(mode: string, dataDir: string): Promise<void> {
  const embedded = await openEmbeddedPostgres({ dataDir });
  if (mode === 'serve') {
    const second = await openEmbeddedPostgres({ dataDir });
    const shared = second.url === embedded.url && second.isServer;
    await second.close();
    process.stdout.write(`${JSON.stringify({ url: embedded.url, isServer: embedded.isServer, shared })}\n`);
    process.stdin.resume();
    await new Promise((resolve) => process.stdin.once('end', resolve));
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
