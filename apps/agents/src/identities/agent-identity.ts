import { Logger } from '@nestjs/common';
import {
  type AgentChange,
  type AgentEvent,
  type AgentGuild,
  type AnnouncedAgent,
  ProtocolErrorCode,
  type RpcRequestFrame,
  type SessionReport,
} from '@app/protocol';
import {
  ChannelType,
  Client,
  Events,
  GatewayDispatchEvents,
  GatewayIntentBits,
  type GatewayDispatchPayload,
  type Guild,
  Options,
  type VoiceState,
} from 'discord.js';
import { LavalinkManager } from 'lavalink-client';
import type { LavalinkNodeConfig } from '../config/lavalink-nodes';
import { AgentRpcException } from '../control/agent-rpc.exception';
import { AgentAssistant, type TtsEndpoint } from './agent-assistant';
import { AgentMusic } from './agent-music';
import { toProtocolTrack } from './track-mapping';

/** Where an identity reports what happens to it (the runner forwards these to the controller). */
export interface AgentIdentitySink {
  update(agentId: string, change: AgentChange): void;
  event(agentId: string, event: AgentEvent): void;
  sessions(agentId: string, sessions: SessionReport[]): void;
}

/** Options of {@link AgentIdentity}. */
export interface AgentIdentityOptions {
  agentId: string;
  /** Discord REST base passed to discord.js as `rest.api` (e.g. the sandbox's `/api`). */
  discordApiUrl: string;
  lavalinkNodes: readonly LavalinkNodeConfig[];
  sink: AgentIdentitySink;
  /** How long `start` waits for `clientReady` after login (ms, default 30 000). */
  readyTimeoutMs?: number;
  /** Lavalink node reconnect delay (ms, default 5000). */
  lavalinkRetryDelayMs?: number;
  /** Lavalink session resume timeout (s, default 60; 0 = no resuming). */
  lavalinkResumeTimeoutSeconds?: number;
  /** TTS endpoint of the voice assistant (`TTS_URL`); null/absent = assistant ops unsupported. */
  tts?: TtsEndpoint | null;
}

/**
 * Gateway intents of an agent: guild membership and voice states only (SPEC §4). Discord
 * requires GUILD_VOICE_STATES for voice state events (Discord gateway docs, "Gateway Intents").
 */
export const AGENT_INTENTS = [GatewayIntentBits.Guilds, GatewayIntentBits.GuildVoiceStates];

/** How long after `voice.leave`/`assistant.leave` a voice disconnect counts as asked for (ms). */
const REQUESTED_LEAVE_WINDOW_MS = 15_000;

/** RPC ops served while the Discord gateway is down (dropping a player needs no gateway). */
const NOT_READY_OPS: ReadonlySet<string> = new Set(['voice.leave', 'assistant.leave']);

/** `playerDestroy` reasons that are not a lost player: leaves we were asked for, a moderator's disconnect. */
const KEPT_DESTROY_REASONS: ReadonlySet<string> = new Set([
  'voice.leave',
  'assistant.leave',
  'assistant.join-failed',
  'Disconnected',
]);

/**
 * One agent Discord identity inside the runner: its own discord.js `Client` (minimal caches:
 * guilds, channels, voice states and the members in voice; sweepers for the rest) and its own
 * lavalink-client `LavalinkManager` (voice packets forwarded with `sendRawData`, gateway op 4 sent
 * through the identity's shard). Gateway drops, resumes and re-identifies are left to
 * discord.js/@discordjs/ws, which back off and respect the identify concurrency (ACCEPTANCE B18).
 */
