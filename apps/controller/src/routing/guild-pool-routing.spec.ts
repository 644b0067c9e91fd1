import { guildRoutingOf } from './guild-pool-routing.service';

describe(guildRoutingOf.name, () => {
  const publicPools = new Set(['pool_1', 'pool_2']);

  it('a guild without a selection may use every public pool and prefers none', () => {
    expect(guildRoutingOf(null, publicPools)).toEqual({
      preferredPoolId: null,
      accessiblePoolIds: publicPools,
    });
  });

  it('a guild that selected a public pool prefers it and may use every public pool', () => {
    const sut = guildRoutingOf('pool_2', publicPools);
    expect(sut.preferredPoolId).toBe('pool_2');
    expect([...sut.accessiblePoolIds].sort()).toEqual(['pool_1', 'pool_2']);
  });

  it('a guild that selected a private pool may use it beside the public pools, and no other private pool', () => {
    const sut = guildRoutingOf('pool_9', publicPools);
    expect(sut.preferredPoolId).toBe('pool_9');
    expect([...sut.accessiblePoolIds].sort()).toEqual(['pool_1', 'pool_2', 'pool_9']);
    expect(sut.accessiblePoolIds.has('pool_8')).toBe(false);
    expect([...publicPools].sort()).toEqual(['pool_1', 'pool_2']);
  });
});
