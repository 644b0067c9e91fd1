import { effectiveIdleReleaseSeconds, GuildSettingsService, PoolsExceptionCode } from '@app/pools';
import { operator, poolInput, snowflake } from '../utils/factories';
import { createPoolsTestContext, PoolsTestContext } from '../utils/pools-context';

describe(GuildSettingsService.name, () => {
  let ctx: PoolsTestContext;
  let sut: GuildSettingsService;

  beforeAll(async () => {
    ctx = await createPoolsTestContext();
    sut = ctx.guilds;
  });

  afterAll(async () => {
    await ctx.close();
  });

  it('returns defaults for an unknown guild', async () => {
    const guildId = snowflake();
    expect(await sut.get(guildId)).toEqual({
      guildId,
      selectedPoolId: null,
      idleReleaseSeconds: null,
      notifyChannelId: null,
      music: {},
    });
  });

  it('upserts the selected pool, idle policy, notify channel and music settings', async () => {
    const guildId = snowflake();
    const pool = await ctx.pools.create(poolInput(), operator);
    const channel = snowflake();
    const dj = snowflake();
    await sut.upsert(
      guildId,
      { selectedPoolId: pool.id, idleReleaseSeconds: 120, notifyChannelId: channel, music: { djRoleId: dj } },
      operator,
    );
    const updated = await sut.upsert(
      guildId,
      { idleReleaseSeconds: 0, music: { defaultVolume: 80 } },
      operator,
    );
    expect(updated).toEqual({
      guildId,
      selectedPoolId: pool.id,
      idleReleaseSeconds: 0,
      notifyChannelId: channel,
      music: { djRoleId: dj, defaultVolume: 80 },
    });
    expect(effectiveIdleReleaseSeconds(updated, 1800)).toBeNull();
    expect(
      effectiveIdleReleaseSeconds(await sut.upsert(guildId, { idleReleaseSeconds: null }, operator), 1800),
    ).toBe(1800);
    expect(
      effectiveIdleReleaseSeconds(await sut.upsert(guildId, { idleReleaseSeconds: 60 }, operator), 1800),
    ).toBe(60);
  });

  it('validates input and the database CHECK refuses idle values between 1 and 59', async () => {
    const guildId = snowflake();
    await expect(sut.upsert(guildId, { idleReleaseSeconds: 30 }, operator)).rejects.toMatchObject({
      code: PoolsExceptionCode.InvalidInput,
    });
    await expect(sut.upsert(guildId, { selectedPoolId: 'pool_nope' }, operator)).rejects.toMatchObject({
      code: PoolsExceptionCode.PoolNotFound,
    });
    await expect(sut.upsert(guildId, { music: { defaultVolume: 500 } }, operator)).rejects.toMatchObject({
      code: PoolsExceptionCode.InvalidInput,
    });
    await expect(sut.upsert('not-a-guild', {}, operator)).rejects.toMatchObject({
      code: PoolsExceptionCode.InvalidInput,
    });
    await sut.upsert(guildId, {}, operator);
    await expect(
      ctx.dataSource.query(`UPDATE guild_settings SET idle_release_seconds = 30 WHERE guild_id = $1`, [
        guildId,
      ]),
    ).rejects.toThrow(/CHK_guild_settings_idle_release/);
  });
});
