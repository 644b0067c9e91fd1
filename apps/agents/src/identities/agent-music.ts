import type {
  CurrentTrack,
  LoopMode,
  QueueSnapshot,
  RpcParams,
  RpcResult,
  SessionReport,
} from '@app/protocol';
import { MAX_QUEUE_SNAPSHOT_TRACKS, ProtocolErrorCode } from '@app/protocol';
import type { LavalinkManager, Player, SearchResult, Track, UnresolvedTrack } from 'lavalink-client';
import { AgentRpcException } from '../control/agent-rpc.exception';
import { delay, lavalinkNodeUsable, waitForLavalinkNode, waitForVoice } from './lavalink-readiness';
import { toProtocolTrack, type TrackRequester } from './track-mapping';

/** Upcoming tracks per `music.queue` page (SPEC §6). */
export const QUEUE_PAGE_SIZE = 10;

/** What the music ops need from their identity. */
export interface MusicHost {
  /** Checks the guild and voice channel exist for this bot. @throws AgentRpcException */
  assertVoiceTarget(guildId: string, voiceChannelId: string): void;
  /** The voice channel the bot sits in (Discord's view), or null. */
  voiceChannelOf(guildId: string): string | null;
  /** Called after any op that changed a session (to send `session.report`). */
  sessionsChanged(): void;
}

/** Per-guild data the runner keeps beside the lavalink-client player. */
interface SessionMeta {
  ownerUserId: string | null;
  textChannelId: string | null;
  lastActivityAt: number;
}

const URL_QUERY = /^https?:\/\//i;

/**
 * The music ops of one agent identity (SPEC §4) on its own `LavalinkManager`: every player here
 * belongs to this identity only, so a command to agent X never touches agent Y's player
 * (ACCEPTANCE B12). Results follow the `rpcOps` result schemas; domain failures throw
 * {@link AgentRpcException} (`not-in-voice`, `not-playing`, `queue-index-out-of-range`,
 * `no-results`, `lavalink-unavailable`).
 */
export class AgentMusic {
  private readonly meta = new Map<string, SessionMeta>();
  /**
   * Guilds whose player was just started paused (failover of a paused queue, node rebuild).
   * Lavalink sends TrackStartEvent for a paused player too, and lavalink-client then marks the
   * player playing; the first track start of such a player puts the paused state back.
   */
  private readonly startingPaused = new Set<string>();

  constructor(
    private readonly manager: LavalinkManager,
    private readonly host: MusicHost,
  ) {
    manager.on('playerDestroy', (player) => {
      this.meta.delete(player.guildId);
      this.startingPaused.delete(player.guildId);
      host.sessionsChanged();
    });
    // lavalink-client emits `disconnect` right before it moves the node's players elsewhere
    // (autoMove), and the move restarts each track from `lastPosition` — the position of the last
    // playerUpdate, up to one update interval old. Bring it forward to the moment the node went
    // away so a moved (or later rebuilt) player resumes where it really was (ACCEPTANCE B9, ±2 s).
    manager.nodeManager.on('disconnect', (node) => this.settlePositions(node.id));
    // Registered before the identity's own trackStart listener, so its report sees the fix.
    manager.on('trackStart', (player) => {
      if (!this.startingPaused.delete(player.guildId)) return;
      player.paused = true;
      player.playing = false;
    });
  }

  /**
   * Keeps playback across Lavalink node restarts (ACCEPTANCE B7, B8). On every node `ready` the
   * session is made resumable for `resumeTimeoutSeconds` (Lavalink v4 `PATCH /v4/sessions/{id}`,
   * timeout in seconds) and the node reconnects with that `Session-Id`. When the node resumed the
   * session, its players kept playing. When it answered with a new session (restart, or the
   * timeout passed), every player this manager still holds on that node is rebuilt: voice state
   * sent again, then the current track from its last known position; a player that cannot be
   * rebuilt is destroyed, so no agent stays busy with a silent player.
   */
  keepAcrossNodeRestarts(resumeTimeoutSeconds: number): void {
    this.manager.nodeManager.on('raw', (node, payload) => {
      const ready = payload as { op?: string; resumed?: boolean; sessionId?: string };
      if (ready.op !== 'ready' || !ready.sessionId) return;
      const sessionId = ready.sessionId;
      void (async () => {
        // `raw` fires before lavalink-client processed the op: wait until the node took the session.
        for (let waited = 0; node.sessionId !== sessionId && waited < 2_000; waited += 10) await delay(10);
        if (resumeTimeoutSeconds > 0) {
          await node.updateSession(true, resumeTimeoutSeconds).catch(() => null);
          node.options.sessionId = sessionId;
        }
        if (ready.resumed) {
          for (const player of this.manager.players.values()) {
            if (player.node.id === node.id && player.queue.current) player.playing = !player.paused;
          }
          return;
        }
        for (const player of [...this.manager.players.values()]) {
          if (player.node.id === node.id) await this.rebuild(player);
        }
      })();
    });
  }

