import { z } from 'zod';
import { env, EnvValidationError, parseEnv } from './env';

const schema = z.object({
  PORT: env.port(8080),
  TOKEN: env.string(),
  FLAG: env.boolean(false),
  OWNERS: env.snowflakes(),
  MODE: env.oneOf(['open', 'closed'] as const, 'open'),
  DATABASE_URL: env.optionalUrl(['postgres:', 'postgresql:']),
});

describe(parseEnv.name, () => {
  const valid = { TOKEN: 'super-secret-value-123' };

  it('applies defaults and coerces values', () => {
    const sut = parseEnv(schema, {
      ...valid,
      PORT: '9000',
      FLAG: 'yes',
      OWNERS: '123456789012345678, 223456789012345678',
    });
    expect(sut).toEqual({
      PORT: 9000,
      TOKEN: 'super-secret-value-123',
      FLAG: true,
      OWNERS: ['123456789012345678', '223456789012345678'],
      MODE: 'open',
      DATABASE_URL: undefined,
    });
  });

  it('treats an empty string as unset', () => {
    expect(parseEnv(schema, { ...valid, PORT: '', DATABASE_URL: '' })).toMatchObject({
      PORT: 8080,
      DATABASE_URL: undefined,
    });
  });

  it('names a missing required variable', () => {
    expect(() => parseEnv(schema, {})).toThrow('TOKEN: is required but not set');
  });

  it('names every malformed variable without echoing its value', () => {
    let caught: unknown;
    try {
      parseEnv(schema, {
        TOKEN: 'x',
        PORT: '70000',
        FLAG: 'maybe',
        MODE: 'ajar',
        DATABASE_URL: 'mysql://u:hunter2@h/db',
      });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(EnvValidationError);
    const error = caught as EnvValidationError;
    expect(error.issues.map((issue) => issue.variable).sort()).toEqual([
      'DATABASE_URL',
      'FLAG',
      'MODE',
      'PORT',
    ]);
    expect(error.message).toContain('MODE: must be one of open, closed');
    expect(error.message).toContain('DATABASE_URL: must be a postgres: or postgresql: URL');
    expect(error.message).not.toContain('hunter2');
    expect(error.message).not.toContain('maybe');
  });

  it('rejects an id list with a non-snowflake', () => {
    expect(() => parseEnv(schema, { ...valid, OWNERS: '123456789012345678,abc' })).toThrow('OWNERS');
  });
});

describe('env.trustProxy (TRUST_PROXY)', () => {
  const sut = env.trustProxy();

  it('is false when unset, empty or false, so the TCP peer is the client', () => {
    expect(sut.parse(undefined)).toBe(false);
    expect(sut.parse('')).toBe(false);
    expect(sut.parse('FALSE')).toBe(false);
  });

  it('reads true, a hop count, and a list of IPs, CIDR ranges and proxy-addr names', () => {
    expect(sut.parse('true')).toBe(true);
    expect(sut.parse('2')).toBe(2);
    expect(sut.parse('10.0.0.0/8, 192.168.1.7,::1,fd00::/8,loopback')).toEqual([
      '10.0.0.0/8',
      '192.168.1.7',
      '::1',
      'fd00::/8',
      'loopback',
    ]);
  });

  it('refuses a zero or huge hop count, malformed addresses and out-of-range prefixes, naming only the variable', () => {
    for (const bad of [
      '0',
      '33',
      'proxy.example.com',
      '10.0.0.0/33',
      '::1/129',
      '10.0.0.1/8/2',
      '300.1.1.1',
      'yes',
    ])
      expect({ bad, ok: sut.safeParse(bad).success }).toEqual({ bad, ok: false });
    expect(() => parseEnv(z.object({ TRUST_PROXY: sut }), { TRUST_PROXY: 'proxy.example.com' })).toThrow(
      /^Invalid configuration: TRUST_PROXY: must be false, true, a hop count/,
    );
  });
});
