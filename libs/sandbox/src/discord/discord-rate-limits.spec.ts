import { DiscordRateLimiter } from './discord-rate-limits';

describe(DiscordRateLimiter.name, () => {
  let now: number;
  let sut: DiscordRateLimiter;
  const route = 'POST /channels/:channel_id/messages';

  beforeEach(() => {
    now = 1_700_000_000_000;
    sut = new DiscordRateLimiter({ routes: { [route]: { limit: 2, windowMs: 5000 } } }, () => now);
  });

  it('counts down X-RateLimit-Remaining and refuses the request past the limit', () => {
    const first = sut.check('bot:1', route, 'c1', false);
    const second = sut.check('bot:1', route, 'c1', false);
    const third = sut.check('bot:1', route, 'c1', false);

    expect(first.headers).toMatchObject({
      'x-ratelimit-limit': '2',
      'x-ratelimit-remaining': '1',
      'x-ratelimit-reset-after': '5.000',
    });
    expect(second.headers['x-ratelimit-remaining']).toBe('0');
    expect(third.limited).toEqual({ retryAfterMs: 5000, global: false, scope: 'user' });
    expect(third.headers).toMatchObject({ 'retry-after': '5', 'x-ratelimit-scope': 'user' });
  });

  it('keeps separate buckets per top-level resource and resets after the window', () => {
    sut.check('bot:1', route, 'c1', false);
    sut.check('bot:1', route, 'c1', false);

    expect(sut.check('bot:1', route, 'c2', false).limited).toBeNull();
    now += 5000;
    expect(sut.check('bot:1', route, 'c1', false).limited).toBeNull();
  });

  it('shares one bucket hash for one route template', () => {
    expect(sut.check('bot:1', route, 'c1', false).headers['x-ratelimit-bucket']).toBe(
      sut.check('bot:2', route, 'c9', false).headers['x-ratelimit-bucket'],
    );
  });

  it('applies forced 429s the given number of times, global ones with X-RateLimit-Global', () => {
    sut.force({
      method: 'post',
      route: '/channels/:channel_id/messages',
      remaining: 1,
      retryAfterMs: 1500,
      global: true,
    });

    const forced = sut.check('bot:1', route, 'c1', false);
    const after = sut.check('bot:1', route, 'c1', false);

    expect(forced.limited).toEqual({ retryAfterMs: 1500, global: true, scope: 'global' });
    expect(forced.headers).toMatchObject({ 'x-ratelimit-global': 'true', 'retry-after': '2' });
    expect(after.limited).toBeNull();
  });

  it('enforces the global limit except on exempt (interaction) routes', () => {
    const limiter = new DiscordRateLimiter({ global: { limit: 1, windowMs: 1000 } }, () => now);

    limiter.check('bot:1', 'GET /users/@me', '', false);

    expect(limiter.check('bot:1', 'GET /users/@me', '', false).limited?.global).toBe(true);
    expect(
      limiter.check('bot:1', 'POST /interactions/:interaction_id/:interaction_token/callback', 'i1', true)
        .limited,
    ).toBeNull();
  });
});