  /**
   * Sets `lastPosition` of every playing (not paused) player on `nodeId` to its estimated position
   * now (last reported position + wall time since that report), as of now.
   */
  private settlePositions(nodeId: string): void {
    const now = Date.now();
    for (const player of this.manager.players.values()) {
      if (player.node?.id !== nodeId || !player.queue.current || player.paused || !player.lastPositionChange)
        continue;
      const duration = player.queue.current.info.duration;
      const estimate = player.lastPosition + (now - player.lastPositionChange);
      player.lastPosition = duration > 0 ? Math.min(estimate, duration) : estimate;
      player.lastPositionChange = now;
    }
  }

  private async rebuild(player: Player): Promise<void> {
    const current = player.queue.current;
    try {
      if (player.voice?.token && player.voice.endpoint && player.voice.sessionId && player.voice.channelId) {
        await player.node.updatePlayer({ guildId: player.guildId, playerOptions: { voice: player.voice } });
      }
      if (current) {
        if (player.paused) this.startingPaused.add(player.guildId);
        await player.play({
          clientTrack: current,
          position: Math.max(0, Math.round(player.lastPosition)),
          paused: player.paused,
          volume: player.volume,
        });
      }
    } catch {
      await player.destroy('lavalink-session-lost', true).catch(() => undefined);
    }
  }

  /** Whether any node is connected and usable. */
  get nodeUsable(): boolean {
    return lavalinkNodeUsable(this.manager);
  }

  /** Connection state per node. */
  nodes(): { nodeId: string; connected: boolean }[] {
    return [...this.manager.nodeManager.nodes.values()].map((node) => ({
      nodeId: node.id.slice(0, 64),
      connected: Boolean(node.connected && node.sessionId),
    }));
  }

  /** Joins or moves to a voice channel (creating the player). */
  async join(params: RpcParams<'voice.join'>): Promise<RpcResult<'voice.join'>> {
    await this.connectPlayer(params.guildId, params.voiceChannelId, params.textChannelId ?? null, null);
    this.host.sessionsChanged();
    return { guildId: params.guildId, voiceChannelId: params.voiceChannelId };
  }

  /** Leaves voice, destroying the player. */
  async leave(guildId: string): Promise<boolean> {
    const player = this.manager.getPlayer(guildId);
    if (!player) return false;
    await player.destroy('voice.leave', true);
    this.meta.delete(guildId);
    this.host.sessionsChanged();
    return true;
  }

  async play(params: RpcParams<'music.play'>): Promise<RpcResult<'music.play'>> {
    const player = await this.connectPlayer(
      params.guildId,
      params.voiceChannelId,
      params.textChannelId ?? null,
      params.requestedBy,
    );
    const requester: TrackRequester = { id: params.requestedBy };
    const result = await this.resolve(player, params.query, requester);
    const tracks = result.loadType === 'playlist' ? result.tracks : result.tracks.slice(0, 1);
    const first = tracks[0];
    if (!first) throw new AgentRpcException(ProtocolErrorCode.NoResults, `Nothing found for that query.`);
    const idle = !player.queue.current;
    await player.queue.add(tracks);
    let queuePosition: number;
    if (idle) {
      await player.play({ paused: false });
      queuePosition = 0;
    } else {
      queuePosition = player.queue.tracks.length - tracks.length + 1;
    }
    this.touch(params.guildId);
    this.host.sessionsChanged();
    return {
      track: toProtocolTrack(first),
      queuePosition,
      added: tracks.length,
      queueLength: player.queue.tracks.length,
    };
  }

