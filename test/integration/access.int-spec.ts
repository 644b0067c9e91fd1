import { ApiKeyScope, ApiKeysService, AuditService, isBound, scopesAllow } from '@app/access';
import { createPoolsTestContext, PoolsTestContext } from '../utils/pools-context';

describe(AuditService.name, () => {
  let ctx: PoolsTestContext;
  let sut: AuditService;

  beforeAll(async () => {
    ctx = await createPoolsTestContext();
    sut = ctx.audit;
  });

  afterAll(async () => {
    await ctx.close();
  });

  it('records events and lists them newest first with filters', async () => {
    await sut.record({
      actor: 'u1',
      action: 'thing.one',
      targetType: 'thing',
      targetId: 't1',
      payload: { n: 1 },
      requestId: 'req-1',
    });
    await sut.record({ actor: 'u2', action: 'thing.two', targetType: 'thing', targetId: 't1' });
    const events = await sut.list({ targetType: 'thing', targetId: 't1' });
    expect(events.map((event) => event.action)).toEqual(['thing.two', 'thing.one']);
    expect(events[1]).toMatchObject({ actor: 'u1', payload: { n: 1 }, requestId: 'req-1' });
    expect((await sut.list({ actor: 'u2' })).map((event) => event.action)).toEqual(['thing.two']);
  });

  it('is append-only: the database rejects UPDATE, DELETE and TRUNCATE', async () => {
    const event = await sut.record({ actor: 'u1', action: 'thing.keep', targetType: 'thing' });
    await expect(
      ctx.dataSource.query(`UPDATE audit_events SET actor = 'x' WHERE id = $1`, [event.id]),
    ).rejects.toThrow(/append-only \(UPDATE refused\)/);
    await expect(ctx.dataSource.query(`DELETE FROM audit_events WHERE id = $1`, [event.id])).rejects.toThrow(
      /append-only \(DELETE refused\)/,
    );
    await expect(ctx.dataSource.query(`TRUNCATE audit_events`)).rejects.toThrow(
      /append-only \(TRUNCATE refused\)/,
    );
    expect((await sut.list({ actor: 'u1' })).map((row) => row.id)).toContain(event.id);
  });
});

describe(ApiKeysService.name, () => {
  let ctx: PoolsTestContext;
  let sut: ApiKeysService;

  beforeAll(async () => {
    ctx = await createPoolsTestContext();
    sut = ctx.apiKeys;
  });

  afterAll(async () => {
    await ctx.close();
  });

  it('creates a key shown once, stores only a hash and verifies it', async () => {
    const { key, secret } = await sut.create({
      name: 'dashboard',
      scopes: [ApiKeyScope.Read, ApiKeyScope.Write],
      createdBy: 'cli',
    });
    expect(secret).toMatch(new RegExp(`^cs_${key.prefix}_[A-Za-z0-9_-]{43}$`));
    const [row] = await ctx.dataSource.query<{ secret_hash: string }[]>(
      `SELECT secret_hash FROM api_keys WHERE id = $1`,
      [key.id],
    );
    expect(row.secret_hash).toMatch(/^sha256:[a-f0-9]{64}$/);
    expect(JSON.stringify(await sut.list())).not.toContain(secret.slice(`cs_${key.prefix}_`.length));
    expect((await sut.list()).find((listed) => listed.id === key.id)?.masked).toBe(`cs_${key.prefix}_****`);

    const verified = await sut.verify(secret);
    expect(verified).toMatchObject({ id: key.id, scopes: [ApiKeyScope.Read, ApiKeyScope.Write] });
    expect(verified!.lastUsedAt).not.toBeNull();
    expect(await sut.verify(`${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`)).toBeNull();
    expect(await sut.verify('cs_nothere_x')).toBeNull();
  });

  it('refuses revoked and expired keys', async () => {
    const now = new Date();
    const expiring = await sut.create(
      { name: 'short', scopes: [ApiKeyScope.Read], expiresInDays: 1, createdBy: 'cli' },
      now,
    );
    expect(await sut.verify(expiring.secret, new Date(now.getTime() + 86_400_000 - 1000))).not.toBeNull();
    expect(await sut.verify(expiring.secret, new Date(now.getTime() + 86_400_000 + 1000))).toBeNull();
    const revoked = await sut.create({ name: 'gone', scopes: [ApiKeyScope.Admin], createdBy: 'cli' });
    await sut.revoke(revoked.key.id, 'cli');
    expect(await sut.verify(revoked.secret)).toBeNull();
  });

  it('validates name, scopes and expiry; the database CHECK rejects unknown scopes', async () => {
    await expect(sut.create({ name: '', scopes: [ApiKeyScope.Read], createdBy: 'cli' })).rejects.toThrow(
      /name/,
    );
    await expect(sut.create({ name: 'x', scopes: [], createdBy: 'cli' })).rejects.toThrow(/Scopes/);
    await expect(
      sut.create({ name: 'x', scopes: ['root' as ApiKeyScope], createdBy: 'cli' }),
    ).rejects.toThrow(/Scopes/);
    await expect(
      sut.create({ name: 'x', scopes: [ApiKeyScope.Read], expiresInDays: 0, createdBy: 'cli' }),
    ).rejects.toThrow(/expiry/);
    const { key } = await sut.create({ name: 'ok', scopes: [ApiKeyScope.Read], createdBy: 'cli' });
    await expect(
      ctx.dataSource.query(`UPDATE api_keys SET scopes = ARRAY['root'] WHERE id = $1`, [key.id]),
    ).rejects.toThrow(/CHK_api_keys_scopes/);
  });

  it('stores a guild and pool binding, returns it on verify and list, and validates both ids', async () => {
    const guildId = '123456789012345678';
    const bound = await sut.create({
      name: 'bound',
      scopes: [ApiKeyScope.Read],
      guildId,
      poolId: `pool_${guildId}`,
      createdBy: 'cli',
    });
    expect(bound.key).toMatchObject({ guildId, poolId: `pool_${guildId}` });
    expect(await sut.verify(bound.secret)).toMatchObject({ guildId, poolId: `pool_${guildId}` });
    expect((await sut.list()).find((listed) => listed.id === bound.key.id)).toMatchObject({ guildId });
    expect(isBound(bound.key)).toBe(true);
    const unbound = await sut.create({ name: 'unbound', scopes: [ApiKeyScope.Read], createdBy: 'cli' });
    expect(unbound.key).toMatchObject({ guildId: null, poolId: null });
    expect(isBound(unbound.key)).toBe(false);
    await expect(
      sut.create({ name: 'x', scopes: [ApiKeyScope.Read], guildId: 'guild', createdBy: 'cli' }),
    ).rejects.toThrow(/guild id/);
    await expect(
      sut.create({ name: 'x', scopes: [ApiKeyScope.Read], poolId: 'pool one', createdBy: 'cli' }),
    ).rejects.toThrow(/pool id/);
  });

  it('admin implies write implies read', () => {
    expect(scopesAllow([ApiKeyScope.Admin], ApiKeyScope.Write)).toBe(true);
    expect(scopesAllow([ApiKeyScope.Write], ApiKeyScope.Read)).toBe(true);
    expect(scopesAllow([ApiKeyScope.Read], ApiKeyScope.Write)).toBe(false);
  });
});
