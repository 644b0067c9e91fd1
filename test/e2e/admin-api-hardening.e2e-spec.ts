/* eslint-disable @typescript-eslint/no-explicit-any --
   response bodies are untyped JSON here; the admin API e2e spec checks them against the OpenAPI schemas. */
import { request as httpRequest } from 'node:http';
import { ApiKeyScope } from '@app/access';
import { listeningPort } from '@app/lifecycle';
import { type Actor, PoolVisibility } from '@app/pools';
import { snowflake } from '../utils/factories';
import type { GuildCreated } from '@app/sandbox';
import { AgentRegistry } from '@app/sessions';
import { AgentGateway } from '@apps/controller';
import { announcedAgent, TestRunnerClient } from '../support/runner-client';
import { createStack, type Stack, until } from './support/stack';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: any;
}

const OPERATOR: Actor = { id: 'e2e-hardening', operator: true };
const RATE_LIMIT = 25;
const AUTH_FAILURE_LIMIT = 3;
const BODY_LIMIT = 65_536;

/**
 * Issue 8, QA findings on the admin API's boundaries: central input checks (control characters,
 * lengths, body depth), forged cursors, body limits on the bytes received, media types, the
 * failed-authentication limit, `RateLimit-*` on 429s, keys bound to a deleted pool, and admin-only
 * listings. Real controller, Postgres and sockets; chunked bodies are sent with `node:http`.
 */
