import { randomBytes, randomInt } from 'node:crypto';

/** A random Discord-like snowflake (18–19 digits). */
export function snowflake(): string {
  return `${randomInt(100_000_000, 999_999_999)}${randomInt(100_000_000, 999_999_999)}`;
}

/** A random string shaped like a Discord bot token (`<id b64>.<ts>.<hmac>`). */
export function fakeBotToken(): string {
  return `${randomBytes(18).toString('base64url')}.${randomBytes(4).toString('base64url')}.${randomBytes(28).toString('base64url')}`;
}

/** One `keyId:base64key` entry for `TOKEN_ENCRYPTION_KEYS`. */
export function encryptionKey(keyId = `k${randomBytes(3).toString('hex')}`): string {
  return `${keyId}:${randomBytes(32).toString('base64')}`;
}

/** Input for `PoolsService.create` with overrides. */
export function poolInput(
  overrides: Partial<{
    ownerId: string;
    name: string;
    maxAgents: number;
    maxContributionsPerUser: number;
  }> = {},
) {
  return { ownerId: snowflake(), name: 'Test pool', ...overrides };
}

/** Input for `AgentRegistrationsService.register` with overrides. */
export function agentInput(
  poolId: string,
  overrides: Partial<{ clientId: string; tag: string; token: string; contributedBy: string }> = {},
) {
  return { poolId, clientId: snowflake(), tag: 'Agent', token: fakeBotToken(), ...overrides };
}

/** The operator actor used by tests (bypasses pool roles, still audited). */
export const operator = { id: 'test-operator', operator: true } as const;

/** A user actor. */
export function user(id: string) {
  return { id };
}
