import {
  AgentBot,
  AgentRegistrationsService,
  AgentStatus,
  ContributionStatus,
  PoolsExceptionCode,
  TokenCipher,
} from '@app/pools';
import {
  agentInput,
  encryptionKey,
  fakeBotToken,
  operator,
  poolInput,
  snowflake,
  user,
} from '../utils/factories';
import { createPoolsTestContext, PoolsTestContext } from '../utils/pools-context';

describe(AgentRegistrationsService.name, () => {
  let ctx: PoolsTestContext;
  let sut: AgentRegistrationsService;

  beforeAll(async () => {
    ctx = await createPoolsTestContext(encryptionKey('k1'));
    sut = ctx.agents;
  });

  afterAll(async () => {
    await ctx.close();
  });

  async function ownPool(overrides: Parameters<typeof poolInput>[0] = {}) {
    const ownerId = overrides.ownerId ?? snowflake();
    const pool = await ctx.pools.create(poolInput({ ownerId, ...overrides }), user(ownerId));
    return { pool, ownerId };
  }

  async function row(agentId: string): Promise<AgentBot> {
    return ctx.dataSource.getRepository(AgentBot).findOneOrFail({ where: { agentId } });
  }

  it("registers an owner's token as active with id agent<clientId> and the token encrypted", async () => {
    const { pool, ownerId } = await ownPool();
    const input = agentInput(pool.id);
    const { agent, contribution } = await sut.register(input, user(ownerId));
    expect(agent.agentId).toBe(`agent${input.clientId}`);
    expect(agent.status).toBe(AgentStatus.Active);
    expect(contribution).toBeNull();
    expect(await sut.decryptToken(agent.agentId)).toBe(input.token);
  });

  it('K6: the database row never contains the plaintext; list output and errors are masked', async () => {
    const { pool, ownerId } = await ownPool();
    const input = agentInput(pool.id);
    const { agent } = await sut.register(input, user(ownerId));

    const [raw] = await ctx.dataSource.query<Record<string, unknown>[]>(
      `SELECT * FROM agent_bots WHERE agent_id = $1`,
      [agent.agentId],
    );
    const rowText = JSON.stringify(raw, (_key, value: unknown) =>
      Buffer.isBuffer(value) ? value.toString('latin1') : value,
    );
    expect(rowText).not.toContain(input.token);
    expect((raw.token_ciphertext as Buffer).includes(Buffer.from(input.token))).toBe(false);
    const audit = await ctx.dataSource.query<{ payload: unknown }[]>(
      `SELECT payload FROM audit_events WHERE target_id = $1`,
      [agent.agentId],
    );
    expect(JSON.stringify(audit)).not.toContain(input.token);

    const listed = (await sut.list({ poolId: pool.id })).find((view) => view.agentId === agent.agentId)!;
    expect(listed.tokenMasked).toBe(`****${input.token.slice(-4)}`);
    expect(JSON.stringify(listed)).not.toContain(input.token);
    expect(Object.keys(listed)).not.toContain('tokenCiphertext');

    const duplicate = await sut.register({ ...input }, user(ownerId)).catch((error: Error) => error);
    expect(duplicate).toMatchObject({ code: PoolsExceptionCode.AgentExists });
    expect(
      JSON.stringify({ message: (duplicate as Error).message, stack: (duplicate as Error).stack }),
    ).not.toContain(input.token);

    const failure = await sut.recordLoginFailure(agent.agentId, `Login failed with token ${input.token}`);
    expect(failure.lastLoginError).toBe('Login failed with token ****');
  });

  it('concurrent registrations of one bot create one row and never overwrite it', async () => {
    const { pool, ownerId } = await ownPool();
    const clientId = snowflake();
    const tokens = [fakeBotToken(), fakeBotToken(), fakeBotToken()];
    const results = await Promise.allSettled(
      tokens.map((token) => sut.register(agentInput(pool.id, { clientId, token }), user(ownerId))),
    );
    const winners = results.flatMap((result, index) => (result.status === 'fulfilled' ? [index] : []));
    expect(winners).toHaveLength(1);
    for (const result of results)
      if (result.status === 'rejected')
        expect(result.reason).toMatchObject({ code: PoolsExceptionCode.AgentExists });
    expect(await sut.decryptToken(`agent${clientId}`)).toBe(tokens[winners[0]]);
  });

  it('K3: revoking erases the ciphertext, sets revoked and refuses reactivation or re-registration', async () => {
    const { pool, ownerId } = await ownPool();
    const input = agentInput(pool.id);
    const { agent } = await sut.register(input, user(ownerId));
    const revoked = await sut.revoke(agent.agentId, user(ownerId));
    expect(revoked.status).toBe(AgentStatus.Revoked);
    expect(revoked.tokenMasked).toBe('(erased)');
    const stored = await row(agent.agentId);
    expect(stored.tokenCiphertext).toBeNull();
    expect(stored.tokenKeyId).toBeNull();

    for (const status of [AgentStatus.Active, AgentStatus.Inactive, AgentStatus.Pending]) {
      await expect(sut.setStatus(agent.agentId, status, operator)).rejects.toMatchObject({
        code: PoolsExceptionCode.AgentRevoked,
      });
    }
    await expect(sut.recordLoginSuccess(agent.agentId)).rejects.toMatchObject({
      code: PoolsExceptionCode.AgentRevoked,
    });
    await expect(sut.decryptToken(agent.agentId)).rejects.toMatchObject({
      code: PoolsExceptionCode.AgentRevoked,
    });
    await expect(sut.register({ ...input, token: fakeBotToken() }, user(ownerId))).rejects.toMatchObject({
      code: PoolsExceptionCode.AgentRevoked,
    });
    await expect(
      ctx.dataSource.query(
        `UPDATE agent_bots SET token_ciphertext = '\\x00', token_key_id = 'k1' WHERE agent_id = $1`,
        [agent.agentId],
      ),
    ).rejects.toThrow(/CHK_agent_bots_revoked_erased/);
  });

  it('follows the status transition table', async () => {
    const { pool, ownerId } = await ownPool();
    const { agent } = await sut.register(agentInput(pool.id), user(ownerId));
    expect((await sut.setStatus(agent.agentId, AgentStatus.Suspended, user(ownerId))).status).toBe(
      AgentStatus.Suspended,
    );
    await expect(sut.setStatus(agent.agentId, AgentStatus.Failed, user(ownerId))).rejects.toMatchObject({
      code: PoolsExceptionCode.InvalidStatusTransition,
    });
    await expect(sut.setStatus(agent.agentId, AgentStatus.Active, user(snowflake()))).rejects.toMatchObject({
      code: PoolsExceptionCode.Forbidden,
    });
    expect((await sut.setStatus(agent.agentId, AgentStatus.Active, user(ownerId))).status).toBe(
      AgentStatus.Active,
    );
    await expect(
      ctx.dataSource.query(`UPDATE agent_bots SET status = 'sleeping' WHERE agent_id = $1`, [agent.agentId]),
    ).rejects.toThrow(/CHK_agent_bots_status/);
  });

  it("puts a contribution to someone else's pool in pending with a contribution row, and caps contributions per user", async () => {
    const { pool, ownerId } = await ownPool({ maxContributionsPerUser: 2 });
    const contributor = snowflake();
    const first = await sut.register(agentInput(pool.id), user(contributor));
    expect(first.agent.status).toBe(AgentStatus.Pending);
    expect(first.agent.contributedBy).toBe(contributor);
    expect(first.contribution).toMatchObject({
      poolId: pool.id,
      agentId: first.agent.agentId,
      userId: contributor,
      status: ContributionStatus.Pending,
    });
    await sut.register(agentInput(pool.id), user(contributor));

    const before = await ctx.dataSource.query<{ count: string }[]>(
      `SELECT count(*) FROM agent_bots WHERE pool_id = $1`,
      [pool.id],
    );
    const third = agentInput(pool.id);
    await expect(sut.register(third, user(contributor))).rejects.toMatchObject({
      code: PoolsExceptionCode.ContributionCap,
    });
    const after = await ctx.dataSource.query<{ count: string }[]>(
      `SELECT count(*) FROM agent_bots WHERE pool_id = $1`,
      [pool.id],
    );
    expect(after).toEqual(before);

    expect(
      (await sut.listContributions(pool.id, ContributionStatus.Pending)).map((c) => c.agentId).sort(),
    ).toHaveLength(2);
    const approved = await sut.approveContribution(first.contribution!.id, user(ownerId));
    expect(approved.status).toBe(ContributionStatus.Approved);
    expect((await sut.get(first.agent.agentId)).status).toBe(AgentStatus.Active);
    await expect(sut.approveContribution(first.contribution!.id, user(ownerId))).rejects.toMatchObject({
      code: PoolsExceptionCode.ContributionDecided,
    });
  });

  it('K4: approving a pending contribution into a pool at capacity is refused', async () => {
    const { pool, ownerId } = await ownPool({ maxAgents: 2 });
    await sut.register(agentInput(pool.id), user(ownerId));
    const pending = await sut.register(agentInput(pool.id), user(snowflake()));
    await sut.register(agentInput(pool.id), user(ownerId));
    await expect(sut.approveContribution(pending.contribution!.id, user(ownerId))).rejects.toMatchObject({
      code: PoolsExceptionCode.PoolAtCapacity,
      message: expect.stringContaining('at capacity (2 of 2'),
    });
    expect((await sut.get(pending.agent.agentId)).status).toBe(AgentStatus.Pending);
    await expect(sut.register(agentInput(pool.id), user(ownerId))).rejects.toMatchObject({
      code: PoolsExceptionCode.PoolAtCapacity,
    });
  });

  it('rejecting a contribution erases the pending registration (token included) and leaves the bot registrable again (QA6)', async () => {
    const { pool, ownerId } = await ownPool();
    const contributor = snowflake();
    const input = agentInput(pool.id);
    const pending = await sut.register(input, user(contributor));

    const rejected = await sut.rejectContribution(pending.contribution!.id, user(ownerId));

    expect(rejected).toMatchObject({ status: ContributionStatus.Rejected, decidedBy: ownerId });
    const left = await ctx.dataSource.query<{ n: string }[]>(
      'SELECT count(*)::text AS n FROM agent_bots WHERE agent_id = $1',
      [pending.agent.agentId],
    );
    expect(left[0].n).toBe('0');
    const audit = await ctx.dataSource.query<{ payload: Record<string, string> }[]>(
      `SELECT payload FROM audit_events WHERE action = 'contribution.reject' AND target_id = $1`,
      [pending.contribution!.id],
    );
    expect(audit[0].payload).toMatchObject({ agentId: pending.agent.agentId, contributedBy: contributor });
    // The contributor puts the same bot into a pool of their own: it registers (active).
    const own = await ctx.pools.create(poolInput({ ownerId: contributor }), user(contributor));
    const again = await sut.register({ ...input, poolId: own.id }, user(contributor));
    expect(again.agent).toMatchObject({ agentId: pending.agent.agentId, status: AgentStatus.Active });
    // K3 still holds: a revoked bot stays revoked.
    await sut.revoke(again.agent.agentId, user(contributor));
    await expect(sut.register({ ...input, poolId: own.id }, user(contributor))).rejects.toMatchObject({
      code: PoolsExceptionCode.AgentRevoked,
    });
  });

  it('K5: a failed login marks the agent failed with growing backoff; success returns it to active', async () => {
    const { pool, ownerId } = await ownPool();
    const { agent } = await sut.register(agentInput(pool.id), user(ownerId));
    const now = new Date('2030-01-01T00:00:00Z');
    const first = await sut.recordLoginFailure(agent.agentId, 'An invalid token was provided.', now);
    expect(first.status).toBe(AgentStatus.Failed);
    expect(first.failureCount).toBe(1);
    expect(first.backoffUntil!.getTime() - now.getTime()).toBe(30_000);
    const second = await sut.recordLoginFailure(agent.agentId, 'again', now);
    expect(second.backoffUntil!.getTime() - now.getTime()).toBe(60_000);
    for (let i = 0; i < 10; i += 1) await sut.recordLoginFailure(agent.agentId, 'again', now);
    const capped = await sut.get(agent.agentId);
    expect(capped.backoffUntil!.getTime() - now.getTime()).toBe(3_600_000);

    const ok = await sut.recordLoginSuccess(agent.agentId);
    expect(ok).toMatchObject({
      status: AgentStatus.Active,
      failureCount: 0,
      backoffUntil: null,
      lastLoginError: null,
    });
  });

  it('moves an agent to another pool and its token still decrypts', async () => {
    const a = await ownPool();
    const b = await ownPool();
    const input = agentInput(a.pool.id);
    const { agent } = await sut.register(input, user(a.ownerId));
    await expect(sut.moveAgent(agent.agentId, b.pool.id, user(a.ownerId))).rejects.toMatchObject({
      code: PoolsExceptionCode.Forbidden,
    });
    const moved = await sut.moveAgent(agent.agentId, b.pool.id, operator);
    expect(moved.poolId).toBe(b.pool.id);
    expect(await sut.decryptToken(agent.agentId)).toBe(input.token);
  });

  it('a ciphertext copied onto another row does not decrypt (AAD binds the agent id)', async () => {
    const { pool, ownerId } = await ownPool();
    const one = await sut.register(agentInput(pool.id), user(ownerId));
    const two = await sut.register(agentInput(pool.id), user(ownerId));
    await ctx.dataSource.query(
      `UPDATE agent_bots SET token_ciphertext = (SELECT token_ciphertext FROM agent_bots WHERE agent_id = $1) WHERE agent_id = $2`,
      [one.agent.agentId, two.agent.agentId],
    );
    await expect(sut.decryptToken(two.agent.agentId)).rejects.toMatchObject({
      code: PoolsExceptionCode.TokenUndecryptable,
    });
    expect((await sut.get(two.agent.agentId)).tokenMasked).toBe('(undecryptable)');
  });

  it('rotates every token to the newest key in one transaction; a re-run is a no-op', async () => {
    const { pool, ownerId } = await ownPool();
    const tokens = new Map<string, string>();
    for (let i = 0; i < 3; i += 1) {
      const input = agentInput(pool.id);
      const { agent } = await sut.register(input, user(ownerId));
      tokens.set(agent.agentId, input.token);
    }
    const rotatedKeys = `${encryptionKey('k2')},${ctx.keys}`;
    const app = await ctx.reopen(rotatedKeys);
    const rotated = app.get(AgentRegistrationsService);
    expect(app.get(TokenCipher).currentKeyId).toBe('k2');

    const result = await rotated.rotateKeys(operator);
    expect(result.keyId).toBe('k2');
    expect(result.rotated).toBeGreaterThanOrEqual(3);
    expect(result.rotated + result.skipped.length).toBe(result.total);
    const keyIds = await ctx.dataSource.query<{ token_key_id: string }[]>(
      `SELECT DISTINCT token_key_id FROM agent_bots WHERE token_ciphertext IS NOT NULL AND agent_id = ANY($1)`,
      [[...tokens.keys()]],
    );
    expect(keyIds).toEqual([{ token_key_id: 'k2' }]);
    for (const [agentId, token] of tokens) expect(await rotated.decryptToken(agentId)).toBe(token);
    expect(await rotated.rotateKeys(operator)).toEqual({
      keyId: 'k2',
      rotated: 0,
      skipped: result.skipped,
      total: result.total,
    });

    const newOnly = await ctx.reopen(rotatedKeys.split(',')[0]);
    for (const [agentId, token] of tokens)
      expect(await newOnly.get(AgentRegistrationsService).decryptToken(agentId)).toBe(token);
  });

  it('a rotation interrupted midway changes nothing, and re-running it completes', async () => {
    const { pool, ownerId } = await ownPool();
    const agentIds: string[] = [];
    for (let i = 0; i < 3; i += 1)
      agentIds.push((await sut.register(agentInput(pool.id), user(ownerId))).agent.agentId);
    agentIds.sort();
    const app = await ctx.reopen(`${encryptionKey('k3')},${ctx.keys}`);
    const rotating = app.get(AgentRegistrationsService);
    await ctx.dataSource.query(
      `CREATE FUNCTION rotation_crash() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN IF NEW.agent_id = '${agentIds[2]}' THEN RAISE EXCEPTION 'crash during rotation'; END IF; RETURN NEW; END $$`,
    );
    await ctx.dataSource.query(
      `CREATE TRIGGER rotation_crash BEFORE UPDATE ON agent_bots FOR EACH ROW EXECUTE FUNCTION rotation_crash()`,
    );
    try {
      await expect(rotating.rotateKeys(operator)).rejects.toThrow(/crash during rotation/);
    } finally {
      await ctx.dataSource.query(`DROP TRIGGER rotation_crash ON agent_bots; DROP FUNCTION rotation_crash()`);
    }
    const afterCrash = await ctx.dataSource.query<{ token_key_id: string }[]>(
      `SELECT token_key_id FROM agent_bots WHERE agent_id = ANY($1)`,
      [agentIds],
    );
    expect(afterCrash.map((r) => r.token_key_id)).toEqual(['k1', 'k1', 'k1']);
    await rotating.rotateKeys(operator);
    const afterRerun = await ctx.dataSource.query<{ token_key_id: string }[]>(
      `SELECT token_key_id FROM agent_bots WHERE agent_id = ANY($1)`,
      [agentIds],
    );
    expect(afterRerun.map((r) => r.token_key_id)).toEqual(['k3', 'k3', 'k3']);
  });

  it('rotation leaves rows whose key is no longer configured untouched and reports them', async () => {
    const { pool, ownerId } = await ownPool();
    const { agent } = await sut.register(agentInput(pool.id), user(ownerId));
    const before = await row(agent.agentId);
    const app = await ctx.reopen(encryptionKey('k9'));
    const result = await app.get(AgentRegistrationsService).rotateKeys(operator);
    expect(result.rotated).toBe(0);
    expect(result.skipped).toContain(agent.agentId);
    const after = await row(agent.agentId);
    expect(after.tokenKeyId).toBe(before.tokenKeyId);
    expect(after.tokenCiphertext!.equals(before.tokenCiphertext!)).toBe(true);
  });
});