describe('admin API input and limit hardening (issue 8)', () => {
  let stack: Stack;
  let port: number;
  let guild: GuildCreated;
  const keys = {} as Record<ApiKeyScope, string>;

  /** One request over a raw socket; `chunks` are written without Content-Length (chunked). */
  function send(
    method: string,
    path: string,
    options: { key?: string | null; body?: string; chunks?: string[]; contentType?: string } = {},
  ): Promise<Reply> {
    const key = options.key === undefined ? keys.admin : options.key;
    const headers: Record<string, string> = {};
    if (key !== null) headers.authorization = `Bearer ${key}`;
    if (options.body !== undefined || options.chunks !== undefined)
      headers['content-type'] = options.contentType ?? 'application/json';
    if (options.body !== undefined) headers['content-length'] = String(Buffer.byteLength(options.body));
    return new Promise((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, method, path, headers }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: text.length > 0 && /json/.test(res.headers['content-type'] ?? '') ? JSON.parse(text) : text,
          }),
        );
      });
      req.on('error', reject);
      if (options.body !== undefined) req.write(options.body);
      for (const chunk of options.chunks ?? []) req.write(chunk);
      req.end();
    });
  }

  function expectProblem(reply: Reply, status: number, code: string): void {
    expect({ status: reply.status, code: reply.body?.code }).toEqual({ status, code });
    expect(reply.headers['content-type']).toContain('application/problem+json');
    expect(reply.body.requestId).toBe(reply.headers['x-request-id']);
  }

  async function newKey(scope: ApiKeyScope, binding: { poolId?: string } = {}): Promise<string> {
    return (
      await stack.ctx.apiKeys.create({ name: `e2e ${scope}`, scopes: [scope], createdBy: 'e2e', ...binding })
    ).secret;
  }

  function cursorOf(key: unknown): string {
    return Buffer.from(JSON.stringify({ l: 'audit-events', k: key }), 'utf8').toString('base64url');
  }

  beforeAll(async () => {
    stack = await createStack({ agentCount: 1 });
    guild = stack.createGuild({ textChannels: ['general'], voiceChannels: ['Music 1'], agents: 'all' });
    await stack.startController({
      ADMIN_API_RATE_LIMIT: String(RATE_LIMIT),
      ADMIN_API_AUTH_FAILURE_LIMIT: String(AUTH_FAILURE_LIMIT),
      ADMIN_API_BODY_LIMIT_BYTES: String(BODY_LIMIT),
    });
    port = listeningPort(stack.controller!);
    for (const scope of [ApiKeyScope.Read, ApiKeyScope.Write, ApiKeyScope.Admin])
      keys[scope] = await newKey(scope);
  }, 120_000);

  afterAll(async () => {
    await stack?.close();
  });

  it('answers a NUL byte or control character in any path parameter or filter with 400 VALIDATION_FAILED', async () => {
    for (const path of [
      '/api/v1/pools/%00',
      '/api/v1/agents/%00',
      '/api/v1/agents/a%00b/diagnose',
      '/api/v1/deployments/jobs/%00',
      '/api/v1/audit-events?actor=%00',
      '/api/v1/audit-events?targetId=a%00',
      '/api/v1/agents?poolId=%00',
      '/api/v1/sessions?guildId=%0a',
    ])
      expectProblem(await send('GET', path), 400, 'VALIDATION_FAILED');
    expectProblem(await send('DELETE', '/api/v1/runners/%00'), 400, 'VALIDATION_FAILED');
    const nulInBody = await send('POST', '/api/v1/pools', {
      key: keys.write,
      body: JSON.stringify({ ownerId: snowflake(), name: 'a\u0000b', visibility: 'public' }),
    });
    expectProblem(nulInBody, 400, 'VALIDATION_FAILED');
  });

  it('answers what the router refuses itself (over-long path parameter, malformed percent-encoding) as problem+json without echoing the URL', async () => {
    const long = `/api/v1/pools/${'x'.repeat(101)}`;
    const tooLong = await send('GET', long);
    expectProblem(tooLong, 414, 'URI_TOO_LONG');
    expect(tooLong.body.type).toBe('https://chopsticks.dev/problems/uri-too-long');
    expect(JSON.stringify(tooLong.body)).not.toContain('x'.repeat(101));

    const malformed = await send('GET', '/api/v1/pools/%E0%A4%A');
    expectProblem(malformed, 400, 'BAD_URL');
    expect(JSON.stringify(malformed.body)).not.toContain('%E0%A4%A');
  });

  it('answers a forged audit cursor with 400 INVALID_CURSOR, not a database error', async () => {
    const uuid = '00000000-0000-4000-8000-000000000000';
    for (const key of [
      { t: 'garbage', id: uuid },
      { t: '2026-13-45T99:99:99.000000Z', id: uuid },
      { t: '0000-01-01T00:00:00.000000Z', id: uuid },
      { t: '2026-01-01T00:00:00.000000Z', id: '-'.repeat(36) },
    ])
      expectProblem(
        await send('GET', `/api/v1/audit-events?cursor=${cursorOf(key)}`, { key: keys.read }),
        400,
        'INVALID_CURSOR',
      );
    const valid = await send(
      'GET',
      `/api/v1/audit-events?cursor=${cursorOf({ t: '2099-01-01T00:00:00.000000Z', id: uuid })}`,
      {
        key: keys.read,
      },
    );
    expect(valid.status).toBe(200);
  });

  it('refuses a chunked body above ADMIN_API_BODY_LIMIT_BYTES with 413 (the bytes, not Content-Length)', async () => {
    const chunk = `"${'x'.repeat(1000)}",`;
    const reply = await send('POST', '/api/v1/pools', {
      key: keys.write,
      chunks: ['{"name":[', ...Array.from({ length: 70 }, () => chunk), '"x"]}'],
    });
    expectProblem(reply, 413, 'PAYLOAD_TOO_LARGE');
    const small = await send('POST', '/api/v1/pools', {
      key: keys.write,
      chunks: ['{"ownerId":"', snowflake(), '","name":"chunked","visibility":"public"}'],
    });
    expect(small.status).toBe(201);
  });

  it('refuses a deeply nested body with 400 VALIDATION_FAILED before validation recurses', async () => {
    const depth = 30_000;
    const body = `{"name":${'['.repeat(depth)}${']'.repeat(depth)}}`;
    expect(Buffer.byteLength(body)).toBeLessThan(BODY_LIMIT);
    const reply = await send('POST', '/api/v1/pools', { key: keys.write, body });
    expectProblem(reply, 400, 'VALIDATION_FAILED');
    expect(reply.body.errors).toEqual([
      { field: 'body', messages: ['body must not nest deeper than 32 levels'] },
    ]);
  });

  it('answers a non-JSON body with 415 and invalid JSON or a malformed key id with documented codes', async () => {
    expectProblem(
      await send('POST', '/api/v1/pools', { key: keys.write, body: 'name=x', contentType: 'text/plain' }),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    );
    expectProblem(
      await send('POST', '/api/v1/pools', { key: keys.write, body: '{"name":' }),
      400,
      'INVALID_JSON',
    );
    expectProblem(await send('DELETE', '/api/v1/api-keys/not-a-uuid'), 400, 'VALIDATION_FAILED');
  });

  it('sends RateLimit-* headers on a per-key 429 too', async () => {
    const key = await newKey(ApiKeyScope.Read);
    let last: Reply | undefined;
    for (let i = 0; i <= RATE_LIMIT; i++) last = await send('GET', '/api/v1/pools', { key });
    expectProblem(last!, 429, 'RATE_LIMITED');
    expect(last!.headers).toMatchObject({
      'ratelimit-limit': String(RATE_LIMIT),
      'ratelimit-remaining': '0',
    });
    expect(Number(last!.headers['ratelimit-reset'])).toBeGreaterThan(0);
    expect(Number(last!.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('lists API keys and runners for the admin scope only', async () => {
    for (const path of ['/api/v1/api-keys', '/api/v1/runners']) {
      expectProblem(await send('GET', path, { key: keys.read }), 403, 'INSUFFICIENT_SCOPE');
      expectProblem(await send('GET', path, { key: keys.write }), 403, 'INSUFFICIENT_SCOPE');
      expect((await send('GET', path)).status).toBe(200);
    }
  });

  it('refuses a pool-bound key once its pool is deleted (401)', async () => {
    const pool = await stack.ctx.pools.create(
      { ownerId: snowflake(), name: 'Doomed pool', visibility: PoolVisibility.Public },
      OPERATOR,
    );
    const key = await newKey(ApiKeyScope.Read, { poolId: pool.id });
    expect((await send('GET', `/api/v1/pools/${pool.id}`, { key })).status).toBe(200);
    expect((await send('DELETE', `/api/v1/pools/${pool.id}`)).status).toBe(204);
    const after = await send('GET', `/api/v1/pools/${pool.id}`, { key });
    expectProblem(after, 401, 'UNAUTHENTICATED');
    expect(after.body.detail).toContain('no longer exists');
  });

  it('limits failed authentications per address without locking out a valid key from that address', async () => {
    for (let i = 0; i < AUTH_FAILURE_LIMIT; i++)
      expectProblem(await send('GET', '/api/v1/pools', { key: `cs_bogus${i}_nope` }), 401, 'UNAUTHENTICATED');
    expectProblem(await send('GET', '/api/v1/pools', { key: 'cs_bogus_again' }), 429, 'RATE_LIMITED');
    expectProblem(await send('GET', '/api/v1/pools', { key: null }), 429, 'RATE_LIMITED');
    const valid = await send('GET', '/api/v1/pools', { key: keys.read });
    expect(valid.status).toBe(200);
  });

  it('pins an agent only to a voice channel of the guild when the controller bot knows the guild', async () => {
    const { runnerId, secret } = stack.runnerCredential;
    const claim = await stack.ctx.leases.claim(runnerId, { capacity: 10, ttlSeconds: 600 });
    const agentId = stack.agentIds.find((id) => claim.held.includes(id))!;
    const runner = await TestRunnerClient.authenticated(
      `ws://127.0.0.1:${stack.controller!.get(AgentGateway).port}`,
      {
        runnerId,
        credential: secret,
      },
    );
    try {
      runner.announce([announcedAgent(agentId, [guild.guildId])]);
      await until(() => stack.get(AgentRegistry).get(agentId)?.ready === true, 'the agent to be live');
      const assign = (voiceChannelId: string): Promise<Reply> =>
        send('POST', '/api/v1/sessions/assign', {
          key: keys.write,
          body: JSON.stringify({ guildId: guild.guildId, voiceChannelId, agentId, ttlSeconds: 60 }),
        });
      expectProblem(await assign(guild.textChannelIds[0]), 400, 'INVALID_INPUT');
      expectProblem(await assign(snowflake()), 400, 'INVALID_INPUT');
      expect((await assign(guild.voiceChannelIds[0])).status).toBe(201);
    } finally {
      await runner.close();
    }
  });
});
