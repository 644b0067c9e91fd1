/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-call --
   response bodies are untyped JSON here; each one is validated against its OpenAPI schema instead. */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import SwaggerParser from '@apidevtools/swagger-parser';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { ApiKeyScope } from '@app/access';
import { listeningPort } from '@app/lifecycle';
import type { RpcRequestFrame } from '@app/protocol';
import { AgentRegistry, Allocator } from '@app/sessions';
import { AgentGateway } from '@apps/controller';
import { announcedAgent, TestRunnerClient, testSnowflake } from '../support/runner-client';
import { fakeBotToken, snowflake } from '../utils/factories';
import { createStack, type Stack, until } from './support/stack';

/** A response as the tests see it. */
interface Reply {
  status: number;
  headers: Headers;
  body: any;
  text: string;
}

type OpenApiDocument = {
  paths: Record<string, Record<string, { responses: Record<string, any>; operationId: string }>>;
  components: { schemas: Record<string, any> };
};

const HTTP_METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;
const RANK: Record<ApiKeyScope, number> = { read: 1, write: 2, admin: 3 };

/**
 * OpenAPI 3.0 schemas as JSON Schema for Ajv (which reads OAS `nullable` itself): the only change
 * is that every documented object schema is closed, so an undocumented response field fails.
 */
function toJsonSchema(schema: any): any {
  if (Array.isArray(schema)) return schema.map(toJsonSchema);
  if (!schema || typeof schema !== 'object') return schema;
  const copy: any = Object.fromEntries(
    Object.entries(schema).map(([key, value]) => [key, toJsonSchema(value)]),
  );
  if (copy.type === 'object' && copy.properties && copy.additionalProperties === undefined)
    copy.additionalProperties = false;
  return copy;
}

