import { PermissionFlagsBits } from 'discord.js';
import { DEPLOY_INVITE_PERMISSIONS } from './deploy.constants';
import { redisConnectionFromUrl } from './deploy.module';
import { deployJobId } from './deploy-verification.queue';

describe('deployJobId', () => {
  it('is the same for the same intent whatever the order of the agents', () => {
    const sut = deployJobId('123456789012345678', 'pool_1', ['agent2', 'agent1']);

    expect(sut).toBe(deployJobId('123456789012345678', 'pool_1', ['agent1', 'agent2']));
    expect(sut).toMatch(/^deploy-123456789012345678-[0-9a-f]{24}$/);
  });

  it('differs when the pool or the agents differ, and never contains ":" (BullMQ rule)', () => {
    const sut = deployJobId('1', 'pool_1', ['agent1']);

    expect(sut).not.toBe(deployJobId('1', 'pool_2', ['agent1']));
    expect(sut).not.toBe(deployJobId('1', 'pool_1', ['agent1', 'agent2']));
    expect(sut).not.toContain(':');
  });
});

describe('DEPLOY_INVITE_PERMISSIONS', () => {
  it('is View Channel, Send Messages, Embed Links, Connect and Speak = 3165184', () => {
    expect(DEPLOY_INVITE_PERMISSIONS).toBe(3_165_184n);
    for (const flag of ['ViewChannel', 'SendMessages', 'EmbedLinks', 'Connect', 'Speak'] as const) {
      expect(DEPLOY_INVITE_PERMISSIONS & PermissionFlagsBits[flag]).toBe(PermissionFlagsBits[flag]);
    }
    expect(DEPLOY_INVITE_PERMISSIONS & PermissionFlagsBits.Administrator).toBe(0n);
  });
});

describe('redisConnectionFromUrl', () => {
  it('reads host, port, credentials, database and TLS from the URL', () => {
    expect(redisConnectionFromUrl('rediss://user:p%40ss@cache.example:6380/2')).toEqual({
      host: 'cache.example',
      port: 6380,
      username: 'user',
      password: 'p@ss',
      db: 2,
      tls: {},
      maxRetriesPerRequest: null,
    });
    expect(redisConnectionFromUrl('redis://127.0.0.1')).toMatchObject({
      host: '127.0.0.1',
      port: 6379,
      db: 0,
    });
  });
});
