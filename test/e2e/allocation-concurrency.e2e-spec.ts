import type { GuildCreated, InteractionResult } from '@app/sandbox';
import { AgentRegistry, MAX_SESSIONS_PER_GUILD, SessionRegistry } from '@app/sessions';
import { createStack, type Stack } from './support/stack';

/**
 * ACCEPTANCE A9 through real sockets: 200 people in 200 voice channels of one guild run
 * `/music play` at the same moment through the sandbox Discord (gateway dispatch → controller →
 * agent gateway WebSocket → one runner process with 49 agent identities → Lavalink sandbox).
 * Exactly 49 get music, 151 are told there is no free agent, no interaction goes unanswered, and
 * no agent is bound twice — in the controller's registry nor in Discord's voice states.
 */
jest.setTimeout(240_000);

const AGENTS = MAX_SESSIONS_PER_GUILD;
const REQUESTS = 200;

describe('Allocation under concurrency (real sockets)', () => {
  let stack: Stack;
  let guild: GuildCreated;
  const users: string[] = [];

  beforeAll(async () => {
    stack = await createStack({ agentCount: AGENTS, timeScale: 1 });
    const channels = Array.from({ length: REQUESTS }, (_, i) => `Voice ${i + 1}`);
    guild = stack.createGuild({ name: 'Crowded Guild', voiceChannels: channels, agents: 'all' });
    for (let i = 0; i < REQUESTS; i++) users.push(stack.createUser(`listener${i + 1}`, [guild]));
    await stack.startController();
    await stack.startRunner();
    await stack.waitForAgents(guild.guildId, AGENTS, 180_000);
    for (let i = 0; i < REQUESTS; i++) {
      await stack.moveVoice(users[i], guild, guild.channels[`Voice ${i + 1}`]);
    }
  });

  afterAll(async () => {
    await stack?.close();
  });

  it('A9: 200 concurrent /music play for 200 voice channels with 49 agents → exactly 49 succeed, 151 get no-free-agents, no agent bound twice', async () => {
    const results: InteractionResult[] = await Promise.all(
      users.map((userId) =>
        stack.slash(userId, guild, 'music', { subcommand: 'play', options: { query: 'neon harbor' } }),
      ),
    );

    expect(results.filter((result) => result.error)).toEqual([]);
    const titles = results.map((result) => {
      const embed = result.original?.embeds?.[0] as { title?: string } | undefined;
      return embed?.title ?? result.original?.content ?? '';
    });
    const playing = titles.filter((title) => title === 'Now playing').length;
    const noFreeAgents = titles.filter((title) => title.startsWith('No free agents')).length;
    expect({ playing, noFreeAgents }).toEqual({ playing: AGENTS, noFreeAgents: REQUESTS - AGENTS });

    const sessions = stack.get(SessionRegistry).byGuild(guild.guildId);
    expect(sessions).toHaveLength(AGENTS);
    expect(new Set(sessions.map((session) => session.agentId)).size).toBe(AGENTS);
    expect(new Set(sessions.map((session) => session.voiceChannelId)).size).toBe(AGENTS);
    // Discord's side agrees: every agent sits in exactly the channel of its session.
    const registry = stack.get(AgentRegistry);
    for (const session of sessions) {
      const botUserId = registry.get(session.agentId)!.botUserId;
      expect(stack.discord.control.getVoiceState(guild.guildId, botUserId)?.channelId).toBe(
        session.voiceChannelId,
      );
    }
  });
});
