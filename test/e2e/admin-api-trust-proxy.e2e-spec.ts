import { listeningPort } from '@app/lifecycle';
import { createStack, type Stack } from './support/stack';

/**
 * Issue 8: the admin API's failed-login limit counts per client address. Behind a reverse proxy
 * every request comes from the proxy, so without TRUST_PROXY all clients share one budget; with
 * TRUST_PROXY naming the proxy (here the loopback peer of the test), X-Forwarded-For tells the
 * clients apart.
 */
describe('admin API failed-login limit behind a reverse proxy (TRUST_PROXY)', () => {
  let stack: Stack;

  /** One request with an unknown key "forwarded" for `client`; returns the status. */
  async function badLogin(client: string): Promise<number> {
    const base = `http://127.0.0.1:${listeningPort(stack.controller!)}`;
    const response = await fetch(`${base}/api/v1/pools`, {
      headers: { authorization: 'Bearer cs_00000000_not-a-key', 'x-forwarded-for': client },
    });
    await response.text();
    return response.status;
  }

  beforeAll(async () => {
    stack = await createStack({ agentCount: 1 });
  }, 120_000);

  afterAll(async () => {
    await stack?.close();
  });

  it('without TRUST_PROXY, X-Forwarded-For is ignored: clients behind one proxy share a budget', async () => {
    await stack.startController({ ADMIN_API_AUTH_FAILURE_LIMIT: '2' });
    expect([await badLogin('203.0.113.1'), await badLogin('203.0.113.1')]).toEqual([401, 401]);
    expect(await badLogin('203.0.113.1')).toBe(429);
    expect(await badLogin('203.0.113.2')).toBe(429);
  });

  it('with TRUST_PROXY naming the proxy, X-Forwarded-For distinguishes the clients', async () => {
    const env = { ADMIN_API_AUTH_FAILURE_LIMIT: '2', TRUST_PROXY: '127.0.0.1,::1' };
    if (stack.controller) await stack.restartController(env);
    else await stack.startController(env);
    expect(stack.controllerConfig?.TRUST_PROXY).toEqual(['127.0.0.1', '::1']);
    expect([await badLogin('203.0.113.1'), await badLogin('203.0.113.1')]).toEqual([401, 401]);
    expect(await badLogin('203.0.113.1')).toBe(429);
    expect(await badLogin('203.0.113.2')).toBe(401);
    expect(await badLogin('198.51.100.9, 203.0.113.3')).toBe(401);
  });
});
