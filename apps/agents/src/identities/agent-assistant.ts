import type { RpcParams, RpcResult, SessionReport } from '@app/protocol';
import { MAX_SAY_LENGTH, ProtocolErrorCode } from '@app/protocol';
import type { LavalinkManager, Player, SearchResult } from 'lavalink-client';
import { AgentRpcException } from '../control/agent-rpc.exception';
import { waitForLavalinkNode, waitForVoice } from './lavalink-readiness';

/** Where an identity's assistant fetches speech: `GET <url>?text=…&voice=…` answering audio. */
export interface TtsEndpoint {
  /** Absolute `http(s)://` URL of the TTS endpoint, e.g. `http://tts:5002/tts` (`TTS_URL`). */
  url: string;
  /** Voice name sent as `voice` (`TTS_VOICE`, `[A-Za-z0-9_-]{1,32}`). */
  voice: string;
}

/** What the assistant ops need from their identity. */
export interface AssistantHost {
  /** Checks the guild and voice channel exist for this bot. @throws AgentRpcException */
  assertVoiceTarget(guildId: string, voiceChannelId: string): void;
  /** The voice channel the bot sits in (Discord's view), or null. */
  voiceChannelOf(guildId: string): string | null;
  /** Called after any op that changed a session (to send `session.report`). */
  sessionsChanged(): void;
}

/** Per-guild state of an assistant session beside its lavalink-client player. */
interface AssistantMeta {
  textChannelId: string | null;
  lastActivityAt: number;
}

/**
 * The URL that renders `text` as speech: `endpoint.url` with `text` and `voice` set as
 * URL-encoded query parameters (existing query parameters of `endpoint.url` are kept).
 * @param text 1–{@link MAX_SAY_LENGTH} characters (already validated by the `assistant.say` schema)
 * @throws AgentRpcException `invalid-params` when `text` is blank or longer than 500 characters
 */
export function ttsUrlFor(endpoint: TtsEndpoint, text: string): string {
  const trimmed = text.trim();
  if (trimmed.length === 0 || [...trimmed].length > MAX_SAY_LENGTH)
    throw new AgentRpcException(
      ProtocolErrorCode.InvalidParams,
      `The text to say must be 1–${MAX_SAY_LENGTH} characters.`,
    );
  const url = new URL(endpoint.url);
  url.searchParams.set('text', trimmed);
  url.searchParams.set('voice', endpoint.voice);
  return url.toString();
}

/**
 * The voice assistant ops of one agent identity (SPEC §4 `assistant.join|say|leave|status`) on
 * the identity's own `LavalinkManager`. Speech is fetched by Lavalink itself: `say` builds the TTS
 * URL ({@link ttsUrlFor}) and loads it with `/v4/loadtracks` (Lavalink's `http` source manager
 * plays remote audio files — Lavalink v4 docs, "Sources"), then plays it or queues it behind the
 * utterance being spoken (lavalink-client `autoSkip` plays the next one when a track ends).
 *
 * An agent holds at most one session per guild (SPEC §5), so an assistant session owns the
 * guild's player; {@link owns} tells the identity which guilds are assistant's. Domain failures
 * throw {@link AgentRpcException}: `agent-busy` (the guild's player belongs to a music session),
 * `not-in-voice` (no assistant session / join timed out), `no-results` (the TTS audio could not be
 * loaded), `lavalink-unavailable`.
 */
export class AgentAssistant {
  private readonly meta = new Map<string, AssistantMeta>();

  constructor(
    private readonly manager: LavalinkManager,
    private readonly host: AssistantHost,
    private readonly tts: TtsEndpoint,
  ) {
    manager.on('playerDestroy', (player) => {
      if (this.meta.delete(player.guildId)) host.sessionsChanged();
    });
  }

  /** True when the guild's player belongs to an assistant session. */
  owns(guildId: string): boolean {
    return this.meta.has(guildId);
  }

  /**
   * Joins (or moves to) the voice channel with the guild's player.
   * @throws AgentRpcException `agent-busy` when a music session holds the guild's player,
   *   `not-in-voice` when Discord did not confirm the join in 10 s, `lavalink-unavailable`
   */
  async join(params: RpcParams<'assistant.join'>): Promise<RpcResult<'assistant.join'>> {
    await this.connect(params.guildId, params.voiceChannelId, params.textChannelId ?? null);
    this.host.sessionsChanged();
    return { guildId: params.guildId, voiceChannelId: params.voiceChannelId };
  }

