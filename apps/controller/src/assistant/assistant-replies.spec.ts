import { ProtocolErrorCode } from '@app/protocol';
import { AgentRpcException } from '../agent-gateway';
import { CommandReplyError } from '../discord';
import {
  AssistantAllocationException,
  AssistantErrorCode,
  AssistantException,
  AssistantSessionMissingException,
} from './assistant.exception';
import {
  assistantRpcErrorSentence,
  type AssistantReplyContext,
  sayEmbed,
  statusEmbed,
  toAssistantReplyError,
} from './assistant-replies';

const context: AssistantReplyContext = {
  channelName: (id) => `🔊 ${id === 'vc1' ? 'Lobby' : id}`,
  agentMention: (agentId) => `<@bot-of-${agentId}>`,
};

describe('assistant replies', () => {
  it('a failed allocation names the busy channels', () => {
    const sut = toAssistantReplyError(
      new AssistantAllocationException(ProtocolErrorCode.NoFreeAgents, [
        { agentId: 'a1', voiceChannelId: 'vc1', kind: 'music' },
      ]),
      context,
    );

    expect(sut).toBeInstanceOf(CommandReplyError);
    expect((sut as CommandReplyError).message).toBe(
      'No free agents: the only agent in this server is busy in 🔊 Lobby — add more with /agents deploy.',
    );
  });

  it('allocation refusals label the command metric refused, not error', () => {
    for (const reason of [
      ProtocolErrorCode.NoAgentsInGuild,
      ProtocolErrorCode.NoFreeAgents,
      ProtocolErrorCode.PoolNotAccessible,
    ] as const) {
      const sut = toAssistantReplyError(new AssistantAllocationException(reason, []), context);

      expect({ reason, status: (sut as CommandReplyError).status }).toEqual({ reason, status: 'refused' });
    }
  });

  it('preconditions become "invalid" sentences, a missing session points at /assistant join', () => {
    const invalid = toAssistantReplyError(
      new AssistantException(AssistantErrorCode.InvalidText, 'x'),
      context,
    );
    const missing = toAssistantReplyError(
      new AssistantSessionMissingException(ProtocolErrorCode.NoSession, null),
      context,
    );

    expect(invalid).toEqual(
      new CommandReplyError('The text must be 1–500 characters — shorten it and try again.', 'invalid'),
    );
    expect((missing as CommandReplyError).message).toBe(
      'No assistant is in your voice channel — invite one with /assistant join.',
    );
  });

  it('every protocol error code has a sentence naming no internals; invalid-params stays a generic error', () => {
    for (const code of Object.values(ProtocolErrorCode)) {
      const sentence = assistantRpcErrorSentence(code, '<@1>');
      expect(sentence).toMatch(/[.!]$/);
      expect(sentence).not.toMatch(/undefined|Error|stack/);
    }
    expect(assistantRpcErrorSentence(ProtocolErrorCode.UnsupportedOp, '<@1>')).toBe(
      '<@1> cannot act as a voice assistant (its runner has no text-to-speech service configured).',
    );
    const internal = new AgentRpcException(ProtocolErrorCode.InvalidParams, 'bad', 'agent1', 'assistant.say');
    expect(toAssistantReplyError(internal, context)).toBe(internal);
  });

  it('say and status embeds show queueing, speaking and the queue length', () => {
    expect(sayEmbed({ queued: true }, '<@1>', 'hi').toJSON()).toMatchObject({
      title: 'Queued to say',
      description: '> hi',
    });
    const status = statusEmbed(
      { active: true, voiceChannelId: 'vc1', speaking: true, pending: 2 },
      '<@1>',
      context.channelName,
    ).toJSON();
    expect(status.description).toBe('<@1> is speaking.');
    expect(status.fields).toEqual([
      { name: 'Agent', value: '<@1>', inline: true },
      { name: 'Channel', value: '🔊 Lobby', inline: true },
      { name: 'Queued', value: '2', inline: true },
    ]);
    expect(
      statusEmbed(
        { active: false, voiceChannelId: null, speaking: false, pending: 0 },
        '<@1>',
        context.channelName,
      ).toJSON().description,
    ).toBe('<@1> is not in a voice channel here — use /assistant join.');
  });
});