  async search(params: RpcParams<'music.search'>): Promise<RpcResult<'music.search'>> {
    await waitForLavalinkNode(this.manager);
    const node = this.manager.nodeManager.leastUsedNodes()[0];
    if (!node) throw unavailable();
    const result = await node.search(
      URL_QUERY.test(params.query) ? { query: params.query } : { query: params.query, source: 'ytsearch' },
      null,
    );
    // Nobody requested search results: drop the requester lavalink-client fills in by default.
    return {
      tracks: result.tracks.slice(0, params.limit ?? 10).map((track) => {
        const { requestedBy: _requestedBy, ...rest } = toProtocolTrack(track);
        return rest;
      }),
    };
  }

  async skip(guildId: string): Promise<RpcResult<'music.skip'>> {
    const player = this.playing(guildId);
    const skipped = toProtocolTrack(player.queue.current as Track);
    const upcoming = player.queue.tracks[0];
    if (upcoming) await player.skip(0, false);
    else await player.stopPlaying(false, false);
    this.touch(guildId);
    this.host.sessionsChanged();
    return { skipped, next: upcoming ? toProtocolTrack(upcoming) : null };
  }

  async pause(guildId: string): Promise<RpcResult<'music.pause'>> {
    const player = this.playing(guildId);
    if (!player.paused) await player.pause();
    this.touch(guildId);
    // Reported at once, so a failover or a restarted controller knows the player is paused.
    this.host.sessionsChanged();
    return { paused: true };
  }

  async resume(guildId: string): Promise<RpcResult<'music.resume'>> {
    const player = this.playing(guildId);
    if (player.paused) await player.resume();
    this.touch(guildId);
    this.host.sessionsChanged();
    return { paused: false };
  }

  async stop(guildId: string): Promise<RpcResult<'music.stop'>> {
    const player = this.player(guildId);
    const had = Boolean(player.queue.current) || player.queue.tracks.length > 0;
    if (had) await player.stopPlaying(true, false);
    this.touch(guildId);
    this.host.sessionsChanged();
    return { stopped: had };
  }

  async volume(guildId: string, volume: number): Promise<RpcResult<'music.volume'>> {
    const player = this.player(guildId);
    await player.setVolume(volume);
    this.touch(guildId);
    return { volume };
  }

  queue(guildId: string, page = 1): RpcResult<'music.queue'> {
    const player = this.player(guildId);
    const total = player.queue.tracks.length;
    const pages = Math.ceil(total / QUEUE_PAGE_SIZE);
    const start = (page - 1) * QUEUE_PAGE_SIZE;
    return {
      current: this.current(player),
      upcoming: player.queue.tracks.slice(start, start + QUEUE_PAGE_SIZE).map(toProtocolTrack),
      page,
      pages,
      total,
      loop: player.repeatMode as LoopMode,
      volume: clampVolume(player.volume),
    };
  }

  nowPlaying(guildId: string): RpcResult<'music.nowplaying'> {
    const player = this.player(guildId);
    return { current: this.current(player), paused: player.paused };
  }

  async remove(guildId: string, index: number): Promise<RpcResult<'music.remove'>> {
    const player = this.player(guildId);
    this.assertIndex(player, index);
    const [removed] = await spliceQueue(player, index - 1, 1);
    this.touch(guildId);
    this.host.sessionsChanged();
    return { removed: toProtocolTrack(removed) };
  }

  async move(guildId: string, from: number, to: number): Promise<RpcResult<'music.move'>> {
    const player = this.player(guildId);
    this.assertIndex(player, from);
    this.assertIndex(player, to);
    const [moved] = await spliceQueue(player, from - 1, 1);
    await spliceQueue(player, to - 1, 0, moved);
    this.touch(guildId);
    this.host.sessionsChanged();
    return { moved: toProtocolTrack(moved), to };
  }

