import { ProtocolErrorCode } from '@app/protocol';
import { AgentRpcException } from '../agent-gateway';
import { CommandReplyError } from '../discord';
import {
  MusicAllocationException,
  MusicErrorCode,
  MusicException,
  MusicSessionMissingException,
} from './music.exception';
import {
  allocationFailureSentence,
  formatDuration,
  type MusicReplyContext,
  playEmbed,
  rpcErrorSentence,
  toMusicReplyError,
} from './music-replies';

const names: Record<string, string> = { vc1: 'Music 1', vc2: 'Music 2', vc3: 'Chill' };
const context: MusicReplyContext = {
  channelName: (id) => `🔊 ${names[id] ?? id}`,
  agentMention: (agentId) => `<@bot-of-${agentId}>`,
};

describe('music replies', () => {
  it('A2: no agents in the guild', () => {
    expect(allocationFailureSentence(ProtocolErrorCode.NoAgentsInGuild, [], context)).toBe(
      'No agents are in this server yet — a server admin can add some with /agents deploy.',
    );
  });

  it('A3: no free agents names every busy channel', () => {
    const busy = ['vc1', 'vc2', 'vc3'].map((voiceChannelId, i) => ({
      agentId: `agent${i}`,
      voiceChannelId,
      kind: 'music' as const,
    }));

    expect(allocationFailureSentence(ProtocolErrorCode.NoFreeAgents, busy, context)).toBe(
      'No free agents: all 3 agents in this server are busy in 🔊 Music 1, 🔊 Music 2, 🔊 Chill — add more with /agents deploy.',
    );
    expect(allocationFailureSentence(ProtocolErrorCode.NoFreeAgents, busy.slice(0, 1), context)).toBe(
      'No free agents: the only agent in this server is busy in 🔊 Music 1 — add more with /agents deploy.',
    );
  });

  it.each([
    [ProtocolErrorCode.AgentOffline, /went offline/],
    [ProtocolErrorCode.AgentTimeout, /did not answer in time/],
    [ProtocolErrorCode.CircuitOpen, /failing repeatedly/],
    [ProtocolErrorCode.NotInVoice, /not in a voice channel/],
    [ProtocolErrorCode.NoResults, /Nothing matched/],
  ])('RPC failure %s becomes a sentence naming what to do', (code, expected) => {
    const sentence = rpcErrorSentence(code, '<@1>');

    expect(sentence).toMatch(expected);
    expect(sentence).toMatch(/\.$/);
  });

  it('maps known failures to reply errors and leaves unknown ones to the generic answer', () => {
    const invalid = toMusicReplyError(new MusicException(MusicErrorCode.UserNotInVoice, 'x'), context);
    expect(invalid).toEqual(
      new CommandReplyError('Join a voice channel first, then run the command again.', 'invalid'),
    );

    const rpc = toMusicReplyError(
      new AgentRpcException(ProtocolErrorCode.AgentTimeout, 'timeout', 'agent7', 'music.play'),
      context,
    );
    expect(rpc).toBeInstanceOf(CommandReplyError);
    expect((rpc as Error).message).toBe(
      '<@bot-of-agent7> did not answer in time. Please try again in a moment.',
    );

    const allocation = toMusicReplyError(
      new MusicAllocationException(ProtocolErrorCode.NoAgentsInGuild, []),
      context,
    );
    expect((allocation as Error).message).toMatch(/^No agents are in this server yet/);
    for (const reason of [
      ProtocolErrorCode.NoAgentsInGuild,
      ProtocolErrorCode.NoFreeAgents,
      ProtocolErrorCode.PoolNotAccessible,
    ] as const) {
      const refusal = toMusicReplyError(new MusicAllocationException(reason, []), context);
      expect({ reason, status: (refusal as CommandReplyError).status }).toEqual({
        reason,
        status: 'refused',
      });
    }

    const missing = toMusicReplyError(
      new MusicSessionMissingException(ProtocolErrorCode.NoSession, null),
      context,
    );
    expect((missing as Error).message).toBe(
      'No music is playing in your voice channel — start something with /music play.',
    );

    const internal = new AgentRpcException(ProtocolErrorCode.Internal, 'boom', 'agent7', 'music.play');
    expect(toMusicReplyError(internal, context)).toBe(internal);
    const unknown = new TypeError('bug');
    expect(toMusicReplyError(unknown, context)).toBe(unknown);
  });

  it('formats durations as m:ss, h:mm:ss and live', () => {
    expect(formatDuration(212_000)).toBe('3:32');
    expect(formatDuration(3_725_000)).toBe('1:02:05');
    expect(formatDuration(0)).toBe('live');
  });

  it('the play embed names the track, the agent and the channel', () => {
    const sut = playEmbed(
      {
        track: {
          title: 'Neon *Harbor*',
          author: 'The Paper Lanterns',
          uri: 'https://youtu.be/x',
          durationMs: 212_000,
        },
        queuePosition: 2,
        added: 1,
        queueLength: 2,
      },
      '<@42>',
      '🔊 Music 1',
    ).toJSON();

    expect(sut.title).toBe('Queued at position 2');
    expect(sut.description).toBe('**[Neon \\*Harbor\\*](https://youtu.be/x)**\nby The Paper Lanterns');
    expect(sut.fields).toEqual([
      { name: 'Duration', value: '3:32', inline: true },
      { name: 'Agent', value: '<@42>', inline: true },
      { name: 'Channel', value: '🔊 Music 1', inline: true },
    ]);
  });
});