export class AgentIdentity {
  private readonly logger: Logger;
  private client: Client | null = null;
  private manager: LavalinkManager | null = null;
  private music: AgentMusic | null = null;
  private assistant: AgentAssistant | null = null;
  private readyAt = 0;
  private stopped = false;
  /** False while discord.js is reconnecting the shard (resume or re-identify pending). */
  private shardUp = true;
  /** User ids known to be bots (from GUILD_CREATE members and VOICE_STATE_UPDATE members). */
  private readonly bots = new Set<string>();
  /** Humans in the bot's voice channel, per guild, as last reported (and the channel counted). */
  private readonly humans = new Map<string, { channelId: string; humans: number }>();
  /** guildId → epoch ms until which a voice disconnect there counts as asked for (`requested`). */
  private readonly requestedLeaves = new Map<string, number>();
  /** guildId → epoch ms until which a voice disconnect there follows a player the runner dropped (`lost`). */
  private readonly lostPlayers = new Map<string, number>();
  /** Guilds where this identity has a player (created and not yet reported destroyed). */
  private readonly playerGuilds = new Set<string>();
  /** guildId → callbacks waiting for the reason of the player destroy under way there. */
  private readonly destroyWaiters = new Map<string, ((reason: string | undefined) => void)[]>();

  constructor(private readonly options: AgentIdentityOptions) {
    this.logger = new Logger(`${AgentIdentity.name}:${options.agentId}`);
  }

  get agentId(): string {
    return this.options.agentId;
  }

  /** The bot user's id once logged in. */
  get botUserId(): string | null {
    return this.client?.user?.id ?? null;
  }

  /** True while the Discord client is ready. */
  get ready(): boolean {
    return Boolean(this.client?.isReady()) && this.shardUp && !this.stopped;
  }

  /**
   * Whether the identity serves RPC `op` now: every op while ready; while its Discord gateway is
   * down (started, not stopped) only the leaves, which need no gateway — the controller fails the
   * sessions of an agent that stays not ready over and tells it to drop its players (issue 5).
   */
  serves(op: string): boolean {
    return this.ready || (this.client !== null && !this.stopped && NOT_READY_OPS.has(op));
  }

  /** The discord.js client (for diagnostics and tests). @throws when not started */
  get discord(): Client {
    if (!this.client) throw new Error(`${this.agentId} is not started`);
    return this.client;
  }

  /** The identity's LavalinkManager, or null without nodes. */
  get lavalink(): LavalinkManager | null {
    return this.manager;
  }

  /**
   * The current state of each Lavalink node as `lavalink.node` events (`connected` when the node
   * holds a session, `disconnected` otherwise). The runner sends them after announcing the agent,
   * because a node that connected before the announce reached the controller was reported for an
   * agent the controller did not own yet (and after a controller restart, to the old controller).
   */
  lavalinkNodeStates(): AgentEvent[] {
    return [...(this.manager?.nodeManager.nodes.values() ?? [])].map((node) => ({
      name: 'lavalink.node',
      nodeId: node.id.slice(0, 64),
      state: node.connected && node.sessionId ? 'connected' : 'disconnected',
    }));
  }

  /**
   * Logs the identity into Discord with `token` and waits for `clientReady`, then starts its
   * LavalinkManager (nodes connect in the background).
   * @throws Error when Discord refuses the token (REST 401 or gateway close 4004) or the client
   *   does not become ready in time; the client is destroyed first. The message never contains
   *   the token.
   */
  async start(token: string): Promise<void> {
    const client = new Client({
      intents: AGENT_INTENTS,
      rest: { api: this.options.discordApiUrl },
      makeCache: Options.cacheWithLimits({
        ApplicationCommandManager: 0,
        ApplicationEmojiManager: 0,
        AutoModerationRuleManager: 0,
        BaseGuildEmojiManager: 0,
        DMMessageManager: 0,
        EntitlementManager: 0,
        GuildBanManager: 0,
        GuildEmojiManager: 0,
        GuildInviteManager: 0,
        GuildMessageManager: 0,
        GuildScheduledEventManager: 0,
        GuildStickerManager: 0,
        MessageManager: 0,
        PresenceManager: 0,
        ReactionManager: 0,
        ReactionUserManager: 0,
        StageInstanceManager: 0,
        ThreadManager: 0,
        ThreadMemberManager: 0,
        GuildMemberManager: {
          maxSize: 200,
          keepOverLimit: (member) => member.id === member.client.user.id || member.voice.channelId !== null,
        },
        UserManager: {
          maxSize: 200,
          keepOverLimit: (user) => user.id === user.client.user.id,
        },
      }),
      sweepers: {
        ...Options.DefaultSweeperSettings,
        guildMembers: {
          interval: 600,
          filter: () => (member) => member.id !== member.client.user.id && member.voice.channelId === null,
        },
        users: { interval: 600, filter: () => (user) => user.id !== user.client.user.id },
      },
    });
    this.client = client;
    this.attachDiscord(client);
    let timer: NodeJS.Timeout | undefined;
    const ready = new Promise<void>((resolve, reject) => {
      timer = setTimeout(
        () => reject(new Error('Discord client did not become ready in time')),
        this.options.readyTimeoutMs ?? 30_000,
      );
      client.once(Events.ClientReady, () => {
        clearTimeout(timer);
        resolve();
      });
    });
    try {
      await client.login(token);
      await ready;
    } catch (error) {
      clearTimeout(timer);
      ready.catch(() => undefined);
      this.client = null;
      await client.destroy().catch(() => undefined);
      throw new Error(sanitize(error, token));
    }
    this.readyAt = Date.now();
    if (client.isReady()) this.startLavalink(client);
  }

