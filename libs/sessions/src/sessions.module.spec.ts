import { Test } from '@nestjs/testing';
import { AgentRegistry, Allocator, SessionRegistry, SessionsModule } from '@app/sessions';

describe(SessionsModule.name, () => {
  it('provides one wired set of registries and the allocator, with options applied', async () => {
    let now = 1_000;
    const moduleRef = await Test.createTestingModule({
      imports: [SessionsModule.forRoot({ clock: () => now, pinTtlMs: 1_000 })],
    }).compile();
    try {
      const agents = moduleRef.get(AgentRegistry);
      const sessions = moduleRef.get(SessionRegistry);
      const sut = moduleRef.get(Allocator);
      agents.upsert({
        agentId: 'agent1',
        runnerId: 'r',
        connectionId: 'c',
        clientId: '1',
        ready: true,
        guilds: ['9'],
      });
      const pin = sut.assign('9', '8', 'agent1');
      expect(pin.expiresAt).toBe(2_000);
      now = 1_500;
      const result = sut.allocate({ guildId: '9', voiceChannelId: '8', kind: 'music', userId: '7' });
      expect(result).toMatchObject({ ok: true, pinned: true });
      expect(sessions.size).toBe(1);
      agents.remove('agent1', 'c');
      expect(sessions.size).toBe(0);
    } finally {
      await moduleRef.close();
    }
  });

  it('builds from an async factory', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [SessionsModule.forRootAsync({ useFactory: () => ({ maxSessionsPerGuild: 1 }) })],
    }).compile();
    try {
      const agents = moduleRef.get(AgentRegistry);
      const sut = moduleRef.get(Allocator);
      for (const id of ['1', '2']) {
        agents.upsert({
          agentId: `agent${id}`,
          runnerId: 'r',
          connectionId: 'c',
          clientId: id,
          ready: true,
          guilds: ['9'],
        });
      }
      expect(sut.allocate({ guildId: '9', voiceChannelId: '8', kind: 'music', userId: '7' }).ok).toBe(true);
      expect(sut.allocate({ guildId: '9', voiceChannelId: '6', kind: 'music', userId: '7' })).toMatchObject({
        ok: false,
        reason: 'no-free-agents',
      });
    } finally {
      await moduleRef.close();
    }
  });
});
