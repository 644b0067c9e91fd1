import { createServer } from 'node:net';

/** Documented default ports of the demo's servers. */
export const DEMO_DEFAULT_PORTS = {
  controller: 8080,
  agentGateway: 8787,
  runner: 8081,
  runnerB: 8082,
  dashboard: 8788,
  funhub: 8790,
} as const;

function tryListen(port: number): Promise<number | null> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(null));
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      const bound = typeof address === 'object' && address !== null ? address.port : null;
      server.close(() => resolve(bound));
    });
  });
}

/**
 * A TCP port on 127.0.0.1 to listen on: `preferred` when it is free (and `mode` is `default`),
 * otherwise one the OS reports free right now (another process may still take it first).
 * @throws Error when not even an ephemeral port can be bound
 */
export async function choosePort(preferred: number, mode: 'default' | 'auto'): Promise<number> {
  const port = (mode === 'default' ? await tryListen(preferred) : null) ?? (await tryListen(0));
  if (port === null) throw new Error('no free TCP port on 127.0.0.1');
  return port;
}
