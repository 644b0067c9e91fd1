import type { GuildCreated, InteractionResult } from '@app/sandbox';
import { TtsSandbox } from '@app/sandbox';
import { AgentRegistry, SessionRegistry } from '@app/sessions';
import { createStack, type Stack, until } from './support/stack';

/**
 * An agent dies holding an assistant session (SPEC §5: assistant sessions end with a notice, no
 * failover): its runner process is SIGKILLed; the controller releases the session, tells the
 * text channel, and the next `/assistant join` gets another idle agent.
 */
jest.setTimeout(60_000);

function embedOf(result: InteractionResult): { title?: string; fields?: { name: string; value: string }[] } {
  const embed = result.original?.embeds[0] as
    | { title?: string; fields?: { name: string; value: string }[] }
    | undefined;
  if (!embed) throw new Error(`no embed in ${JSON.stringify(result.original)}`);
  return embed;
}

describe('assistant session when its agent dies', () => {
  let stack: Stack;
  let tts: TtsSandbox;
  let guild: GuildCreated;
  let ana: string;

  beforeAll(async () => {
    tts = await TtsSandbox.start();
    stack = await createStack({ agentCount: 2 });
    guild = stack.createGuild({ name: 'Assistant Failover Guild', voiceChannels: ['Lobby'], agents: 'all' });
    ana = stack.createUser('ana', [guild]);
    await stack.startController();
    await stack.moveVoice(ana, guild, guild.channels.Lobby);
  });

  afterAll(async () => {
    await stack?.close();
    await tts?.stop();
  });

  it('ends the session with a notice in the text channel; the next join gets the other agent', async () => {
    const env = { TTS_URL: `${tts.url}/tts` };
    const runner1 = await stack.startExtraRunner({ capacity: 1, env });
    await stack.waitForAgents(guild.guildId, 1);
    const registry = stack.get(AgentRegistry);
    const [agentA] = [...registry.agentIdsInGuild(guild.guildId)];
    const botA = registry.get(agentA)!.botUserId;

    const joined = await stack.slash(ana, guild, 'assistant', { subcommand: 'join' });
    expect(field(embedOf(joined), 'Agent')).toBe(`<@${botA}>`);
    await stack.startExtraRunner({ capacity: 1, env });
    await stack.waitForAgents(guild.guildId, 2);
    const agentB = [...registry.agentIdsInGuild(guild.guildId)].find((id) => id !== agentA)!;
    const botB = registry.get(agentB)!.botUserId;

    runner1.child.kill('SIGKILL');
    await runner1.exited;

    await until(
      () =>
        stack.discord.control
          .listMessages(guild.textChannelIds[0])
          .some(
            (m) =>
              m.content ===
              `<@${botA}> went offline, so the assistant session in <#${guild.channels.Lobby}> ended.`,
          ),
      'the assistant notice in the text channel',
    );
    expect(stack.get(SessionRegistry).size).toBe(0);

    const again = await stack.slash(ana, guild, 'assistant', { subcommand: 'join' });
    expect(embedOf(again).title).toBe('Assistant joined');
    expect(field(embedOf(again), 'Agent')).toBe(`<@${botB}>`);
    expect([...stack.get(SessionRegistry).all()]).toEqual([
      expect.objectContaining({ kind: 'assistant', agentId: agentB }),
    ]);
  });
});

function field(embed: { fields?: { name: string; value: string }[] }, name: string): string | undefined {
  return embed.fields?.find((f) => f.name === name)?.value;
}
