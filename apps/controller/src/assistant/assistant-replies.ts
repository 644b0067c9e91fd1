import { EmbedBuilder } from 'discord.js';
import { ProtocolErrorCode, type RpcResult } from '@app/protocol';
import type { AllocationFailureReason, BusyAgent } from '@app/sessions';
import { AgentRpcException } from '../agent-gateway';
import { CommandReplyError } from '../discord';
import { ASSISTANT_EMBED_COLOR, ASSISTANT_SAY_MAX_LENGTH } from './assistant.constants';
import {
  AssistantAllocationException,
  AssistantErrorCode,
  AssistantException,
  AssistantSessionMissingException,
} from './assistant.exception';

/** How replies name things the user sees: voice channels ("🔊 Lobby") and agents ("<@id>"). */
export interface AssistantReplyContext {
  channelName(voiceChannelId: string): string;
  agentMention(agentId: string): string;
}

/** The answer to `/assistant join`: which agent joined where. */
export function joinEmbed(agentMention: string, channelName: string, reused: boolean): EmbedBuilder {
  return new EmbedBuilder()
    .setColor(ASSISTANT_EMBED_COLOR)
    .setTitle(reused ? 'Assistant already here' : 'Assistant joined')
    .setDescription(`${agentMention} is listening in ${channelName}. Make it speak with /assistant say.`)
    .addFields(
      { name: 'Agent', value: agentMention, inline: true },
      { name: 'Channel', value: channelName, inline: true },
    );
}

/** The answer to `/assistant say`: spoken now or queued behind the current utterance. */
export function sayEmbed(
  result: RpcResult<'assistant.say'>,
  agentMention: string,
  text: string,
): EmbedBuilder {
  const quoted = text.length > 200 ? `${text.slice(0, 199)}…` : text;
  return new EmbedBuilder()
    .setColor(ASSISTANT_EMBED_COLOR)
    .setTitle(result.queued ? 'Queued to say' : 'Saying')
    .setDescription(`> ${quoted.replace(/\n/g, ' ')}`)
    .addFields({ name: 'Agent', value: agentMention, inline: true });
}

/** The answer to `/assistant status`. */
export function statusEmbed(
  result: RpcResult<'assistant.status'>,
  agentMention: string,
  channelName: (voiceChannelId: string) => string,
): EmbedBuilder {
  const embed = new EmbedBuilder().setColor(ASSISTANT_EMBED_COLOR).setTitle('Assistant status');
  if (!result.active || !result.voiceChannelId) {
    return embed.setDescription(`${agentMention} is not in a voice channel here — use /assistant join.`);
  }
  return embed
    .setDescription(
      result.speaking ? `${agentMention} is speaking.` : `${agentMention} is listening, not speaking.`,
    )
    .addFields(
      { name: 'Agent', value: agentMention, inline: true },
      { name: 'Channel', value: channelName(result.voiceChannelId), inline: true },
      { name: 'Queued', value: String(result.pending), inline: true },
    );
}

/** Sentences for a failed assistant allocation. */
export function assistantAllocationSentence(
  reason: AllocationFailureReason,
  busy: readonly BusyAgent[],
  context: AssistantReplyContext,
): string {
  switch (reason) {
    case ProtocolErrorCode.NoAgentsInGuild:
      return 'No agents are in this server yet — a server admin can add some with /agents deploy.';
    case ProtocolErrorCode.NoFreeAgents: {
      if (busy.length === 0) {
        return 'No free agents: every agent in this server is busy or cannot act as an assistant right now — try again shortly.';
      }
      const channels = busy.map((agent) => context.channelName(agent.voiceChannelId)).join(', ');
      const count = busy.length === 1 ? 'the only agent' : `all ${busy.length} agents`;
      return `No free agents: ${count} in this server ${busy.length === 1 ? 'is' : 'are'} busy in ${channels} — add more with /agents deploy.`;
    }
    case ProtocolErrorCode.PoolNotAccessible:
      return "This server's agents belong to a pool it may no longer use — a server admin can pick another pool with /pools select.";
  }
}

/** The sentence for a precondition that failed before any agent was asked. */
export function assistantErrorSentence(code: AssistantErrorCode): string {
  switch (code) {
    case AssistantErrorCode.GuildOnly:
      return 'Assistant commands work in a server, not in direct messages.';
    case AssistantErrorCode.UserNotInVoice:
      return 'Join a voice channel first, then run the command again.';
    case AssistantErrorCode.InvalidText:
      return `The text must be 1–${ASSISTANT_SAY_MAX_LENGTH} characters — shorten it and try again.`;
  }
}

