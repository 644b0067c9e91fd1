import { randomBytes } from 'node:crypto';
import { EnvValidationError, parseEnv } from '@app/config';
import { z } from 'zod';
import { poolsEnvShape, poolsOptionsFromEnv } from './pools.config';

describe('poolsEnvShape', () => {
  const schema = z.object(poolsEnvShape);
  const key = `k1:${randomBytes(32).toString('base64')}`;

  it('defaults to the embedded database when DATABASE_URL is unset', () => {
    const sut = parseEnv(schema, { TOKEN_ENCRYPTION_KEYS: key });
    expect(poolsOptionsFromEnv(sut, 'app')).toEqual({
      databaseUrl: undefined,
      tokenEncryptionKeys: key,
      embeddedDbDir: './.data/pglite',
      poolSize: 10,
      applicationName: 'app',
    });
  });

  it('names TOKEN_ENCRYPTION_KEYS when it is missing and DATABASE_URL when malformed, without values', () => {
    let caught: unknown;
    try {
      parseEnv(schema, { DATABASE_URL: 'mysql://user:secret@host/db' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(EnvValidationError);
    expect((caught as Error).message).toContain('TOKEN_ENCRYPTION_KEYS: is required but not set');
    expect((caught as Error).message).toContain('DATABASE_URL: must be a postgres: or postgresql: URL');
    expect((caught as Error).message).not.toContain('secret');
  });
});