  async shuffle(guildId: string): Promise<RpcResult<'music.shuffle'>> {
    const player = this.player(guildId);
    const count = player.queue.tracks.length > 1 ? await player.queue.shuffle() : player.queue.tracks.length;
    this.touch(guildId);
    this.host.sessionsChanged();
    return { count };
  }

  async clear(guildId: string): Promise<RpcResult<'music.clear'>> {
    const player = this.player(guildId);
    const cleared = player.queue.tracks.length;
    if (cleared > 0) await spliceQueue(player, 0, cleared);
    this.touch(guildId);
    this.host.sessionsChanged();
    return { cleared };
  }

  async loop(guildId: string, mode: LoopMode): Promise<RpcResult<'music.loop'>> {
    const player = this.player(guildId);
    await player.setRepeatMode(mode);
    this.touch(guildId);
    return { mode };
  }

  /**
   * Takes over a queue on failover: joins, queues the snapshot and resumes at its position —
   * paused when the snapshot says the former player was paused (absent `paused` = play).
   */
  async resumeSession(params: RpcParams<'session.resume'>): Promise<RpcResult<'session.resume'>> {
    const snapshot = params.queue;
    const owner = snapshot.current?.track.requestedBy ?? null;
    const player = await this.connectPlayer(
      params.guildId,
      params.voiceChannelId,
      params.textChannelId ?? null,
      owner,
    );
    const wanted = [...(snapshot.current ? [snapshot.current.track] : []), ...snapshot.upcoming];
    const decoded: Track[] = [];
    for (const track of wanted) {
      const requester: TrackRequester | null = track.requestedBy ? { id: track.requestedBy } : null;
      if (track.encoded) {
        decoded.push(await player.node.decode.singleTrack(track.encoded, requester));
        continue;
      }
      const found = await this.resolve(player, track.uri || `${track.author} ${track.title}`, requester);
      if (found.tracks[0]) decoded.push(found.tracks[0]);
    }
    await player.setVolume(snapshot.volume);
    await player.setRepeatMode(snapshot.loop);
    let resumed: CurrentTrack | null = null;
    if (decoded.length > 0) {
      await player.queue.add(decoded);
      const position = snapshot.current ? snapshot.current.positionMs : 0;
      const paused = snapshot.current !== null && snapshot.paused === true;
      if (paused) this.startingPaused.add(params.guildId);
      try {
        await player.play({ paused, position });
      } catch (error) {
        this.startingPaused.delete(params.guildId);
        throw error;
      }
      resumed = snapshot.current ? { track: toProtocolTrack(decoded[0]), positionMs: position } : null;
    }
    this.touch(params.guildId);
    this.host.sessionsChanged();
    return { resumed, queueLength: player.queue.tracks.length };
  }

  /** Sessions (one per guild with a player) with their queue snapshots. */
  sessions(): SessionReport[] {
    const out: SessionReport[] = [];
    for (const player of this.manager.players.values()) {
      const voiceChannelId = player.voiceChannelId ?? this.host.voiceChannelOf(player.guildId);
      if (!voiceChannelId) continue;
      const meta = this.meta.get(player.guildId);
      out.push({
        guildId: player.guildId,
        voiceChannelId,
        textChannelId: meta?.textChannelId ?? player.textChannelId ?? null,
        kind: 'music',
        ownerUserId: meta?.ownerUserId ?? null,
        queue: this.snapshot(player),
        lastActivityAt: meta?.lastActivityAt ?? Date.now(),
      });
    }
    return out;
  }

  /** Destroys every player (drain / logout). */
  async destroyAll(reason: string): Promise<void> {
    for (const player of [...this.manager.players.values()]) {
      await player.destroy(reason, true).catch(() => undefined);
    }
  }

  private snapshot(player: Player): QueueSnapshot {
    return {
      current: this.current(player),
      upcoming: player.queue.tracks.slice(0, MAX_QUEUE_SNAPSHOT_TRACKS).map(toProtocolTrack),
      loop: player.repeatMode as LoopMode,
      volume: clampVolume(player.volume),
      paused: player.paused,
    };
  }