  /** The agent as announced to the controller. */
  announcement(): AnnouncedAgent {
    const clientId = this.agentId.replace(/^agent/, '');
    return {
      agentId: this.agentId,
      clientId,
      botUserId: this.botUserId ?? clientId,
      ready: this.ready,
      guilds: this.guilds(),
      sessions: this.sessions(),
    };
  }

  /** Guilds the bot is in, with its voice channel there. */
  guilds(): AgentGuild[] {
    const client = this.client;
    if (!client?.user) return [];
    const me = client.user.id;
    return client.guilds.cache.map((guild) => ({
      guildId: guild.id,
      voiceChannelId: guild.voiceStates.cache.get(me)?.channelId ?? null,
    }));
  }

  /** Sessions the agent holds: music players with their queues, and assistant sessions. */
  sessions(): SessionReport[] {
    const assistant = this.assistant;
    const music = (this.music?.sessions() ?? []).filter((report) => !assistant?.owns(report.guildId));
    return [...music, ...(assistant?.sessions() ?? [])];
  }

  /**
   * Serves one RPC for this agent.
   * @throws AgentRpcException for domain errors (`not-in-voice`, `lavalink-unavailable`,
   *   `agent-busy` for music ops in a guild where the agent holds an assistant session,
   *   `unsupported-op` for assistant ops without a TTS endpoint, …)
   */
  async handle(request: RpcRequestFrame): Promise<unknown> {
    if (
      (request.op.startsWith('music.') || request.op === 'voice.join' || request.op === 'session.resume') &&
      'guildId' in request.params &&
      this.assistant?.owns(request.params.guildId)
    )
      throw new AgentRpcException(
        ProtocolErrorCode.AgentBusy,
        'The agent holds an assistant session in this guild.',
      );
    switch (request.op) {
      case 'status':
        return {
          agentId: this.agentId,
          ready: this.ready,
          uptimeMs: this.readyAt > 0 ? Date.now() - this.readyAt : 0,
          guilds: this.guilds(),
          sessions: this.sessions(),
          lavalink: this.music?.nodes() ?? [],
        };
      case 'session.report':
        return { sessions: this.sessions() };
      case 'voice.join':
        return this.requireMusic().join(request.params);
      case 'voice.leave':
        return {
          left: await this.expectLeave(request.params.guildId, () => this.leave(request.params.guildId)),
        };
      case 'music.play':
        return this.requireMusic().play(request.params);
      case 'music.search':
        return this.requireMusic().search(request.params);
      case 'music.skip':
        return this.requireMusic().skip(request.params.guildId);
      case 'music.pause':
        return this.requireMusic().pause(request.params.guildId);
      case 'music.resume':
        return this.requireMusic().resume(request.params.guildId);
      case 'music.stop':
        return this.requireMusic().stop(request.params.guildId);
      case 'music.volume':
        return this.requireMusic().volume(request.params.guildId, request.params.volume);
      case 'music.queue':
        return this.requireMusic().queue(request.params.guildId, request.params.page);
      case 'music.nowplaying':
        return this.requireMusic().nowPlaying(request.params.guildId);
      case 'music.remove':
        return this.requireMusic().remove(request.params.guildId, request.params.index);
      case 'music.move':
        return this.requireMusic().move(request.params.guildId, request.params.from, request.params.to);
      case 'music.shuffle':
        return this.requireMusic().shuffle(request.params.guildId);
      case 'music.clear':
        return this.requireMusic().clear(request.params.guildId);
      case 'music.loop':
        return this.requireMusic().loop(request.params.guildId, request.params.mode);
      case 'session.resume':
        return this.requireMusic().resumeSession(request.params);
      case 'assistant.join':
        return this.requireAssistant(request.op).join(request.params);
      case 'assistant.say':
        return this.requireAssistant(request.op).say(request.params);
      case 'assistant.leave':
        return {
          left: await this.expectLeave(request.params.guildId, () =>
            this.requireAssistant(request.op).leave(request.params.guildId),
          ),
        };
      case 'assistant.status':
        return this.requireAssistant(request.op).status(request.params.guildId);
    }
  }

