import { parseEnv } from '@app/config';
import { z } from 'zod';
import { parseCommandRateLimits, rateLimitsOptionsFromEnv, ratelimitsEnvShape } from './ratelimits.config';

const schema = z.object(ratelimitsEnvShape);

describe('ratelimitsEnvShape', () => {
  it('defaults to 5 /agents per 60 s (C1), fail-open and a 10 s idempotency window', () => {
    const sut = parseEnv(schema, {});

    expect(sut.COMMAND_RATE_LIMITS.agents).toEqual({ points: 5, durationSeconds: 60 });
    expect(sut.COMMAND_RATE_LIMITS.default).toEqual({ points: 10, durationSeconds: 60 });
    expect(sut.RATE_LIMIT_REDIS_DOWN_MODE).toBe('open');
    expect(sut.IDEMPOTENCY_WINDOW_SECONDS).toBe(10);
  });

  it('names the variable of a malformed limit list or an unknown down mode', () => {
    expect(() => parseEnv(schema, { COMMAND_RATE_LIMITS: 'agents=5' })).toThrow(/COMMAND_RATE_LIMITS/);
    expect(() => parseEnv(schema, { RATE_LIMIT_REDIS_DOWN_MODE: 'maybe' })).toThrow(
      /RATE_LIMIT_REDIS_DOWN_MODE/,
    );
  });

  it('maps to module options with the app REDIS_URL', () => {
    const parsed = parseEnv(schema, { RATE_LIMIT_REDIS_DOWN_MODE: 'closed', RATE_LIMIT_KEY_PREFIX: 'x' });

    expect(rateLimitsOptionsFromEnv(parsed, 'redis://127.0.0.1:6379')).toMatchObject({
      redisUrl: 'redis://127.0.0.1:6379',
      keyPrefix: 'x',
      redisDownMode: 'closed',
    });
  });
});

describe(parseCommandRateLimits.name, () => {
  it('reads name=points/seconds entries and keeps a default', () => {
    expect(parseCommandRateLimits('music=20/60, fun=3/10')).toEqual({
      default: { points: 10, durationSeconds: 60 },
      music: { points: 20, durationSeconds: 60 },
      fun: { points: 3, durationSeconds: 10 },
    });
  });

  it.each(['agents=0/60', 'agents=5/0', 'Agents=5/60', 'agents:5/60'])('refuses %s', (text) => {
    expect(() => parseCommandRateLimits(text)).toThrow(/name=points\/seconds/);
  });
});
