import type { InteractionResult } from '@app/sandbox';
import { classifyPlay } from './music-scenario';

function answered(
  original: { content?: string; embeds?: unknown[] } | null,
  error?: string,
): InteractionResult {
  return {
    interactionId: '1',
    acknowledged: 'deferred',
    ephemeral: false,
    messages: [],
    original: original && {
      id: '2',
      content: original.content ?? '',
      embeds: original.embeds ?? [],
      components: [],
      flags: 0,
      ephemeral: false,
      loading: false,
    },
    edits: [],
    followUps: [],
    timings: { ackMs: 5, completedMs: 40, lastEditMs: 40 },
    ...(error ? { error: 'no-ack-within-deadline' as const } : {}),
  };
}

describe(classifyPlay.name, () => {
  const sut = classifyPlay;

  it('reads the agent a "Now playing" embed names, on one line', () => {
    const embed = {
      title: 'Now playing',
      description: '**[Neon Harbor](https://www.youtube.com/watch?v=cSb7kQ2rT4a)**\nby The Paper Lanterns',
      fields: [{ name: 'Agent', value: '<@1576584587511988230>' }],
    };

    expect(sut(answered({ embeds: [embed] }))).toEqual({
      kind: 'playing',
      agentBotUserId: '1576584587511988230',
      text: 'Now playing: **[Neon Harbor](https://www.youtube.com/watch?v=cSb7kQ2rT4a)** by The Paper Lanterns',
    });
  });

  it('A3: recognises the "no free agents" answer', () => {
    const content =
      'No free agents: all 2 agents in this server are busy in 🔊 Raid, 🔊 Lobby — add more with /agents deploy.';

    expect(sut(answered({ content }))).toEqual({ kind: 'no-free-agents', text: content });
  });

  it('anything else, or no answer in time, is a failure with the reason', () => {
    expect(sut(answered({ content: 'Join a voice channel first.' }))).toEqual({
      kind: 'failed',
      text: 'Join a voice channel first.',
    });
    expect(sut(answered(null, 'no-ack-within-deadline'))).toEqual({
      kind: 'failed',
      text: 'no-ack-within-deadline',
    });
  });
});
