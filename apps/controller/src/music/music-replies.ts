import { EmbedBuilder } from 'discord.js';
import { ProtocolErrorCode, type RpcResult, type Track } from '@app/protocol';
import type { AllocationFailureReason, BusyAgent } from '@app/sessions';
import { AgentRpcException } from '../agent-gateway';
import { CommandReplyError } from '../discord';
import {
  MUSIC_EMBED_COLOR,
  MUSIC_QUERY_MAX_LENGTH,
  MUSIC_VOLUME_MAX,
  MUSIC_VOLUME_MIN,
} from './music.constants';
import {
  MusicAllocationException,
  MusicErrorCode,
  MusicException,
  MusicSessionMissingException,
} from './music.exception';

/** How replies name things the user sees: voice channels ("🔊 Music 1") and agents ("<@id>"). */
export interface MusicReplyContext {
  channelName(voiceChannelId: string): string;
  agentMention(agentId: string): string;
}

/** `m:ss` or `h:mm:ss`; `live` for streams (duration 0). */
export function formatDuration(ms: number): string {
  if (ms <= 0) return 'live';
  const total = Math.round(ms / 1000);
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = String(total % 60).padStart(2, '0');
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, '0')}:${seconds}` : `${minutes}:${seconds}`;
}

function trackLine(track: Track): string {
  const title = escapeMarkdown(track.title || 'Unknown title');
  return /^https?:\/\//.test(track.uri) ? `[${title}](${track.uri})` : title;
}

function escapeMarkdown(text: string): string {
  return text.replace(/([\\*_`~|[\]()>])/g, '\\$1');
}

/** The answer to `/music play`: which agent plays what, where. */
export function playEmbed(
  result: RpcResult<'music.play'>,
  agentMention: string,
  channelName: string,
): EmbedBuilder {
  const { track, queuePosition, added } = result;
  const title =
    queuePosition === 0
      ? 'Now playing'
      : `Queued at position ${queuePosition}${added > 1 ? ` (+${added - 1} more)` : ''}`;
  return new EmbedBuilder()
    .setColor(MUSIC_EMBED_COLOR)
    .setTitle(title)
    .setDescription(`**${trackLine(track)}**\nby ${escapeMarkdown(track.author || 'unknown artist')}`)
    .addFields(
      { name: 'Duration', value: formatDuration(track.durationMs), inline: true },
      { name: 'Agent', value: agentMention, inline: true },
      { name: 'Channel', value: channelName, inline: true },
    );
}

/** The answer to `/music queue`. */
export function queueEmbed(result: RpcResult<'music.queue'>, agentMention: string): EmbedBuilder {
  const lines: string[] = [];
  if (result.current) {
    lines.push(
      `**Now:** ${trackLine(result.current.track)} — ${formatDuration(result.current.positionMs)} / ${formatDuration(result.current.track.durationMs)}`,
    );
  } else {
    lines.push('Nothing is playing.');
  }
  const offset = (result.page - 1) * 10;
  result.upcoming.forEach((track, i) =>
    lines.push(`${offset + i + 1}. ${trackLine(track)} (${formatDuration(track.durationMs)})`),
  );
  if (result.total === 0) lines.push('The queue is empty — add songs with /music play.');
  return new EmbedBuilder()
    .setColor(MUSIC_EMBED_COLOR)
    .setTitle('Queue')
    .setDescription(lines.join('\n'))
    .addFields(
      { name: 'Agent', value: agentMention, inline: true },
      { name: 'Upcoming', value: String(result.total), inline: true },
      { name: 'Volume', value: `${result.volume}%`, inline: true },
    )
    .setFooter({ text: `Page ${result.page} of ${Math.max(result.pages, 1)} · loop ${result.loop}` });
}

/** The answer to `/music nowplaying`. */
export function nowPlayingEmbed(result: RpcResult<'music.nowplaying'>, agentMention: string): EmbedBuilder {
  const embed = new EmbedBuilder()
    .setColor(MUSIC_EMBED_COLOR)
    .setTitle(result.paused ? 'Paused' : 'Now playing');
  if (!result.current) return embed.setDescription(`Nothing is playing on ${agentMention}.`);
  const { track, positionMs } = result.current;
  return embed
    .setDescription(`**${trackLine(track)}**\nby ${escapeMarkdown(track.author || 'unknown artist')}`)
    .addFields(
      {
        name: 'Position',
        value: `${formatDuration(positionMs)} / ${formatDuration(track.durationMs)}`,
        inline: true,
      },
      { name: 'Agent', value: agentMention, inline: true },
    );
}