  /** Destroys players, the LavalinkManager and the Discord client (idempotent). */
  async stop(reason = 'logout'): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const manager = this.manager;
    if (this.music) await this.music.destroyAll(reason);
    if (manager) {
      for (const node of [...manager.nodeManager.nodes.values()]) node.destroy(reason, true);
      manager.removeAllListeners();
      manager.nodeManager.removeAllListeners();
      manager.nodeManager.on('error', () => undefined);
    }
    this.manager = null;
    this.music = null;
    this.assistant = null;
    const client = this.client;
    this.client = null;
    if (client) await client.destroy();
  }

  private async leave(guildId: string): Promise<boolean> {
    if (this.music && (await this.music.leave(guildId))) return true;
    const guild = this.client?.guilds.cache.get(guildId);
    if (!guild || !this.voiceChannelOf(guildId)) return false;
    guild.shard.send({
      op: 4,
      d: { guild_id: guildId, channel_id: null, self_mute: false, self_deaf: false },
    });
    return true;
  }

  /**
   * Runs a leave the agent was asked for, marking the voice disconnect it causes in `guildId`
   * (within 15 s) as requested; a leave that found nothing to leave drops the mark.
   */
  private async expectLeave(guildId: string, leave: () => Promise<boolean>): Promise<boolean> {
    this.requestedLeaves.set(guildId, Date.now() + REQUESTED_LEAVE_WINDOW_MS);
    const left = await leave();
    if (!left) this.requestedLeaves.delete(guildId);
    return left;
  }

  /** Whether a disconnect in `guildId` now was asked for (consumes the mark). */
  private leaveWasRequested(guildId: string): boolean {
    const until = this.requestedLeaves.get(guildId);
    this.requestedLeaves.delete(guildId);
    return this.stopped || (until !== undefined && until >= Date.now());
  }

  /** Whether a `playerDestroy` reason means the runner dropped the player (not a leave or a moderator). */
  private isLost(reason: string | undefined): boolean {
    return !this.stopped && reason !== undefined && !KEPT_DESTROY_REASONS.has(reason);
  }

  /** The reason of the player destroy under way in `guildId` (undefined after 5 s without one). */
  private destroyReason(guildId: string): Promise<string | undefined> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(undefined), 5_000);
      timer.unref();
      const waiters = this.destroyWaiters.get(guildId) ?? [];
      waiters.push((reason) => {
        clearTimeout(timer);
        resolve(reason);
      });
      this.destroyWaiters.set(guildId, waiters);
    });
  }

  /** Whether a disconnect in `guildId` now follows a player the runner dropped (consumes the mark). */
  private playerWasLost(guildId: string): boolean {
    const until = this.lostPlayers.get(guildId);
    this.lostPlayers.delete(guildId);
    return !this.stopped && until !== undefined && until >= Date.now();
  }

  private requireMusic(): AgentMusic {
    if (!this.music)
      throw new AgentRpcException(ProtocolErrorCode.LavalinkUnavailable, 'No Lavalink node is configured.');
    return this.music;
  }

  private requireAssistant(op: string): AgentAssistant {
    if (!this.options.tts)
      throw new AgentRpcException(
        ProtocolErrorCode.UnsupportedOp,
        `${op} is not served by this runner (no TTS endpoint, so no assistant capability).`,
      );
    if (!this.assistant)
      throw new AgentRpcException(ProtocolErrorCode.LavalinkUnavailable, 'No Lavalink node is configured.');
    return this.assistant;
  }

  private voiceChannelOf(guildId: string): string | null {
    const me = this.client?.user?.id;
    if (!me) return null;
    return this.client?.guilds.cache.get(guildId)?.voiceStates.cache.get(me)?.channelId ?? null;
  }

  private startLavalink(client: Client<true>): void {
    if (this.options.lavalinkNodes.length === 0) return;
    const user = { id: client.user.id, username: client.user.username };
    const manager = new LavalinkManager({
      nodes: this.options.lavalinkNodes.map((node) => ({
        id: node.id,
        host: node.host,
        port: node.port,
        authorization: node.password,
        secure: node.secure,
        retryAmount: Number.MAX_SAFE_INTEGER,
        retryDelay: this.options.lavalinkRetryDelayMs ?? 5000,
        heartBeatInterval: 0,
        enablePingOnStatsCheck: false,
      })),
      // Gateway op 4 for this guild goes out on this identity's own shard.
      sendToShard: (guildId, payload) => client.guilds.cache.get(guildId)?.shard.send(payload),
      client: user,
      autoSkip: true,
      // With several nodes, players of a node that dies move to a live one (ACCEPTANCE B9).
      autoMove: true,
      playerOptions: {
        defaultSearchPlatform: 'ytsearch',
        onDisconnect: { autoReconnect: false, destroyPlayer: true },
      },
    });
    this.manager = manager;
    this.music = new AgentMusic(manager, {
      assertVoiceTarget: (guildId, voiceChannelId) => this.assertVoiceTarget(guildId, voiceChannelId),
      voiceChannelOf: (guildId) => this.voiceChannelOf(guildId),
      sessionsChanged: () => this.options.sink.sessions(this.agentId, this.sessions()),
    });
    if (this.options.tts)
      this.assistant = new AgentAssistant(
        manager,
        {
          assertVoiceTarget: (guildId, voiceChannelId) => this.assertVoiceTarget(guildId, voiceChannelId),
          voiceChannelOf: (guildId) => this.voiceChannelOf(guildId),
          sessionsChanged: () => this.options.sink.sessions(this.agentId, this.sessions()),
        },
        this.options.tts,
      );
    this.attachLavalink(manager);
    this.music.keepAcrossNodeRestarts(this.options.lavalinkResumeTimeoutSeconds ?? 60);
    manager.init(user).catch((error: unknown) => {
      this.logger.warn(`Lavalink init failed: ${(error as Error).message}`);
    });
  }

  private assertVoiceTarget(guildId: string, voiceChannelId: string): void {
    const guild = this.client?.guilds.cache.get(guildId);
    if (!guild)
      throw new AgentRpcException(
        ProtocolErrorCode.InvalidParams,
        `The agent is not a member of guild ${guildId}.`,
      );
    const channel = guild.channels.cache.get(voiceChannelId);
    if (!channel || (channel.type !== ChannelType.GuildVoice && channel.type !== ChannelType.GuildStageVoice))
      throw new AgentRpcException(
        ProtocolErrorCode.InvalidParams,
        `Channel ${voiceChannelId} is not a voice channel of that guild.`,
      );
  }

  private attachDiscord(client: Client): void {
    client.on(Events.Raw, (packet: GatewayDispatchPayload) => this.onRaw(packet));
    client.on(Events.VoiceStateUpdate, (before, after) => this.onVoiceState(before, after));
    client.on(Events.GuildCreate, (guild) => {
      if (this.readyAt === 0) return;
      this.options.sink.update(this.agentId, {
        kind: 'guild.join',
        guild: { guildId: guild.id, voiceChannelId: null },
      });
    });
    client.on(Events.GuildDelete, (guild) => {
      this.humans.delete(guild.id);
      this.options.sink.update(this.agentId, { kind: 'guild.leave', guildId: guild.id });
    });
    const readiness = (up: boolean) => {
      if (this.shardUp === up) return;
      this.shardUp = up;
      if (this.readyAt > 0) this.options.sink.update(this.agentId, { kind: 'ready', ready: up });
    };
    client.on(Events.ShardReady, () => readiness(true));
    client.on(Events.ShardResume, () => readiness(true));
    client.on(Events.ShardReconnecting, () => readiness(false));
    client.on(Events.ShardDisconnect, () => readiness(false));
    client.on(Events.Invalidated, () => readiness(false));
    client.on(Events.Error, (error) => this.logger.warn(`discord.js error: ${error.message}`));
  }

  private onRaw(packet: GatewayDispatchPayload): void {
    if (packet.t === GatewayDispatchEvents.GuildCreate) {
      for (const member of packet.d.members ?? []) if (member.user.bot) this.bots.add(member.user.id);
    }
    if (packet.t === GatewayDispatchEvents.VoiceStateUpdate && packet.d.member?.user.bot)
      this.bots.add(packet.d.user_id);
    if (
      (packet.t === GatewayDispatchEvents.VoiceStateUpdate ||
        packet.t === GatewayDispatchEvents.VoiceServerUpdate) &&
      this.manager
    ) {
      // lavalink-client needs both packets to send {token, endpoint, sessionId, channelId} (B6).
      this.manager.sendRawData(packet as never).catch((error: unknown) => {
        this.logger.warn(`forwarding ${packet.t} to Lavalink failed: ${(error as Error).message}`);
      });
    }
  }

  private onVoiceState(before: VoiceState, after: VoiceState): void {
    const me = this.client?.user?.id;
    if (!me) return;
    if (after.id === me && before.channelId !== after.channelId) {
      this.options.sink.update(this.agentId, {
        kind: 'voice.moved',
        guildId: after.guild.id,
        voiceChannelId: after.channelId,
        fromVoiceChannelId: before.channelId,
      });
      if (after.channelId === null && before.channelId !== null) {
        const guildId = after.guild.id;
        const voiceChannelId = before.channelId;
        const requested = this.leaveWasRequested(guildId);
        const send = (lost: boolean) =>
          this.options.sink.event(this.agentId, {
            name: 'voice.disconnected',
            guildId,
            voiceChannelId,
            requested,
            lost,
          });
        // A player still alive here is being destroyed (by a moderator's disconnect or by the
        // runner); lavalink-client names the reason only once done (`playerDestroy`): wait for it
        // to tell a lost player apart.
        if (!requested && this.playerGuilds.has(guildId))
          void this.destroyReason(guildId).then((reason) => send(this.isLost(reason)));
        else send(this.playerWasLost(guildId));
      }
    }
    this.countHumans(after.guild);
  }

  /**
   * Reports the humans in the bot's voice channel; `humans.left` when the last human left it (not
   * when the bot was moved into an empty channel).
   */
  private countHumans(guild: Guild): void {
    const me = this.client?.user?.id;
    const channelId = me ? guild.voiceStates.cache.get(me)?.channelId : null;
    if (!me || !channelId) {
      this.humans.delete(guild.id);
      return;
    }
    const humans = guild.voiceStates.cache.filter(
      (state) =>
        state.channelId === channelId &&
        state.id !== me &&
        !this.bots.has(state.id) &&
        !state.member?.user.bot,
    ).size;
    const last = this.humans.get(guild.id);
    // After the bot itself moved (a moderator moved it), nobody "left": count afresh.
    const previous = last?.channelId === channelId ? last.humans : undefined;
    if (previous === humans) return;
    this.humans.set(guild.id, { channelId, humans });
    this.options.sink.update(this.agentId, {
      kind: 'voice.humans',
      guildId: guild.id,
      voiceChannelId: channelId,
      humans,
    });
    if (humans === 0 && previous !== undefined && previous > 0)
      this.options.sink.event(this.agentId, {
        name: 'humans.left',
        guildId: guild.id,
        voiceChannelId: channelId,
      });
  }

  private attachLavalink(manager: LavalinkManager): void {
    const sink = this.options.sink;
    const id = this.agentId;
    // Utterances of an assistant session are not music: no track/queue events for them.
    const music = (guildId: string) => !this.assistant?.owns(guildId);
    manager.on('trackStart', (player, track) => {
      if (!music(player.guildId)) return;
      if (track)
        sink.event(id, { name: 'track.start', guildId: player.guildId, track: toProtocolTrack(track) });
      sink.sessions(id, this.sessions());
    });
    manager.on('trackEnd', (player, track, payload) => {
      if (track && music(player.guildId))
        sink.event(id, {
          name: 'track.end',
          guildId: player.guildId,
          track: toProtocolTrack(track),
          reason: payload.reason,
        });
    });
    manager.on('trackError', (player, track, payload) => {
      if (track && music(player.guildId))
        sink.event(id, {
          name: 'track.exception',
          guildId: player.guildId,
          track: toProtocolTrack(track),
          message: (payload.exception?.message ?? 'track failed').slice(0, 1024),
        });
    });
    manager.on('queueEnd', (player) => {
      if (!music(player.guildId)) return;
      sink.event(id, { name: 'queue.end', guildId: player.guildId });
      sink.sessions(id, this.sessions());
    });
    // A player destroyed for any other reason than a leave we were asked for or a moderator's
    // disconnect (lavalink-client's `Disconnected`) was dropped by the runner: it could not be kept.
    manager.on('playerCreate', (player) => this.playerGuilds.add(player.guildId));
    manager.on('playerDestroy', (player, reason) => {
      this.playerGuilds.delete(player.guildId);
      const waiters = this.destroyWaiters.get(player.guildId);
      this.destroyWaiters.delete(player.guildId);
      for (const waiter of waiters ?? []) waiter(reason);
      if (this.isLost(reason)) this.lostPlayers.set(player.guildId, Date.now() + REQUESTED_LEAVE_WINDOW_MS);
    });
    // A moderator moved the agent: lavalink-client moved the player along; report the new channel.
    manager.on('playerMove', () => sink.sessions(id, this.sessions()));
    manager.on('playerSocketClosed', (player, payload) => {
      sink.event(id, {
        name: 'voice.disconnected',
        guildId: player.guildId,
        voiceChannelId: player.voiceChannelId,
        code: payload.code,
      });
    });
    const nodeEvent = (
      nodeId: string,
      state: 'connected' | 'disconnected' | 'reconnecting' | 'error',
      message?: string,
    ) =>
      sink.event(id, {
        name: 'lavalink.node',
        nodeId: nodeId.slice(0, 64),
        state,
        ...(message ? { message: message.slice(0, 1024) } : {}),
      });
    manager.nodeManager.on('connect', (node) => nodeEvent(node.id, 'connected'));
    manager.nodeManager.on('disconnect', (node, reason) => nodeEvent(node.id, 'disconnected', reason.reason));
    manager.nodeManager.on('reconnecting', (node) => nodeEvent(node.id, 'reconnecting'));
    manager.nodeManager.on('error', (node, error) => {
      this.logger.warn(`Lavalink node ${node.id}: ${error.message}`);
      nodeEvent(node.id, 'error', error.message);
    });
  }
}

/** An error's message with the token (and anything token-shaped) removed. */
function sanitize(error: unknown, token: string): string {
  const message = error instanceof Error ? error.message : String(error);
  return message
    .split(token)
    .join('****')
    .replace(/[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{20,}/g, '****')
    .slice(0, 500);
}