  /**
   * Speaks `text`: loads the TTS audio through Lavalink and plays it, or queues it behind the
   * utterance being spoken (`queued: true`).
   * @throws AgentRpcException `not-in-voice` without an assistant session in the guild,
   *   `no-results` when Lavalink could not load the audio
   */
  async say(params: RpcParams<'assistant.say'>): Promise<RpcResult<'assistant.say'>> {
    const player = this.player(params.guildId);
    const url = ttsUrlFor(this.tts, params.text);
    let result: SearchResult;
    try {
      result = (await player.search({ query: url }, null)) as SearchResult;
    } catch (error) {
      throw new AgentRpcException(
        ProtocolErrorCode.NoResults,
        `The speech could not be loaded: ${(error as Error).message}`.slice(0, 200),
      );
    }
    const track = result.tracks[0];
    if (result.loadType === 'error' || result.loadType === 'empty' || !track)
      throw new AgentRpcException(ProtocolErrorCode.NoResults, 'The speech could not be loaded.');
    const queued = Boolean(player.queue.current);
    await player.queue.add(track);
    if (!queued) await player.play({ paused: false });
    this.touch(params.guildId);
    return { queued };
  }

  /** Leaves voice, destroying the player; false when the guild had no assistant session. */
  async leave(guildId: string): Promise<boolean> {
    const player = this.manager.getPlayer(guildId);
    if (!player || !this.meta.has(guildId)) return false;
    this.meta.delete(guildId);
    await player.destroy('assistant.leave', true);
    this.host.sessionsChanged();
    return true;
  }

  /** Whether an assistant session exists in the guild, where, and what it is saying. */
  status(guildId: string): RpcResult<'assistant.status'> {
    const player = this.meta.has(guildId) ? this.manager.getPlayer(guildId) : undefined;
    if (!player) return { active: false, voiceChannelId: null, speaking: false, pending: 0 };
    return {
      active: true,
      voiceChannelId: player.voiceChannelId ?? this.host.voiceChannelOf(guildId),
      speaking: Boolean(player.queue.current),
      pending: player.queue.tracks.length,
    };
  }

  /** Assistant sessions (kind `assistant`), for `session.report`. */
  sessions(): SessionReport[] {
    const out: SessionReport[] = [];
    for (const [guildId, meta] of this.meta) {
      const player = this.manager.getPlayer(guildId);
      const voiceChannelId = player?.voiceChannelId ?? this.host.voiceChannelOf(guildId);
      if (!voiceChannelId) continue;
      out.push({
        guildId,
        voiceChannelId,
        textChannelId: meta.textChannelId,
        kind: 'assistant',
        lastActivityAt: meta.lastActivityAt,
      });
    }
    return out;
  }

  private async connect(
    guildId: string,
    voiceChannelId: string,
    textChannelId: string | null,
  ): Promise<Player> {
    this.host.assertVoiceTarget(guildId, voiceChannelId);
    await waitForLavalinkNode(this.manager);
    let player = this.manager.getPlayer(guildId);
    if (player && !this.meta.has(guildId))
      throw new AgentRpcException(
        ProtocolErrorCode.AgentBusy,
        'The agent holds a music session in this guild.',
      );
    if (!player) {
      player = this.manager.createPlayer({
        guildId,
        voiceChannelId,
        textChannelId: textChannelId ?? undefined,
        selfDeaf: true,
        volume: 100,
      });
      this.meta.set(guildId, { textChannelId, lastActivityAt: Date.now() });
    } else if (player.voiceChannelId !== voiceChannelId) {
      await player.changeVoiceState({ voiceChannelId });
    }
    const meta = this.meta.get(guildId);
    if (meta && textChannelId) meta.textChannelId = textChannelId;
    if (!player.connected || this.host.voiceChannelOf(guildId) !== voiceChannelId) {
      if (!player.voice?.endpoint || this.host.voiceChannelOf(guildId) !== voiceChannelId)
        await player.connect();
      try {
        await waitForVoice(player, voiceChannelId, (guildId) => this.host.voiceChannelOf(guildId));
      } catch (error) {
        this.meta.delete(guildId);
        await player.destroy('assistant.join-failed', true).catch(() => undefined);
        throw error;
      }
    }
    this.touch(guildId);
    return player;
  }

  private player(guildId: string): Player {
    const player = this.meta.has(guildId) ? this.manager.getPlayer(guildId) : undefined;
    if (!player)
      throw new AgentRpcException(
        ProtocolErrorCode.NotInVoice,
        'The assistant is not in a voice channel in this guild.',
      );
    return player;
  }

  private touch(guildId: string): void {
    const meta = this.meta.get(guildId);
    if (meta) meta.lastActivityAt = Date.now();
  }
}