/** A/A2/A3 sentences for a failed allocation. */
export function allocationFailureSentence(
  reason: AllocationFailureReason,
  busy: readonly BusyAgent[],
  context: MusicReplyContext,
): string {
  switch (reason) {
    case ProtocolErrorCode.NoAgentsInGuild:
      return 'No agents are in this server yet — a server admin can add some with /agents deploy.';
    case ProtocolErrorCode.NoFreeAgents: {
      if (busy.length === 0) {
        return 'No free agents: every agent in this server is busy right now — try again shortly, or add more with /agents deploy.';
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
export function musicErrorSentence(code: MusicErrorCode): string {
  switch (code) {
    case MusicErrorCode.GuildOnly:
      return 'Music commands work in a server, not in direct messages.';
    case MusicErrorCode.UserNotInVoice:
      return 'Join a voice channel first, then run the command again.';
    case MusicErrorCode.InvalidQuery:
      return `The search must be 1–${MUSIC_QUERY_MAX_LENGTH} characters — shorten it or paste a link.`;
    case MusicErrorCode.InvalidVolume:
      return `Volume must be a whole number from ${MUSIC_VOLUME_MIN} to ${MUSIC_VOLUME_MAX}.`;
  }
}

/**
 * The one place an agent RPC failure becomes a sentence (exhaustive over the protocol's codes).
 * @param agent the agent's mention, e.g. `<@123>`
 */
export function rpcErrorSentence(code: ProtocolErrorCode, agent: string): string {
  switch (code) {
    case ProtocolErrorCode.AgentOffline:
      return `${agent} went offline, so the music in your channel stopped — start again with /music play and another agent will take over.`;
    case ProtocolErrorCode.AgentTimeout:
      return `${agent} did not answer in time. Please try again in a moment.`;
    case ProtocolErrorCode.CircuitOpen:
      return `${agent} is failing repeatedly, so it is paused for a few seconds. Please try again shortly.`;
    case ProtocolErrorCode.NotInVoice:
      return `${agent} is not in a voice channel here any more — start again with /music play.`;
    case ProtocolErrorCode.NoResults:
      return 'Nothing matched that search — try other words or paste a link.';
    case ProtocolErrorCode.NotPlaying:
      return 'Nothing is playing right now — start something with /music play.';
    case ProtocolErrorCode.QueueIndexOutOfRange:
      return 'There is no track at that position — check /music queue.';
    case ProtocolErrorCode.LavalinkUnavailable:
      return 'The music service is unavailable right now. Please try again in a minute.';
    case ProtocolErrorCode.NoSession:
      return 'No music is playing in your voice channel — start something with /music play.';
    case ProtocolErrorCode.AgentBusy:
      return `${agent} is busy in another channel. Please run the command again.`;
    case ProtocolErrorCode.RateLimited:
      return `${agent} is receiving too many requests. Please try again in a few seconds.`;
    case ProtocolErrorCode.UnsupportedOp:
      return `${agent} cannot do that yet (its runner is older than the controller).`;
    case ProtocolErrorCode.NoAgentsInGuild:
    case ProtocolErrorCode.NoFreeAgents:
    case ProtocolErrorCode.PoolNotAccessible:
      return allocationFailureSentence(code, [], {
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
 * Turns a known `/music` failure into a {@link CommandReplyError} carrying its sentence; returns
 * `error` unchanged when it is unknown (the responder then answers generically with an error id).
 */
export function toMusicReplyError(error: unknown, context: MusicReplyContext): unknown {
  if (error instanceof MusicException) {
    return new CommandReplyError(musicErrorSentence(error.code), 'invalid');
  }
  if (error instanceof MusicAllocationException) {
    return new CommandReplyError(allocationFailureSentence(error.reason, error.busy, context), 'refused');
  }
  if (error instanceof MusicSessionMissingException) {
    const agent = error.agentId ? context.agentMention(error.agentId) : 'The agent';
    return new CommandReplyError(rpcErrorSentence(error.code, agent), 'error');
  }
  if (error instanceof AgentRpcException) {
    const sentence = rpcErrorSentence(error.code, context.agentMention(error.agentId));
    return error.code === ProtocolErrorCode.InvalidParams || error.code === ProtocolErrorCode.Internal
      ? error
      : new CommandReplyError(sentence, 'error');
  }
  return error;
}