/** The OpenAPI path template that matches a concrete path, e.g. `/api/v1/pools/{poolId}`. */
function templateOf(document: OpenApiDocument, method: string, path: string): string {
  const bare = path.split('?')[0];
  const match = Object.keys(document.paths).find((template) => {
    if (!document.paths[template][method]) return false;
    const pattern = new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`);
    return pattern.test(bare);
  });
  if (!match) throw new Error(`no documented operation for ${method.toUpperCase()} ${bare}`);
  return match;
}

/** Runs the operator CLI as a real process (`npm run cli` without npm). */
function runCli(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['-r', '@swc-node/register', 'apps/controller/src/cli.ts', ...args],
      {
        cwd: join(__dirname, '..', '..'),
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
      },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('admin API /api/v1 (issue 8, H3, B25)', () => {
  let stack: Stack;
  let base: string;
  let document: OpenApiDocument;
  let ajv: Ajv;
  const keys = {} as Record<ApiKeyScope, { id: string; key: string; actor: string }>;
  const validators = new Map<string, ValidateFunction>();

  async function api(
    method: string,
    path: string,
    options: { key?: string | null; body?: unknown; raw?: string; headers?: Record<string, string> } = {},
  ): Promise<Reply> {
    const key = options.key === undefined ? keys.admin.key : options.key;
    const headers: Record<string, string> = { ...options.headers };
    if (key !== null) headers.authorization = `Bearer ${key}`;
    let payload: string | undefined = options.raw;
    if (options.body !== undefined) payload = JSON.stringify(options.body);
    if (payload !== undefined) headers['content-type'] ??= 'application/json';
    const response = await fetch(`${base}${path}`, { method, headers, body: payload });
    const text = await response.text();
    let body: unknown = null;
    if (text.length > 0 && /json/.test(response.headers.get('content-type') ?? '')) body = JSON.parse(text);
    return { status: response.status, headers: response.headers, body, text };
  }

  /** Asserts a live response matches the schema documented for its operation and status. */
  function expectDocumented(method: string, path: string, reply: Reply): void {
    const template = templateOf(document, method.toLowerCase(), path);
    const operation = document.paths[template][method.toLowerCase()];
    const documented = operation.responses[String(reply.status)];
    if (!documented)
      throw new Error(`${method} ${template} answered ${reply.status}, which is not documented`);
    const [mediaType, content] = Object.entries(documented.content ?? {})[0] ?? [];
    if (!content) {
      expect(reply.text).toBe('');
      return;
    }
    expect(reply.headers.get('content-type')).toContain(mediaType);
    const id = `${operation.operationId}:${reply.status}`;
    let validate = validators.get(id);
    if (!validate) {
      validate = ajv.compile({
        $ref: `openapi.json#/components/schemas/${String((content as any).schema.$ref)
          .split('/')
          .pop()}`,
      });
      validators.set(id, validate);
    }
    if (!validate(reply.body)) {
      throw new Error(
        `${method} ${path} → ${reply.status} does not match ${id}: ${ajv.errorsText(validate.errors)}\n${reply.text}`,
      );
    }
  }

  /** Asserts an RFC 9457 problem with the given status and code, valid against the documented schema. */
  function expectProblem(method: string, path: string, reply: Reply, status: number, code: string): void {
    expect({ status: reply.status, code: reply.body?.code }).toEqual({ status, code });
    expect(reply.headers.get('content-type')).toContain('application/problem+json');
    expect(reply.body).toMatchObject({
      type: `https://chopsticks.dev/problems/${code.toLowerCase().replace(/_/g, '-')}`,
      status,
      instance: path.split('?')[0],
      requestId: reply.headers.get('x-request-id'),
    });
    expect(typeof reply.body.title).toBe('string');
    expect(typeof reply.body.detail).toBe('string');
    expectDocumentedIfRouted(method, path, reply);
  }

  function templateOrNull(method: string, path: string): string | null {
    try {
      return templateOf(document, method.toLowerCase(), path);
    } catch {
      return null;
    }
  }

  function expectDocumentedIfRouted(method: string, path: string, reply: Reply): void {
    if (templateOrNull(method, path)) expectDocumented(method, path, reply);
  }

  beforeAll(async () => {
    stack = await createStack({ agentCount: 2 });
    await stack.startController({
      ADMIN_API_RATE_LIMIT: '100000',
      ADMIN_API_AUTH_FAILURE_LIMIT: '100000',
      LEDGER_FLUSH_INTERVAL_MS: '50',
    });
    base = `http://127.0.0.1:${listeningPort(stack.controller!)}`;
    for (const scope of [ApiKeyScope.Read, ApiKeyScope.Write, ApiKeyScope.Admin]) {
      const created = await stack.ctx.apiKeys.create({
        name: `e2e ${scope}`,
        scopes: [scope],
        createdBy: 'e2e',
      });
      keys[scope] = { id: created.key.id, key: created.secret, actor: `api-key:${created.key.prefix}` };
    }
    const served = await fetch(`${base}/docs/json`);
    expect(served.status).toBe(200);
    document = (await served.json()) as OpenApiDocument;
    ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv);
    ajv.addSchema({ components: toJsonSchema(document.components) }, 'openapi.json');
  });

  afterAll(async () => {
    await stack?.close();
  });

  describe('OpenAPI document', () => {
    it('is served at /docs/json, valid per @apidevtools/swagger-parser, equal to the committed openapi.json', async () => {
      await expect(SwaggerParser.validate(structuredClone(document) as never)).resolves.toBeDefined();
      const committed = JSON.parse(readFileSync(join(__dirname, '..', '..', 'openapi.json'), 'utf8'));
      expect(document).toEqual(committed);
      const ui = await fetch(`${base}/docs`);
      expect(ui.status).toBe(200);
      expect(await ui.text()).toContain('swagger');
    });

    it('documents every operation with the bearer scheme, a required scope and 401/403 problems', () => {
      const operations = Object.entries(document.paths).flatMap(([path, item]) =>
        HTTP_METHODS.filter((method) => item[method]).map((method) => ({
          path,
          method,
          op: item[method] as any,
        })),
      );
      expect(operations.length).toBeGreaterThanOrEqual(34);
      for (const { op } of operations) {
        expect(op.security).toEqual([{ 'api-key': [] }]);
        expect(Object.values(ApiKeyScope)).toContain(op['x-required-scope']);
        expect(op.responses['401'].content['application/problem+json']).toBeDefined();
        expect(op.responses['403'].content['application/problem+json']).toBeDefined();
      }
    });
  });

  describe('authentication', () => {
    it('H3: a missing key is 401 problem+json with WWW-Authenticate', async () => {
      const reply = await api('GET', '/api/v1/pools', { key: null });
      expectProblem('GET', '/api/v1/pools', reply, 401, 'UNAUTHENTICATED');
      expect(reply.headers.get('www-authenticate')).toMatch(/^Bearer/);
    });

    it('a malformed, unknown, revoked or expired key is 401; the key is never echoed', async () => {
      const revoked = await stack.ctx.apiKeys.create({
        name: 'e2e revoked',
        scopes: [ApiKeyScope.Admin],
        createdBy: 'e2e',
      });
      await stack.ctx.apiKeys.revoke(revoked.key.id, 'e2e');
      const expired = await stack.ctx.apiKeys.create(
        { name: 'e2e expired', scopes: [ApiKeyScope.Admin], createdBy: 'e2e', expiresInDays: 1 },
        new Date(Date.now() - 2 * 86_400_000),
      );
      const unknown = `${keys.admin.key.slice(0, -4)}AAAA`;
      for (const key of ['not-a-key', unknown, revoked.secret, expired.secret]) {
        const reply = await api('GET', '/api/v1/pools', { key });
        expectProblem('GET', '/api/v1/pools', reply, 401, 'UNAUTHENTICATED');
        expect(reply.text).not.toContain(key);
      }
      const query = await api('GET', `/api/v1/pools?api_key=${encodeURIComponent(keys.admin.key)}`, {
        key: null,
      });
      expect(query.status).toBe(401);
    });

    it('a Basic or query-string credential is not accepted', async () => {
      const reply = await api('GET', '/api/v1/pools', {
        key: null,
        headers: { authorization: `Basic ${keys.admin.key}` },
      });
      expectProblem('GET', '/api/v1/pools', reply, 401, 'UNAUTHENTICATED');
    });
  });

  describe('H3 and the scope matrix', () => {
    const absent = 'does-not-exist';
    const uuid = '00000000-0000-4000-8000-000000000000';
    const guild = '123456789012345678';
    /** One harmless request per operation: allowed keys get a 2xx/4xx from the route, never 401/403. */
    const routes: { method: string; path: string; template: string; scope: ApiKeyScope; body?: unknown }[] = [
      { method: 'GET', path: '/api/v1/pools', template: '/api/v1/pools', scope: ApiKeyScope.Read },
      {
        method: 'POST',
        path: '/api/v1/pools',
        template: '/api/v1/pools',
        scope: ApiKeyScope.Write,
        body: {},
      },
      {
        method: 'GET',
        path: `/api/v1/pools/${absent}`,
        template: '/api/v1/pools/{poolId}',
        scope: ApiKeyScope.Read,
      },
      {
        method: 'PATCH',
        path: `/api/v1/pools/${absent}`,
        template: '/api/v1/pools/{poolId}',
        scope: ApiKeyScope.Write,
        body: { visibility: 'public' },
      },
      {
        method: 'DELETE',
        path: `/api/v1/pools/${absent}`,
        template: '/api/v1/pools/{poolId}',
        scope: ApiKeyScope.Write,
      },
      {
        method: 'GET',
        path: `/api/v1/pools/${absent}/members`,
        template: '/api/v1/pools/{poolId}/members',
        scope: ApiKeyScope.Read,
      },
      {
        method: 'PUT',
        path: `/api/v1/pools/${absent}/members/${guild}`,
        template: '/api/v1/pools/{poolId}/members/{userId}',
        scope: ApiKeyScope.Write,
        body: { role: 'viewer' },
      },
      {
        method: 'DELETE',
        path: `/api/v1/pools/${absent}/members/${guild}`,
        template: '/api/v1/pools/{poolId}/members/{userId}',
        scope: ApiKeyScope.Write,
      },
      {
        method: 'POST',
        path: `/api/v1/pools/${absent}/transfer`,
        template: '/api/v1/pools/{poolId}/transfer',
        scope: ApiKeyScope.Write,
        body: { toUserId: guild },
      },
      {
        method: 'GET',
        path: `/api/v1/pools/${absent}/contributions`,
        template: '/api/v1/pools/{poolId}/contributions',
        scope: ApiKeyScope.Read,
      },
      {
        method: 'POST',
        path: `/api/v1/pools/${absent}/contributions/${uuid}/approve`,
        template: '/api/v1/pools/{poolId}/contributions/{contributionId}/approve',
        scope: ApiKeyScope.Write,
      },
      {
        method: 'POST',
        path: `/api/v1/pools/${absent}/contributions/${uuid}/reject`,
        template: '/api/v1/pools/{poolId}/contributions/{contributionId}/reject',
        scope: ApiKeyScope.Write,
      },
      { method: 'GET', path: '/api/v1/agents', template: '/api/v1/agents', scope: ApiKeyScope.Read },
      {
        method: 'POST',
        path: '/api/v1/agents',
        template: '/api/v1/agents',
        scope: ApiKeyScope.Write,
        body: {},
      },
      {
        method: 'GET',
        path: `/api/v1/agents/${absent}`,
        template: '/api/v1/agents/{agentId}',
        scope: ApiKeyScope.Read,
      },
      {
        method: 'PATCH',
        path: `/api/v1/agents/${absent}`,
        template: '/api/v1/agents/{agentId}',
        scope: ApiKeyScope.Write,
        body: { status: 'inactive' },
      },
      {
        method: 'DELETE',
        path: `/api/v1/agents/${absent}`,
        template: '/api/v1/agents/{agentId}',
        scope: ApiKeyScope.Write,
      },
      {
        method: 'POST',
        path: `/api/v1/agents/${absent}/move`,
        template: '/api/v1/agents/{agentId}/move',
        scope: ApiKeyScope.Write,
        body: { poolId: absent },
      },
      {
        method: 'GET',
        path: `/api/v1/agents/${absent}/diagnose`,
        template: '/api/v1/agents/{agentId}/diagnose',
        scope: ApiKeyScope.Read,
      },
      { method: 'GET', path: '/api/v1/runners', template: '/api/v1/runners', scope: ApiKeyScope.Admin },
      {
        method: 'POST',
        path: '/api/v1/runners',
        template: '/api/v1/runners',
        scope: ApiKeyScope.Admin,
        body: { capacity: 0 },
      },
      {
        method: 'DELETE',
        path: `/api/v1/runners/${absent}`,
        template: '/api/v1/runners/{runnerId}',
        scope: ApiKeyScope.Admin,
      },
      {
        method: 'GET',
        path: '/api/v1/live/agents',
        template: '/api/v1/live/agents',
        scope: ApiKeyScope.Read,
      },
      { method: 'GET', path: '/api/v1/sessions', template: '/api/v1/sessions', scope: ApiKeyScope.Read },
      {
        method: 'POST',
        path: '/api/v1/sessions/assign',
        template: '/api/v1/sessions/assign',
        scope: ApiKeyScope.Write,
        body: {},
      },
      {
        method: 'DELETE',
        path: `/api/v1/sessions/${absent}`,
        template: '/api/v1/sessions/{sessionId}',
        scope: ApiKeyScope.Write,
      },
      {
        method: 'POST',
        path: '/api/v1/deployments',
        template: '/api/v1/deployments',
        scope: ApiKeyScope.Write,
        body: {},
      },
      {
        method: 'GET',
        path: `/api/v1/deployments/jobs/${absent}`,
        template: '/api/v1/deployments/jobs/{jobId}',
        scope: ApiKeyScope.Read,
      },
      {
        method: 'GET',
        path: `/api/v1/guilds/${guild}/settings`,
        template: '/api/v1/guilds/{guildId}/settings',
        scope: ApiKeyScope.Read,
      },
      {
        method: 'PATCH',
        path: `/api/v1/guilds/${guild}/settings`,
        template: '/api/v1/guilds/{guildId}/settings',
        scope: ApiKeyScope.Write,
        body: { idleReleaseSeconds: 5 },
      },
      {
        method: 'GET',
        path: '/api/v1/audit-events',
        template: '/api/v1/audit-events',
        scope: ApiKeyScope.Read,
      },
      { method: 'GET', path: '/api/v1/ledger', template: '/api/v1/ledger', scope: ApiKeyScope.Read },
      { method: 'GET', path: '/api/v1/api-keys', template: '/api/v1/api-keys', scope: ApiKeyScope.Admin },
      {
        method: 'POST',
        path: '/api/v1/api-keys',
        template: '/api/v1/api-keys',
        scope: ApiKeyScope.Admin,
        body: {},
      },
      {
        method: 'DELETE',
        path: `/api/v1/api-keys/${uuid}`,
        template: '/api/v1/api-keys/{apiKeyId}',
        scope: ApiKeyScope.Admin,
      },
    ];

    it('covers every documented operation, each with the scope the document declares', () => {
      const documented = Object.entries(document.paths)
        .flatMap(([path, item]) =>
          HTTP_METHODS.filter((m) => item[m]).map(
            (m) => `${m.toUpperCase()} ${path} ${(item[m] as any)['x-required-scope']}`,
          ),
        )
        .sort();
      expect(routes.map((route) => `${route.method} ${route.template} ${route.scope}`).sort()).toEqual(
        documented,
      );
    });

    it('H3: with a read key every GET but the admin listings succeeds (200) and POST/PATCH/PUT/DELETE are 403 problem+json; no key is 401', async () => {
      for (const path of ['/api/v1/runners', '/api/v1/api-keys'])
        expectProblem('GET', path, await api('GET', path, { key: keys.read.key }), 403, 'INSUFFICIENT_SCOPE');
      for (const path of [
        '/api/v1/pools',
        '/api/v1/agents',
        '/api/v1/live/agents',
        '/api/v1/sessions',
        '/api/v1/audit-events',
        '/api/v1/ledger',
        `/api/v1/guilds/${guild}/settings`,
      ]) {
        const reply = await api('GET', path, { key: keys.read.key });
        expect({ path, status: reply.status }).toEqual({ path, status: 200 });
        expectDocumented('GET', path, reply);
      }
      for (const route of routes.filter((r) => r.scope !== ApiKeyScope.Read)) {
        const reply = await api(route.method, route.path, { key: keys.read.key, body: route.body });
        expectProblem(route.method, route.path, reply, 403, 'INSUFFICIENT_SCOPE');
      }
      for (const route of routes) {
        const reply = await api(route.method, route.path, { key: null, body: route.body });
        expectProblem(route.method, route.path, reply, 401, 'UNAUTHENTICATED');
      }
    });

    it.each([ApiKeyScope.Read, ApiKeyScope.Write, ApiKeyScope.Admin])(
      'scope matrix: a %s key is refused exactly where the route needs a higher scope',
      async (scope) => {
        const outcomes: string[] = [];
        for (const route of routes) {
          const reply = await api(route.method, route.path, { key: keys[scope].key, body: route.body });
          const allowed = RANK[scope] >= RANK[route.scope];
          outcomes.push(`${route.method} ${route.template}: ${allowed ? 'allowed' : 'refused'}`);
          if (allowed) {
            expect([401, 403, 500]).not.toContain(reply.status);
            expectDocumented(route.method, route.path, reply);
          } else {
            expectProblem(route.method, route.path, reply, 403, 'INSUFFICIENT_SCOPE');
          }
        }
        expect(outcomes).toHaveLength(routes.length);
      },
    );
  });

  describe('pools', () => {
    it('create, read, list with a cursor, change visibility, members, transfer, delete — each audited with key and request id', async () => {
      const owners = [snowflake(), snowflake(), snowflake()];
      const created: string[] = [];
      for (const [i, ownerId] of owners.entries()) {
        const reply = await api('POST', '/api/v1/pools', {
          key: keys.write.key,
          body: { ownerId, name: `API pool ${i}` },
        });
        expect(reply.status).toBe(201);
        expectDocumented('POST', '/api/v1/pools', reply);
        expect(reply.body).toMatchObject({
          id: `pool_${ownerId}`,
          ownerId,
          visibility: 'private',
          maxAgents: 49,
        });
        created.push(reply.body.id);
      }
      const poolId = created[0];
      const create = await api('GET', `/api/v1/audit-events?action=pool.create&targetId=${poolId}`, {
        key: keys.read.key,
      });
      expect(create.body.items).toEqual([
        expect.objectContaining({
          actor: keys.write.actor,
          action: 'pool.create',
          targetType: 'pool',
          targetId: poolId,
          requestId: expect.any(String),
        }),
      ]);

      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: Reply = await api('GET', `/api/v1/pools?limit=2${cursor ? `&cursor=${cursor}` : ''}`, {
          key: keys.read.key,
        });
        expect(page.status).toBe(200);
        expectDocumented('GET', '/api/v1/pools', page);
        expect(page.body.items.length).toBeLessThanOrEqual(2);
        seen.push(...page.body.items.map((pool: { id: string }) => pool.id));
        cursor = page.body.nextCursor;
      } while (cursor);
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen).toEqual(expect.arrayContaining([...created, stack.poolId]));

      const got = await api('GET', `/api/v1/pools/${poolId}`, { key: keys.read.key });
      expect(got.status).toBe(200);
      expectDocumented('GET', `/api/v1/pools/${poolId}`, got);

      const patched = await api('PATCH', `/api/v1/pools/${poolId}`, {
        key: keys.write.key,
        body: { visibility: 'public' },
      });
      expect(patched.status).toBe(200);
      expect(patched.body.visibility).toBe('public');
      const audited = await api('GET', `/api/v1/audit-events?action=pool.visibility&targetId=${poolId}`, {
        key: keys.read.key,
      });
      expect(audited.body.items[0]).toMatchObject({
        actor: keys.write.actor,
        requestId: patched.headers.get('x-request-id'),
      });

      const member = snowflake();
      const granted = await api('PUT', `/api/v1/pools/${poolId}/members/${member}`, {
        key: keys.write.key,
        body: { role: 'manager' },
      });
      expect(granted.status).toBe(200);
      expectDocumented('PUT', `/api/v1/pools/${poolId}/members/${member}`, granted);
      const members = await api('GET', `/api/v1/pools/${poolId}/members`, { key: keys.read.key });
      expectDocumented('GET', `/api/v1/pools/${poolId}/members`, members);
      expect(
        members.body.items.map((m: { userId: string; role: string }) => `${m.userId}:${m.role}`).sort(),
      ).toEqual([`${owners[0]}:owner`, `${member}:manager`].sort());
      const removed = await api('DELETE', `/api/v1/pools/${poolId}/members/${member}`, {
        key: keys.write.key,
      });
      expect(removed.status).toBe(204);
      expectDocumented('DELETE', `/api/v1/pools/${poolId}/members/${member}`, removed);
      const noMember = await api('DELETE', `/api/v1/pools/${poolId}/members/${member}`, {
        key: keys.write.key,
      });
      expectProblem('DELETE', `/api/v1/pools/${poolId}/members/${member}`, noMember, 404, 'MEMBER_NOT_FOUND');

      const newOwner = snowflake();
      const transferred = await api('POST', `/api/v1/pools/${poolId}/transfer`, {
        key: keys.write.key,
        body: { toUserId: newOwner },
      });
      expect(transferred.status).toBe(200);
      expectDocumented('POST', `/api/v1/pools/${poolId}/transfer`, transferred);
      expect(transferred.body).toMatchObject({ id: poolId, ownerId: newOwner });
      const taken = await api('POST', `/api/v1/pools/${created[1]}/transfer`, {
        key: keys.write.key,
        body: { toUserId: newOwner },
      });
      expectProblem('POST', `/api/v1/pools/${created[1]}/transfer`, taken, 409, 'POOL_EXISTS');

      const deleted = await api('DELETE', `/api/v1/pools/${created[2]}`, { key: keys.write.key });
      expect(deleted.status).toBe(204);
      const gone = await api('GET', `/api/v1/pools/${created[2]}`, { key: keys.read.key });
      expectProblem('GET', `/api/v1/pools/${created[2]}`, gone, 404, 'POOL_NOT_FOUND');
    });

    it('refuses a duplicate owner (409), a pool with agents (409), bad and unknown fields (400 with per-field errors)', async () => {
      const ownerId = snowflake();
      expect(
        (await api('POST', '/api/v1/pools', { key: keys.write.key, body: { ownerId, name: 'one' } })).status,
      ).toBe(201);
      const duplicate = await api('POST', '/api/v1/pools', {
        key: keys.write.key,
        body: { ownerId, name: 'two' },
      });
      expectProblem('POST', '/api/v1/pools', duplicate, 409, 'POOL_EXISTS');

      const notEmpty = await api('DELETE', `/api/v1/pools/${stack.poolId}`, { key: keys.write.key });
      expectProblem('DELETE', `/api/v1/pools/${stack.poolId}`, notEmpty, 409, 'POOL_NOT_EMPTY');

      const invalid = await api('POST', '/api/v1/pools', {
        key: keys.write.key,
        body: { ownerId: 'x', name: '', maxAgents: 50, isAdmin: true },
      });
      expectProblem('POST', '/api/v1/pools', invalid, 400, 'VALIDATION_FAILED');
      expect(invalid.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
        'isAdmin',
        'maxAgents',
        'name',
        'ownerId',
      ]);

      const malformed = await api('POST', '/api/v1/pools', { key: keys.write.key, raw: '{"ownerId":' });
      expect(malformed.status).toBe(400);
      expect(malformed.headers.get('content-type')).toContain('application/problem+json');

      const badCursor = await api('GET', '/api/v1/pools?cursor=abc', { key: keys.read.key });
      expectProblem('GET', '/api/v1/pools', badCursor, 400, 'INVALID_CURSOR');
      const badLimit = await api('GET', '/api/v1/pools?limit=1000', { key: keys.read.key });
      expectProblem('GET', '/api/v1/pools', badLimit, 400, 'VALIDATION_FAILED');
    });

    it('contributions: a token credited to a non-member is pending until approved; rejecting revokes it', async () => {
      const ownerId = snowflake();
      const pool = (
        await api('POST', '/api/v1/pools', { key: keys.write.key, body: { ownerId, name: 'contrib' } })
      ).body;
      const contributions: string[] = [];
      for (let i = 0; i < 2; i += 1) {
        const registered = await api('POST', '/api/v1/agents', {
          key: keys.write.key,
          body: {
            poolId: pool.id,
            clientId: snowflake(),
            tag: `c${i}`,
            token: fakeBotToken(),
            contributedBy: snowflake(),
            skipVerify: true,
          },
        });
        expect(registered.status).toBe(201);
        expect(registered.body.agent.status).toBe('pending');
        contributions.push(registered.body.contributionId);
      }
      const listed = await api('GET', `/api/v1/pools/${pool.id}/contributions?status=pending`, {
        key: keys.read.key,
      });
      expectDocumented('GET', `/api/v1/pools/${pool.id}/contributions`, listed);
      expect(listed.body.items.map((c: { id: string }) => c.id).sort()).toEqual([...contributions].sort());

      const approvePath = `/api/v1/pools/${pool.id}/contributions/${contributions[0]}/approve`;
      const approved = await api('POST', approvePath, { key: keys.write.key });
      expect(approved.status).toBe(200);
      expectDocumented('POST', approvePath, approved);
      expect(approved.body.status).toBe('approved');
      expectProblem(
        'POST',
        approvePath,
        await api('POST', approvePath, { key: keys.write.key }),
        409,
        'CONTRIBUTION_DECIDED',
      );

      const otherPool = `/api/v1/pools/${stack.poolId}/contributions/${contributions[1]}/reject`;
      expectProblem(
        'POST',
        otherPool,
        await api('POST', otherPool, { key: keys.write.key }),
        404,
        'CONTRIBUTION_NOT_FOUND',
      );
      const rejectPath = `/api/v1/pools/${pool.id}/contributions/${contributions[1]}/reject`;
      const rejected = await api('POST', rejectPath, { key: keys.write.key });
      expect(rejected.status).toBe(200);
      expect(rejected.body.status).toBe('rejected');
      // Rejecting deletes the pending registration (and its ciphertext), so the bot can be
      // registered again in any pool; the decision stays in the audit log.
      const agentPath = `/api/v1/agents/${rejected.body.agentId}`;
      expectProblem(
        'GET',
        agentPath,
        await api('GET', agentPath, { key: keys.read.key }),
        404,
        'AGENT_NOT_FOUND',
      );
    });
  });

  describe('agents', () => {
    it('registers a token verified with Discord (sandbox), never echoes it, and refuses a token Discord rejects (422)', async () => {
      const app = stack.discord.control.createApplication({ name: 'API agent', username: 'apiagent' });
      const ownerId = snowflake();
      const pool = (
        await api('POST', '/api/v1/pools', { key: keys.write.key, body: { ownerId, name: 'verified' } })
      ).body;
      const rejected = await api('POST', '/api/v1/agents', {
        key: keys.write.key,
        body: { poolId: pool.id, clientId: app.clientId, tag: 'api', token: fakeBotToken() },
      });
      expectProblem('POST', '/api/v1/agents', rejected, 422, 'TOKEN_REJECTED');

      const registered = await api('POST', '/api/v1/agents', {
        key: keys.write.key,
        body: { poolId: pool.id, clientId: app.clientId, tag: 'api', token: app.token },
      });
      expect(registered.status).toBe(201);
      expectDocumented('POST', '/api/v1/agents', registered);
      expect(registered.body).toMatchObject({
        agent: { agentId: `agent${app.clientId}`, status: 'active', tokenUsable: true },
        contributionId: null,
      });
      expect(registered.text).not.toContain(app.token);
      const listed = await api('GET', `/api/v1/agents?poolId=${pool.id}`, { key: keys.read.key });
      expectDocumented('GET', '/api/v1/agents', listed);
      expect(listed.text).not.toContain(app.token);
      const audit = await api('GET', `/api/v1/audit-events?targetId=agent${app.clientId}`, {
        key: keys.read.key,
      });
      expect(audit.body.items[0]).toMatchObject({
        action: 'agent.register',
        requestId: registered.headers.get('x-request-id'),
      });
      expect(audit.text).not.toContain(app.token);

      const again = await api('POST', '/api/v1/agents', {
        key: keys.write.key,
        body: { poolId: pool.id, clientId: app.clientId, tag: 'api', token: app.token, skipVerify: true },
      });
      expectProblem('POST', '/api/v1/agents', again, 409, 'AGENT_EXISTS');
    });

    it('status, move between pools, diagnose and revoke', async () => {
      const pools = [];
      for (const name of ['from', 'to']) {
        pools.push(
          (await api('POST', '/api/v1/pools', { key: keys.write.key, body: { ownerId: snowflake(), name } }))
            .body.id as string,
        );
      }
      const clientId = snowflake();
      const agentId = `agent${clientId}`;
      await api('POST', '/api/v1/agents', {
        key: keys.write.key,
        body: { poolId: pools[0], clientId, tag: 'mover', token: fakeBotToken(), skipVerify: true },
      });

      const inactive = await api('PATCH', `/api/v1/agents/${agentId}`, {
        key: keys.write.key,
        body: { status: 'inactive' },
      });
      expect(inactive.status).toBe(200);
      expectDocumented('PATCH', `/api/v1/agents/${agentId}`, inactive);
      expect(inactive.body.status).toBe('inactive');
      const pending = await api('PATCH', `/api/v1/agents/${agentId}`, {
        key: keys.write.key,
        body: { status: 'pending' },
      });
      expectProblem('PATCH', `/api/v1/agents/${agentId}`, pending, 409, 'INVALID_STATUS_TRANSITION');
      const bogus = await api('PATCH', `/api/v1/agents/${agentId}`, {
        key: keys.write.key,
        body: { status: 'sleeping' },
      });
      expectProblem('PATCH', `/api/v1/agents/${agentId}`, bogus, 400, 'VALIDATION_FAILED');

      const moved = await api('POST', `/api/v1/agents/${agentId}/move`, {
        key: keys.write.key,
        body: { poolId: pools[1] },
      });
      expect(moved.status).toBe(200);
      expectDocumented('POST', `/api/v1/agents/${agentId}/move`, moved);
      expect(moved.body).toMatchObject({ poolId: pools[1], tokenUsable: true });
      const nowhere = await api('POST', `/api/v1/agents/${agentId}/move`, {
        key: keys.write.key,
        body: { poolId: 'pool_nowhere' },
      });
      expectProblem('POST', `/api/v1/agents/${agentId}/move`, nowhere, 404, 'POOL_NOT_FOUND');

      const diagnosis = await api('GET', `/api/v1/agents/${agentId}/diagnose`, { key: keys.read.key });
      expect(diagnosis.status).toBe(200);
      expectDocumented('GET', `/api/v1/agents/${agentId}/diagnose`, diagnosis);
      expect(diagnosis.body).toMatchObject({ live: null, leaseHolder: null });
      expect(diagnosis.body.findings.join(' ')).toContain('inactive');

      const revoked = await api('DELETE', `/api/v1/agents/${agentId}`, { key: keys.write.key });
      expect(revoked.status).toBe(200);
      expectDocumented('DELETE', `/api/v1/agents/${agentId}`, revoked);
      expect(revoked.body).toMatchObject({ status: 'revoked', tokenMasked: '(erased)', tokenUsable: false });
      const missing = await api('GET', '/api/v1/agents/agent1', { key: keys.read.key });
      expectProblem('GET', '/api/v1/agents/agent1', missing, 404, 'AGENT_NOT_FOUND');
    });
  });

  describe('runners, live agents and sessions', () => {
    it('issues a runner credential once (admin), lists it without a secret, and revokes it', async () => {
      const created = await api('POST', '/api/v1/runners', { key: keys.admin.key, body: { capacity: 5 } });
      expect(created.status).toBe(201);
      expectDocumented('POST', '/api/v1/runners', created);
      expect(created.body.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const listed = await api('GET', '/api/v1/runners', { key: keys.admin.key });
      expectDocumented('GET', '/api/v1/runners', listed);
      expect(listed.body.items.map((r: { runnerId: string }) => r.runnerId)).toContain(created.body.runnerId);
      expect(listed.text).not.toContain(created.body.secret);
      const revoked = await api('DELETE', `/api/v1/runners/${created.body.runnerId}`, {
        key: keys.admin.key,
      });
      expect(revoked.status).toBe(200);
      expectDocumented('DELETE', `/api/v1/runners/${created.body.runnerId}`, revoked);
      expect(revoked.body.revokedAt).toEqual(expect.any(String));
      const unknown = await api('DELETE', '/api/v1/runners/runner_000000000000', { key: keys.admin.key });
      expectProblem('DELETE', '/api/v1/runners/runner_000000000000', unknown, 404, 'RUNNER_NOT_FOUND');
      const tooBig = await api('POST', '/api/v1/runners', { key: keys.admin.key, body: { capacity: 5000 } });
      expectProblem('POST', '/api/v1/runners', tooBig, 400, 'VALIDATION_FAILED');
    });

    it('lists live agents and sessions, pins an agent, and releases a session (the agent is told to leave)', async () => {
      const { runnerId, secret } = stack.runnerCredential;
      const claim = await stack.ctx.leases.claim(runnerId, { capacity: 10, ttlSeconds: 600 });
      const agentId = stack.agentIds.find((id) => claim.held.includes(id))!;
      expect(agentId).toBeDefined();
      const guildId = testSnowflake();
      const voiceChannelId = testSnowflake();
      const gateway = stack.controller!.get(AgentGateway);
      const runner = await TestRunnerClient.authenticated(`ws://127.0.0.1:${gateway.port}`, {
        runnerId,
        credential: secret,
      });
      const asked: string[] = [];
      runner.onRpc((request: RpcRequestFrame) => {
        asked.push(request.op);
        const result = request.op === 'music.stop' ? { stopped: true } : { left: true };
        return { type: 'rpc.response', id: request.id, agentId: request.agentId, ok: true, result };
      });
      try {
        runner.announce([announcedAgent(agentId, [guildId])]);
        const allocator = stack.get(Allocator);
        await until(() => stack.get(AgentRegistry).get(agentId)?.ready === true, 'the agent to be live');

        const live = await api('GET', `/api/v1/live/agents?guildId=${guildId}`, { key: keys.read.key });
        expect(live.status).toBe(200);
        expectDocumented('GET', '/api/v1/live/agents', live);
        expect(live.body.items).toEqual([
          expect.objectContaining({ agentId, runnerId, ready: true, guildIds: [guildId], sessions: 0 }),
        ]);
        const diagnosis = await api('GET', `/api/v1/agents/${agentId}/diagnose`, { key: keys.read.key });
        expectDocumented('GET', `/api/v1/agents/${agentId}/diagnose`, diagnosis);
        expect(diagnosis.body).toMatchObject({ leaseHolder: runnerId, live: { agentId, ready: true } });
        expect((await api('GET', `/api/v1/agents/${agentId}`, { key: keys.read.key })).body).toMatchObject({
          connected: true,
          ready: true,
        });

        const pin = await api('POST', '/api/v1/sessions/assign', {
          key: keys.write.key,
          body: { guildId, voiceChannelId, agentId, ttlSeconds: 60 },
        });
        expect(pin.status).toBe(201);
        expectDocumented('POST', '/api/v1/sessions/assign', pin);
        const offline = await api('POST', '/api/v1/sessions/assign', {
          key: keys.write.key,
          body: { guildId, voiceChannelId, agentId: 'agent1' },
        });
        expectProblem('POST', '/api/v1/sessions/assign', offline, 409, 'AGENT_OFFLINE');

        const allocation = allocator.allocate({
          guildId,
          voiceChannelId,
          kind: 'music',
          userId: snowflake(),
        });
        expect(allocation.ok).toBe(true);
        const sessionId = allocation.ok ? allocation.session.sessionId : '';
        const sessions = await api('GET', `/api/v1/sessions?guildId=${guildId}`, { key: keys.read.key });
        expectDocumented('GET', '/api/v1/sessions', sessions);
        expect(sessions.body.items).toEqual([
          expect.objectContaining({ sessionId, agentId, kind: 'music', guildId, voiceChannelId }),
        ]);

        const cliList = await runCli(['sessions', 'list', '--url', base, '--guild', guildId, '--json'], {
          CHOPSTICKS_API_KEY: keys.read.key,
        });
        expect(cliList).toMatchObject({ code: 0, stderr: '' });
        expect(JSON.parse(cliList.stdout)).toEqual([
          expect.objectContaining({ sessionId, agentId, kind: 'music' }),
        ]);
        const cliTable = await runCli(['sessions', 'list', '--url', base], {
          CHOPSTICKS_API_KEY: keys.read.key,
        });
        expect(cliTable.stdout).toContain(sessionId);
        const cliRefused = await runCli(['sessions', 'list', '--url', base], {
          CHOPSTICKS_API_KEY: 'cs_00000000_bad',
        });
        expect(cliRefused.code).toBe(1);
        expect(cliRefused.stderr).toContain('401');
        expect(cliRefused.stderr).not.toContain('cs_00000000_bad');

        const released = await api('DELETE', `/api/v1/sessions/${sessionId}`, { key: keys.write.key });
        expect(released.status).toBe(200);
        expectDocumented('DELETE', `/api/v1/sessions/${sessionId}`, released);
        expect(released.body).toMatchObject({ agentLeft: true, session: { sessionId } });
        expect(asked).toEqual(['music.stop', 'voice.leave']);
        expect(
          (await api('GET', `/api/v1/sessions?guildId=${guildId}`, { key: keys.read.key })).body.items,
        ).toEqual([]);
        const again = await api('DELETE', `/api/v1/sessions/${sessionId}`, { key: keys.write.key });
        expectProblem('DELETE', `/api/v1/sessions/${sessionId}`, again, 404, 'NOT_FOUND');
        // The ledger is written in batches off the hot path (LEDGER_FLUSH_INTERVAL_MS=50 here).
        let ledgerReply = await api('GET', `/api/v1/ledger?guildId=${guildId}`, { key: keys.read.key });
        for (let attempt = 0; attempt < 200 && ledgerReply.body.items.length < 2; attempt += 1) {
          await new Promise((resolve) => setTimeout(resolve, 50));
          ledgerReply = await api('GET', `/api/v1/ledger?guildId=${guildId}`, { key: keys.read.key });
        }
        const rows = ledgerReply.body.items as { event: string; actor: string | null; sessionId: string }[];
        expect(rows.map((row) => [row.event, row.sessionId])).toEqual([
          ['release', sessionId],
          ['allocate', sessionId],
        ]);
        expect(rows[0].actor).toBe(keys.write.actor);
        expectDocumented('GET', '/api/v1/ledger', ledgerReply);
        const badLedgerCursor = await api('GET', '/api/v1/ledger?cursor=abc', { key: keys.read.key });
        expectProblem('GET', '/api/v1/ledger', badLedgerCursor, 400, 'INVALID_CURSOR');
        const audit = await api('GET', `/api/v1/audit-events?targetType=session&targetId=${sessionId}`, {
          key: keys.read.key,
        });
        expect(audit.body.items).toEqual([
          expect.objectContaining({
            action: 'session.release',
            actor: keys.write.actor,
            requestId: released.headers.get('x-request-id'),
          }),
        ]);
      } finally {
        await runner.close();
      }
    });
  });

  describe('deployments, guild settings, audit, API keys', () => {
    it('plans a deploy with invite URLs; job status is 503 without a verification queue', async () => {
      const guildId = snowflake();
      const plan = await api('POST', '/api/v1/deployments', {
        key: keys.write.key,
        body: { guildId, poolId: stack.poolId, desiredTotal: 1 },
      });
      expect(plan.status).toBe(201);
      expectDocumented('POST', '/api/v1/deployments', plan);
      expect(plan.body.plan).toMatchObject({ guildId, poolId: stack.poolId, need: 1, shortfall: 0 });
      expect(plan.body.plan.invites[0].url).toContain('scope=bot%20applications.commands');
      expect(plan.body.verification).toBeNull();
      const tooMany = await api('POST', '/api/v1/deployments', {
        key: keys.write.key,
        body: { guildId, poolId: stack.poolId, desiredTotal: 50 },
      });
      expectProblem('POST', '/api/v1/deployments', tooMany, 400, 'DESIRED_TOTAL_TOO_HIGH');
      const unknownPool = await api('POST', '/api/v1/deployments', {
        key: keys.write.key,
        body: { guildId, poolId: 'pool_nowhere', desiredTotal: 1 },
      });
      expectProblem('POST', '/api/v1/deployments', unknownPool, 404, 'POOL_NOT_ACCESSIBLE');
      const job = await api('GET', '/api/v1/deployments/jobs/some-job', { key: keys.read.key });
      expectProblem('GET', '/api/v1/deployments/jobs/some-job', job, 503, 'VERIFICATION_DISABLED');
    });

    it('reads defaults and changes a guild selected pool and idle policy', async () => {
      const guildId = snowflake();
      const path = `/api/v1/guilds/${guildId}/settings`;
      const defaults = await api('GET', path, { key: keys.read.key });
      expectDocumented('GET', path, defaults);
      expect(defaults.body).toEqual({
        guildId,
        selectedPoolId: null,
        idleReleaseSeconds: null,
        notifyChannelId: null,
        music: {},
      });
      const changed = await api('PATCH', path, {
        key: keys.write.key,
        body: { selectedPoolId: stack.poolId, idleReleaseSeconds: 0 },
      });
      expect(changed.status).toBe(200);
      expectDocumented('PATCH', path, changed);
      expect(changed.body).toMatchObject({ selectedPoolId: stack.poolId, idleReleaseSeconds: 0 });
      const reset = await api('PATCH', path, { key: keys.write.key, body: { idleReleaseSeconds: null } });
      expect(reset.body).toMatchObject({ selectedPoolId: stack.poolId, idleReleaseSeconds: null });
      expectProblem(
        'PATCH',
        path,
        await api('PATCH', path, { key: keys.write.key, body: { idleReleaseSeconds: 30 } }),
        400,
        'INVALID_INPUT',
      );
      expectProblem(
        'PATCH',
        path,
        await api('PATCH', path, { key: keys.write.key, body: { selectedPoolId: 'pool_nowhere' } }),
        404,
        'POOL_NOT_FOUND',
      );
      expectProblem(
        'GET',
        '/api/v1/guilds/abc/settings',
        await api('GET', '/api/v1/guilds/abc/settings', { key: keys.read.key }),
        400,
        'INVALID_INPUT',
      );
    });

    it('filters the audit log by actor, action, target and time, newest first, paged by cursor without gaps', async () => {
      const since = new Date().toISOString();
      const actor = keys.write.actor;
      const ids: string[] = [];
      for (let i = 0; i < 3; i += 1) {
        const reply = await api('POST', '/api/v1/pools', {
          key: keys.write.key,
          body: { ownerId: snowflake(), name: `audit ${i}` },
        });
        ids.push(reply.body.id);
      }
      const collected: string[] = [];
      let cursor: string | null = null;
      do {
        const query: string = `actor=${encodeURIComponent(actor)}&action=pool.create&since=${encodeURIComponent(since)}&limit=1${cursor ? `&cursor=${cursor}` : ''}`;
        const page: Reply = await api('GET', `/api/v1/audit-events?${query}`, { key: keys.read.key });
        expect(page.status).toBe(200);
        expectDocumented('GET', '/api/v1/audit-events', page);
        collected.push(...page.body.items.map((event: { targetId: string }) => event.targetId));
        cursor = page.body.nextCursor;
      } while (cursor);
      expect(collected).toEqual([...ids].reverse());
      const none = await api(
        'GET',
        `/api/v1/audit-events?actor=${encodeURIComponent(actor)}&until=${encodeURIComponent(since)}&action=pool.create&targetId=${ids[0]}`,
        { key: keys.read.key },
      );
      expect(none.body.items).toEqual([]);
      const badTime = await api('GET', '/api/v1/audit-events?since=yesterday', { key: keys.read.key });
      expectProblem('GET', '/api/v1/audit-events', badTime, 400, 'VALIDATION_FAILED');
    });

    it('creates a key with scopes and expiry (admin, shown once), lists it masked, and a revoked key stops working', async () => {
      const created = await api('POST', '/api/v1/api-keys', {
        key: keys.admin.key,
        body: { name: 'made by api', scopes: ['read'], expiresInDays: 7 },
      });
      expect(created.status).toBe(201);
      expectDocumented('POST', '/api/v1/api-keys', created);
      expect(created.body.key).toMatch(/^cs_[a-z0-9]{8}_[A-Za-z0-9_-]{43}$/);
      expect(created.headers.get('cache-control')).toBe('no-store');
      const newKey: string = created.body.key;
      expect((await api('GET', '/api/v1/pools', { key: newKey })).status).toBe(200);
      expectProblem(
        'POST',
        '/api/v1/pools',
        await api('POST', '/api/v1/pools', { key: newKey, body: {} }),
        403,
        'INSUFFICIENT_SCOPE',
      );
      const listed = await api('GET', '/api/v1/api-keys', { key: keys.admin.key });
      expect(listed.status).toBe(200);
      expectDocumented('GET', '/api/v1/api-keys', listed);
      expect(listed.text).not.toContain(newKey.slice('cs_'.length + 9));
      expect(listed.text).not.toContain('sha256:');
      const badScope = await api('POST', '/api/v1/api-keys', {
        key: keys.admin.key,
        body: { name: 'x', scopes: ['root'] },
      });
      expectProblem('POST', '/api/v1/api-keys', badScope, 400, 'VALIDATION_FAILED');
      const revoked = await api('DELETE', `/api/v1/api-keys/${created.body.apiKey.id}`, {
        key: keys.admin.key,
      });
      expect(revoked.status).toBe(200);
      expectDocumented('DELETE', `/api/v1/api-keys/${created.body.apiKey.id}`, revoked);
      expectProblem(
        'GET',
        '/api/v1/pools',
        await api('GET', '/api/v1/pools', { key: newKey }),
        401,
        'UNAUTHENTICATED',
      );
      const audit = await api(
        'GET',
        `/api/v1/audit-events?targetType=api-key&targetId=${created.body.apiKey.id}`,
        { key: keys.read.key },
      );
      expect(
        audit.body.items.map((e: { action: string; requestId: string }) => [e.action, e.requestId]),
      ).toEqual([
        ['api-key.revoke', revoked.headers.get('x-request-id')],
        ['api-key.create', created.headers.get('x-request-id')],
      ]);
      const unknown = await api('DELETE', '/api/v1/api-keys/00000000-0000-4000-8000-000000000000', {
        key: keys.admin.key,
      });
      expectProblem(
        'DELETE',
        '/api/v1/api-keys/00000000-0000-4000-8000-000000000000',
        unknown,
        404,
        'API_KEY_NOT_FOUND',
      );
    });
  });

  describe('limits', () => {
    it('refuses a body over the admin API limit with 413 problem+json', async () => {
      const reply = await api('POST', '/api/v1/pools', {
        key: keys.write.key,
        body: { ownerId: snowflake(), name: 'x'.repeat(70_000) },
      });
      expect(reply.status).toBe(413);
      expect(reply.headers.get('content-type')).toContain('application/problem+json');
      expect(reply.body.code).toBe('PAYLOAD_TOO_LARGE');
    });

    it('an unknown /api/v1 route is a 404 problem', async () => {
      const reply = await api('GET', '/api/v1/nothing-here', { key: keys.read.key });
      expect(reply.status).toBe(404);
      expect(reply.headers.get('content-type')).toContain('application/problem+json');
      expect(reply.body.code).toBe('NOT_FOUND');
      const other = await fetch(`${base}/not-the-admin-api`);
      expect(other.status).toBe(404);
      expect(other.headers.get('content-type')).toContain('application/json');
    });

    it('B25: in production /docs is not served; the per-key rate limit answers 429 with Retry-After', async () => {
      await stack.restartController({ NODE_ENV: 'production', ADMIN_API_RATE_LIMIT: '3' });
      base = `http://127.0.0.1:${listeningPort(stack.controller!)}`;
      expect((await fetch(`${base}/docs`)).status).toBe(404);
      expect((await fetch(`${base}/docs/json`)).status).toBe(404);
      const statuses: number[] = [];
      for (let i = 0; i < 4; i += 1)
        statuses.push((await api('GET', '/api/v1/pools', { key: keys.read.key })).status);
      expect(statuses).toEqual([200, 200, 200, 429]);
      const limited = await api('GET', '/api/v1/pools', { key: keys.read.key });
      expectProblem('GET', '/api/v1/pools', limited, 429, 'RATE_LIMITED');
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      expect((await api('GET', '/api/v1/pools', { key: keys.write.key })).status).toBe(200);
    });
  });
});