  private current(player: Player): CurrentTrack | null {
    const track = player.queue.current;
    if (!track) return null;
    // lavalink-client's `position` adds the wall time since the last playerUpdate even while the
    // player is paused; Lavalink keeps reporting the frozen position then, so use that one.
    const position = player.paused ? player.lastPosition : player.position;
    return { track: toProtocolTrack(track), positionMs: Math.max(0, Math.round(position)) };
  }

  private async connectPlayer(
    guildId: string,
    voiceChannelId: string,
    textChannelId: string | null,
    ownerUserId: string | null,
  ): Promise<Player> {
    this.host.assertVoiceTarget(guildId, voiceChannelId);
    await waitForLavalinkNode(this.manager);
    let player = this.manager.getPlayer(guildId);
    if (!player) {
      player = this.manager.createPlayer({
        guildId,
        voiceChannelId,
        textChannelId: textChannelId ?? undefined,
        selfDeaf: true,
        volume: 100,
      });
      this.meta.set(guildId, { ownerUserId, textChannelId, lastActivityAt: Date.now() });
    } else if (player.voiceChannelId !== voiceChannelId) {
      await player.changeVoiceState({ voiceChannelId });
    }
    const meta = this.meta.get(guildId);
    if (meta && textChannelId) meta.textChannelId = textChannelId;
    if (meta && !meta.ownerUserId && ownerUserId) meta.ownerUserId = ownerUserId;
    if (!player.connected || this.host.voiceChannelOf(guildId) !== voiceChannelId) {
      if (!player.voice?.endpoint || this.host.voiceChannelOf(guildId) !== voiceChannelId)
        await player.connect();
      await waitForVoice(player, voiceChannelId, (guildId) => this.host.voiceChannelOf(guildId));
    }
    return player;
  }

  private async resolve(
    player: Player,
    query: string,
    requester: TrackRequester | null,
  ): Promise<SearchResult> {
    let result: SearchResult;
    try {
      result = (await player.search(
        URL_QUERY.test(query) ? { query } : { query, source: 'ytsearch' },
        requester,
      )) as SearchResult;
    } catch (error) {
      throw new AgentRpcException(
        ProtocolErrorCode.NoResults,
        `Search failed: ${(error as Error).message}`.slice(0, 200),
      );
    }
    if (result.loadType === 'error' || result.loadType === 'empty' || result.tracks.length === 0)
      throw new AgentRpcException(ProtocolErrorCode.NoResults, 'Nothing found for that query.');
    return result;
  }

  private player(guildId: string): Player {
    const player = this.manager.getPlayer(guildId);
    if (!player)
      throw new AgentRpcException(
        ProtocolErrorCode.NotInVoice,
        'The agent is not in a voice channel in this guild.',
      );
    return player;
  }

  private playing(guildId: string): Player {
    const player = this.player(guildId);
    if (!player.queue.current)
      throw new AgentRpcException(ProtocolErrorCode.NotPlaying, 'Nothing is playing.');
    return player;
  }

  private assertIndex(player: Player, index: number): void {
    if (index < 1 || index > player.queue.tracks.length)
      throw new AgentRpcException(
        ProtocolErrorCode.QueueIndexOutOfRange,
        `Position ${index} is outside the queue (1–${player.queue.tracks.length}).`,
      );
  }

  private touch(guildId: string): void {
    const meta = this.meta.get(guildId);
    if (meta) meta.lastActivityAt = Date.now();
  }
}

/**
 * `Queue.splice` of lavalink-client 2.11 returns one track (not an array) when exactly one was
 * removed, and the array otherwise; this always returns the removed tracks as an array.
 */
async function spliceQueue(
  player: Player,
  index: number,
  amount: number,
  insert?: Track | UnresolvedTrack,
): Promise<(Track | UnresolvedTrack)[]> {
  const removed = (await player.queue.splice(index, amount, insert)) as
    | Track
    | UnresolvedTrack
    | (Track | UnresolvedTrack)[]
    | null
    | undefined;
  if (!removed) return [];
  return Array.isArray(removed) ? removed : [removed];
}

function unavailable(): AgentRpcException {
  return new AgentRpcException(
    ProtocolErrorCode.LavalinkUnavailable,
    'No Lavalink node is available right now.',
  );
}

function clampVolume(volume: number): number {
  return Math.min(200, Math.max(0, Math.round(volume)));
}