/**
 * The one place an agent RPC failure of an `/assistant` command becomes a sentence (exhaustive
 * over the protocol's codes).
 * @param agent the agent's mention, e.g. `<@123>`
 */
export function assistantRpcErrorSentence(code: ProtocolErrorCode, agent: string): string {
  switch (code) {
    case ProtocolErrorCode.AgentOffline:
      return `${agent} went offline, so the assistant in your channel left — run /assistant join and another agent will take over.`;
    case ProtocolErrorCode.AgentTimeout:
      return `${agent} did not answer in time. Please try again in a moment.`;
    case ProtocolErrorCode.CircuitOpen:
      return `${agent} is failing repeatedly, so it is paused for a few seconds. Please try again shortly.`;
    case ProtocolErrorCode.NotInVoice:
      return `${agent} is not in your voice channel any more — run /assistant join again.`;
    case ProtocolErrorCode.NoResults:
      return `${agent} could not get the speech for that text from the voice service. Please try again in a minute.`;
    case ProtocolErrorCode.NotPlaying:
    case ProtocolErrorCode.QueueIndexOutOfRange:
      return `${agent} has nothing like that to act on right now.`;
    case ProtocolErrorCode.LavalinkUnavailable:
      return 'The audio service is unavailable right now. Please try again in a minute.';
    case ProtocolErrorCode.NoSession:
      return 'No assistant is in your voice channel — invite one with /assistant join.';
    case ProtocolErrorCode.AgentBusy:
      return `${agent} is busy with something else in this server. Please run the command again.`;
    case ProtocolErrorCode.RateLimited:
      return `${agent} is receiving too many requests. Please try again in a few seconds.`;
    case ProtocolErrorCode.UnsupportedOp:
      return `${agent} cannot act as a voice assistant (its runner has no text-to-speech service configured).`;
    case ProtocolErrorCode.NoAgentsInGuild:
    case ProtocolErrorCode.NoFreeAgents:
    case ProtocolErrorCode.PoolNotAccessible:
      return assistantAllocationSentence(code, [], {
        channelName: (id) => `<#${id}>`,
        agentMention: () => agent,
      });
    case ProtocolErrorCode.HelloRequired:
    case ProtocolErrorCode.AuthFailed:
    case ProtocolErrorCode.VersionRequired:
    case ProtocolErrorCode.VersionUnsupported:
    case ProtocolErrorCode.FrameTooLarge:
    case ProtocolErrorCode.FrameInvalid:
    case ProtocolErrorCode.ConnectionLimit:
    case ProtocolErrorCode.Stale:
    case ProtocolErrorCode.Replaced:
    case ProtocolErrorCode.ShuttingDown:
    case ProtocolErrorCode.AgentNotLeased:
    case ProtocolErrorCode.InvalidParams:
    case ProtocolErrorCode.Internal:
      return `${agent} could not do that because of a problem on our side. Please try again in a moment.`;
  }
}

/**
 * Turns a known `/assistant` failure into a {@link CommandReplyError} carrying its sentence;
 * returns `error` unchanged when it is unknown (the responder then answers generically with an
 * error id).
 */
export function toAssistantReplyError(error: unknown, context: AssistantReplyContext): unknown {
  if (error instanceof AssistantException) {
    return new CommandReplyError(assistantErrorSentence(error.code), 'invalid');
  }
  if (error instanceof AssistantAllocationException) {
    return new CommandReplyError(assistantAllocationSentence(error.reason, error.busy, context), 'refused');
  }
  if (error instanceof AssistantSessionMissingException) {
    const agent = error.agentId ? context.agentMention(error.agentId) : 'The assistant';
    return new CommandReplyError(assistantRpcErrorSentence(error.code, agent), 'error');
  }
  if (error instanceof AgentRpcException) {
    const sentence = assistantRpcErrorSentence(error.code, context.agentMention(error.agentId));
    return error.code === ProtocolErrorCode.InvalidParams || error.code === ProtocolErrorCode.Internal
      ? error
      : new CommandReplyError(sentence, 'error');
  }
  return error;
}
