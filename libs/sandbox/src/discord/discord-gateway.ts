import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import {
  ALL_INTENTS,
  ChannelType,
  GATEWAY_VERSION,
  GatewayCloseCode,
  GatewayCloseReason,
  GatewayOp,
  Intent,
  PrivilegedIntentFlag,
  VerifiedPrivilegedIntentFlag,
} from './discord-sandbox.constants';
import type { ApplicationRecord, DiscordStore, GuildRecord } from './discord-store';

/** Options of the emulated gateway. */
export interface GatewayOptions {
  /** Heartbeat interval announced in Hello, ms (default 41250 as Discord's). */
  heartbeatIntervalMs: number;
  /** How long a disconnected session stays resumable, ms (default 120 s). */
  resumeWindowMs: number;
  /** URL clients resume on (`resume_gateway_url`, without query string). */
  resumeUrl: () => string;
  /** Voice server endpoint sent in VOICE_SERVER_UPDATE (host:port, no scheme). */
  voiceEndpoint: string;
}

/** A dispatched event kept for replay on resume — Topics › Gateway › Resuming. */
interface BufferedDispatch {
  s: number;
  t: string;
  d: unknown;
}

/** One gateway session (identify → READY), living across connections until invalidated. */
export interface GatewaySession {
  sessionId: string;
  app: ApplicationRecord;
  intents: number;
  shard: [number, number];
  seq: number;
  buffer: BufferedDispatch[];
  connection: GatewayConnection | null;
  valid: boolean;
  disconnectedAt: number | null;
  expiryTimer: NodeJS.Timeout | null;
}

/** One WebSocket connection; it binds to a session on identify or resume. */
interface GatewayConnection {
  ws: WebSocket;
  session: GatewaySession | null;
  heartbeatTimer: NodeJS.Timeout | null;
  sentInWindow: number;
  windowStartedAt: number;
}

/**
 * Server close codes after which the session may still be resumed (the docs' "Reconnect" column
 * says true and the session survives) — Topics › Opcodes and Status Codes › Gateway Close Event Codes.
 */
const RESUMABLE_CLOSE_CODES = new Set<number>([
  GatewayCloseCode.UnknownError,
  GatewayCloseCode.UnknownOpcode,
  GatewayCloseCode.DecodeError,
  GatewayCloseCode.RateLimited,
]);

/** Kept dispatches per session for replay; older ones make a resume fail with op 9. */
const REPLAY_BUFFER_SIZE = 2000;
/** Clients may send 120 events per 60 s before Discord closes with 4008 — Topics › Gateway › Rate Limiting. */
const SEND_LIMIT = 120;
const SEND_WINDOW_MS = 60000;

/**
 * Gateway v10 (JSON, uncompressed) — Topics › Gateway: Hello with `heartbeat_interval`, Identify
 * (token, intents, shard) → READY + one GUILD_CREATE per guild, Heartbeat → Heartbeat ACK, server
 * side zombie detection, Resume with replay of missed dispatches then RESUMED, Invalid Session
 * (op 9), close codes of Topics › Opcodes and Status Codes › Gateway Close Event Codes, Voice State
 * Update (op 4) → VOICE_STATE_UPDATE + VOICE_SERVER_UPDATE, intent filtering of dispatches.
 */
export class DiscordGateway {
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly sessions = new Map<string, GatewaySession>();
  private readonly connections = new Set<GatewayConnection>();
  /** Bots whose next resume is refused with op 9 d:false (control API fault). */
  private readonly refuseResume = new Map<string, number>();
  /** Identify count per application, for `session_start_limit.remaining`. */
  private readonly identifies = new Map<string, number>();
  latencyMs = 0;

  constructor(
    private readonly store: DiscordStore,
    private readonly options: GatewayOptions,
  ) {}

  /** Upgrades an HTTP request on the gateway path; rejects a missing/unsupported `v` or `encoding`. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const version = url.searchParams.get('v');
    const encoding = url.searchParams.get('encoding') ?? 'json';
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      if (encoding !== 'json') {
        ws.close(GatewayCloseCode.DecodeError, GatewayCloseReason[GatewayCloseCode.DecodeError]);
        return;
      }
      if (version !== null && version !== String(GATEWAY_VERSION)) {
        ws.close(GatewayCloseCode.InvalidApiVersion, GatewayCloseReason[GatewayCloseCode.InvalidApiVersion]);
        return;
      }
      this.accept(ws);
    });
  }

  /** Remaining identifies of the day for `GET /gateway/bot` — Topics › Gateway › Session Start Limit Object. */
  sessionStartRemaining(appId: string): number {
    return Math.max(0, 1000 - (this.identifies.get(appId) ?? 0));
  }

  /** Sessions of a bot that are connected now. */
  connectedSessions(botUserId: string): GatewaySession[] {
    return [...this.sessions.values()].filter(
      (s) => s.valid && s.app.botUserId === botUserId && s.connection,
    );
  }

  /** Dispatches an event to every session of a bot whose intents and shard cover it. */
  dispatchToBot(
    botUserId: string,
    t: string,
    d: unknown,
    intent: number | null,
    guildId?: string,
    perSession?: (intents: number, data: unknown) => unknown,
  ): void {
    for (const session of this.sessions.values()) {
      if (!session.valid || session.app.botUserId !== botUserId) continue;
      if (intent !== null && (session.intents & intent) === 0) continue;
      if (guildId && !this.shardHasGuild(session, guildId)) continue;
      this.dispatch(session, t, perSession ? perSession(session.intents, d) : d);
    }
  }

  /** Dispatches an event to every bot member of a guild (e.g. VOICE_STATE_UPDATE). */
  dispatchToGuildBots(guild: GuildRecord, t: string, d: unknown, intent: number | null): void {
    for (const userId of guild.members.keys()) {
      if (this.store.users.get(userId)?.bot) this.dispatchToBot(userId, t, d, intent, guild.id);
    }
  }

  /** Fault: close each connection of a bot with `code`, or kill its TCP socket without a close frame. */
  drop(botUserId: string, mode: { kind: 'close'; code: number } | { kind: 'kill' }): number {
    const sessions = this.connectedSessions(botUserId);
    for (const session of sessions) {
      const ws = session.connection?.ws;
      if (!ws) continue;
      if (mode.kind === 'kill') {
        ws.terminate();
        continue;
      }
      if (!RESUMABLE_CLOSE_CODES.has(mode.code)) this.invalidate(session);
      ws.close(mode.code, GatewayCloseReason[mode.code] ?? 'Sandbox fault');
    }
    return sessions.length;
  }

  /**
   * Fault: sends op 7 Reconnect to each connection of a bot; the client should reconnect and resume —
   * Topics › Gateway Events › Reconnect. Returns how many connections were told.
   */
  requestReconnect(botUserId: string): number {
    const sessions = this.connectedSessions(botUserId);
    for (const session of sessions) {
      if (session.connection)
        this.send(session.connection, { op: GatewayOp.Reconnect, d: null, s: null, t: null });
    }
    return sessions.length;
  }

  /**
   * Fault: sends op 9 Invalid Session to each connection of a bot. With `resumable` (d:true) the
   * session survives and the client may resume it on the same connection; with d:false it is gone
   * and the client must identify again — Topics › Gateway Events › Invalid Session.
   */
  invalidateSession(botUserId: string, resumable: boolean): number {
    const sessions = this.connectedSessions(botUserId);
    for (const session of sessions) {
      const connection = session.connection;
      if (!connection) continue;
      connection.session = null;
      session.connection = null;
      if (resumable) {
        session.disconnectedAt = Date.now();
        session.expiryTimer = setTimeout(() => this.invalidate(session), this.options.resumeWindowMs);
      } else {
        this.invalidate(session);
      }
      this.send(connection, { op: GatewayOp.InvalidSession, d: resumable, s: null, t: null });
    }
    return sessions.length;
  }

  /** Fault: the bot's next `count` resumes are answered with op 9 Invalid Session d:false. */
  refuseResumes(botUserId: string, count: number): void {
    this.refuseResume.set(botUserId, (this.refuseResume.get(botUserId) ?? 0) + count);
  }

  /** Identifies an application made since the sandbox started (its `session_start_limit` use). */
  identifyCount(appId: string): number {
    return this.identifies.get(appId) ?? 0;
  }

  /** Closes every connection and timer. */
  async close(): Promise<void> {
    for (const session of this.sessions.values()) this.invalidate(session);
    for (const connection of this.connections) {
      if (connection.heartbeatTimer) clearTimeout(connection.heartbeatTimer);
      connection.ws.terminate();
    }
    this.connections.clear();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private accept(ws: WebSocket): void {
    const connection: GatewayConnection = {
      ws,
      session: null,
      heartbeatTimer: null,
      sentInWindow: 0,
      windowStartedAt: Date.now(),
    };
    this.connections.add(connection);
    ws.on('message', (data, isBinary) => this.onMessage(connection, data, isBinary));
    ws.on('close', (code) => this.onClose(connection, code));
    ws.on('error', () => ws.terminate());
    this.send(connection, {
      op: GatewayOp.Hello,
      d: { heartbeat_interval: this.options.heartbeatIntervalMs },
      s: null,
      t: null,
    });
    this.armHeartbeatTimer(connection);
  }

  /**
   * Zombie detection: a connection that sends no heartbeat within the interval (plus a grace of half
   * an interval for jitter and latency) is closed with 4009 Session timed out — Topics › Gateway ›
   * Sending Heartbeats.
   */
  private armHeartbeatTimer(connection: GatewayConnection): void {
    if (connection.heartbeatTimer) clearTimeout(connection.heartbeatTimer);
    const timeout = Math.ceil(this.options.heartbeatIntervalMs * 1.5) + 1000;
    connection.heartbeatTimer = setTimeout(() => {
      if (connection.session) this.invalidate(connection.session);
      this.closeWith(connection, GatewayCloseCode.SessionTimedOut);
    }, timeout);
  }

  private onMessage(connection: GatewayConnection, data: RawData, isBinary: boolean): void {
    const now = Date.now();
    if (now - connection.windowStartedAt >= SEND_WINDOW_MS) {
      connection.windowStartedAt = now;
      connection.sentInWindow = 0;
    }
    if (++connection.sentInWindow > SEND_LIMIT)
      return this.closeWith(connection, GatewayCloseCode.RateLimited);
    let payload: unknown;
    try {
      if (isBinary) throw new Error('binary frames need etf encoding');
      payload = JSON.parse(
        Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.concat(data as Buffer[]).toString('utf8'),
      );
    } catch {
      return this.closeWith(connection, GatewayCloseCode.DecodeError);
    }
    if (
      typeof payload !== 'object' ||
      payload === null ||
      typeof (payload as { op?: unknown }).op !== 'number'
    ) {
      return this.closeWith(connection, GatewayCloseCode.DecodeError);
    }
    const { op, d } = payload as { op: number; d: unknown };
    switch (op) {
      case GatewayOp.Heartbeat:
        this.armHeartbeatTimer(connection);
        return this.send(connection, { op: GatewayOp.HeartbeatAck, d: null, s: null, t: null });
      case GatewayOp.Identify:
        return this.identify(connection, d);
      case GatewayOp.Resume:
        return this.resume(connection, d);
      case GatewayOp.PresenceUpdate:
      case GatewayOp.VoiceStateUpdate:
      case GatewayOp.RequestGuildMembers:
      case GatewayOp.RequestSoundboardSounds:
        if (!connection.session) return this.closeWith(connection, GatewayCloseCode.NotAuthenticated);
        if (op === GatewayOp.VoiceStateUpdate) this.voiceStateUpdate(connection.session, d);
        if (op === GatewayOp.RequestGuildMembers) this.requestGuildMembers(connection.session, d);
        return;
      default:
        return this.closeWith(connection, GatewayCloseCode.UnknownOpcode);
    }
  }

  /** Identify — Topics › Gateway › Identifying; errors close with 4004, 4005, 4010, 4013, 4014. */
  private identify(connection: GatewayConnection, d: unknown): void {
    if (connection.session) return this.closeWith(connection, GatewayCloseCode.AlreadyAuthenticated);
    const data = (typeof d === 'object' && d !== null ? d : {}) as Record<string, unknown>;
    const token = typeof data.token === 'string' ? data.token.replace(/^Bot /, '') : '';
    const app = this.store.applicationByToken(token);
    if (!app) return this.closeWith(connection, GatewayCloseCode.AuthenticationFailed);
    const intents = data.intents;
    if (
      typeof intents !== 'number' ||
      !Number.isInteger(intents) ||
      intents < 0 ||
      (intents & ~ALL_INTENTS) !== 0
    ) {
      return this.closeWith(connection, GatewayCloseCode.InvalidIntents);
    }
    for (const name of ['GuildMembers', 'GuildPresences', 'MessageContent'] as const) {
      const enabled = app.flags & (PrivilegedIntentFlag[name] | VerifiedPrivilegedIntentFlag[name]);
      if ((intents & Intent[name]) !== 0 && !enabled) {
        return this.closeWith(connection, GatewayCloseCode.DisallowedIntents);
      }
    }
    const shard = Array.isArray(data.shard) ? (data.shard as unknown[]) : [0, 1];
    const [shardId, shardCount] = shard;
    if (
      typeof shardId !== 'number' ||
      typeof shardCount !== 'number' ||
      shardCount < 1 ||
      shardId < 0 ||
      shardId >= shardCount
    ) {
      return this.closeWith(connection, GatewayCloseCode.InvalidShard);
    }
    this.identifies.set(app.id, (this.identifies.get(app.id) ?? 0) + 1);
    const session: GatewaySession = {
      sessionId: randomBytes(16).toString('hex'),
      app,
      intents,
      shard: [shardId, shardCount],
      seq: 0,
      buffer: [],
      connection,
      valid: true,
      disconnectedAt: null,
      expiryTimer: null,
    };
    this.sessions.set(session.sessionId, session);
    connection.session = session;
    const bot = this.store.requireUser(app.botUserId);
    const guilds = this.store.guildsOf(app.botUserId).filter((g) => this.shardHasGuild(session, g.id));
    // READY — Topics › Gateway Events › Ready.
    this.dispatch(session, 'READY', {
      v: GATEWAY_VERSION,
      user_settings: {},
      user: { ...this.store.userJson(bot), verified: true, mfa_enabled: false, email: null },
      guilds: guilds.map((g) => ({ id: g.id, unavailable: true })),
      session_id: session.sessionId,
      session_type: 'normal',
      resume_gateway_url: this.options.resumeUrl(),
      shard: session.shard,
      application: { id: app.id, flags: app.flags },
      private_channels: [],
      relationships: [],
      presences: [],
      guild_join_requests: [],
      geo_ordered_rtc_regions: ['sandbox'],
      auth: {},
    });
    // Lazy loading: one GUILD_CREATE per unavailable guild — Topics › Gateway Events › Guild Create.
    for (const guild of guilds) {
      if ((intents & Intent.Guilds) !== 0)
        this.dispatch(session, 'GUILD_CREATE', this.store.guildCreateJson(guild, app.botUserId));
    }
  }

  /**
   * Resume — Topics › Gateway › Resuming: replays dispatches after `seq`, then RESUMED; an unknown,
   * expired or refused session gets op 9 d:false; a seq ahead of the server's closes with 4007.
   */
  private resume(connection: GatewayConnection, d: unknown): void {
    if (connection.session) return this.closeWith(connection, GatewayCloseCode.AlreadyAuthenticated);
    const data = (typeof d === 'object' && d !== null ? d : {}) as Record<string, unknown>;
    const token = typeof data.token === 'string' ? data.token.replace(/^Bot /, '') : '';
    const app = this.store.applicationByToken(token);
    if (!app) return this.closeWith(connection, GatewayCloseCode.AuthenticationFailed);
    const session = typeof data.session_id === 'string' ? this.sessions.get(data.session_id) : undefined;
    const seq = typeof data.seq === 'number' ? data.seq : 0;
    const pendingRefusals = this.refuseResume.get(app.botUserId) ?? 0;
    const refused = pendingRefusals > 0;
    if (pendingRefusals > 1) this.refuseResume.set(app.botUserId, pendingRefusals - 1);
    else this.refuseResume.delete(app.botUserId);
    if (!session || !session.valid || session.app.id !== app.id || refused) {
      if (session && refused) this.invalidate(session);
      return this.send(connection, { op: GatewayOp.InvalidSession, d: false, s: null, t: null });
    }
    if (seq > session.seq) return this.closeWith(connection, GatewayCloseCode.InvalidSeq);
    const missed = session.buffer.filter((e) => e.s > seq);
    if (seq < session.seq && (missed.length === 0 || missed[0].s !== seq + 1)) {
      this.invalidate(session);
      return this.send(connection, { op: GatewayOp.InvalidSession, d: false, s: null, t: null });
    }
    const previous = session.connection;
    if (previous && previous !== connection) {
      previous.session = null;
      previous.ws.terminate();
    }
    if (session.expiryTimer) clearTimeout(session.expiryTimer);
    session.expiryTimer = null;
    session.disconnectedAt = null;
    session.connection = connection;
    connection.session = session;
    for (const event of missed) this.send(connection, { op: GatewayOp.Dispatch, ...event });
    this.dispatch(session, 'RESUMED', { _trace: ['["discord-sandbox",{"micros":0}]'] });
  }

  /**
   * Voice State Update (op 4) — Topics › Gateway Events › Update Voice State and Topics › Voice
   * Connections › Retrieving Voice Server Information: joining answers VOICE_STATE_UPDATE (to
   * every bot of the guild with GUILD_VOICE_STATES) then VOICE_SERVER_UPDATE (to this bot);
   * `channel_id: null` leaves with a VOICE_STATE_UPDATE only. A voice connection belongs to the
   * gateway session whose `session_id` the voice state carries (Voice Connections › Establishing a
   * Voice Websocket Connection sends that `session_id` with the server `token`), so a join from a
   * NEW gateway session — e.g. a bot that re-identified after a crash while its old state still
   * shows it in the channel — is a fresh request and gets a fresh VOICE_SERVER_UPDATE; only a
   * repeat from the same session for the same channel gets none.
   */
  private voiceStateUpdate(session: GatewaySession, d: unknown): void {
    const data = (typeof d === 'object' && d !== null ? d : {}) as Record<string, unknown>;
    const guild = typeof data.guild_id === 'string' ? this.store.guilds.get(data.guild_id) : undefined;
    const botId = session.app.botUserId;
    if (!guild || !guild.members.has(botId)) return;
    const channelId = typeof data.channel_id === 'string' ? data.channel_id : null;
    if (channelId !== null) {
      const channel = this.store.channels.get(channelId);
      const voice = channel?.type === ChannelType.GuildVoice || channel?.type === ChannelType.GuildStageVoice;
      if (!channel || channel.guildId !== guild.id || !voice) return;
    }
    const previous = guild.voiceStates.get(botId);
    this.setVoiceState(guild, botId, channelId, session.sessionId, {
      selfMute: data.self_mute === true,
      selfDeaf: data.self_deaf === true,
    });
    const sameConnection = previous?.channelId === channelId && previous?.sessionId === session.sessionId;
    if (channelId !== null && !sameConnection) {
      this.dispatch(session, 'VOICE_SERVER_UPDATE', {
        token: randomBytes(8).toString('hex'),
        guild_id: guild.id,
        endpoint: this.options.voiceEndpoint,
      });
    }
  }

  /**
   * Sets (or clears, with `channelId` null) a user's voice state and dispatches VOICE_STATE_UPDATE
   * to the guild's bots that have the GUILD_VOICE_STATES intent — Topics › Gateway › Gateway
   * Intents; Topics › Gateway Events › Voice State Update.
   */
  setVoiceState(
    guild: GuildRecord,
    userId: string,
    channelId: string | null,
    sessionId: string,
    flags: { selfMute: boolean; selfDeaf: boolean },
  ): void {
    const state = {
      userId,
      guildId: guild.id,
      channelId: channelId ?? '',
      sessionId,
      selfMute: flags.selfMute,
      selfDeaf: flags.selfDeaf,
      requestToSpeakTimestamp: null,
    };
    if (channelId === null) guild.voiceStates.delete(userId);
    else guild.voiceStates.set(userId, state);
    const json = { ...this.store.voiceStateJson(guild, state), channel_id: channelId };
    this.dispatchToGuildBots(guild, 'VOICE_STATE_UPDATE', json, Intent.GuildVoiceStates);
  }

  /** Request Guild Members (op 8) → GUILD_MEMBERS_CHUNK — Topics › Gateway Events › Request Guild Members. */
  private requestGuildMembers(session: GatewaySession, d: unknown): void {
    const data = (typeof d === 'object' && d !== null ? d : {}) as Record<string, unknown>;
    const guild = typeof data.guild_id === 'string' ? this.store.guilds.get(data.guild_id) : undefined;
    if (!guild || !guild.members.has(session.app.botUserId)) return;
    const ids = Array.isArray(data.user_ids)
      ? data.user_ids
      : typeof data.user_ids === 'string'
        ? [data.user_ids]
        : null;
    const query = typeof data.query === 'string' ? data.query.toLowerCase() : '';
    const limit = typeof data.limit === 'number' && data.limit > 0 ? data.limit : Infinity;
    const members = [...guild.members.values()]
      .filter((m) =>
        ids
          ? ids.includes(m.userId)
          : this.store.requireUser(m.userId).username.toLowerCase().startsWith(query),
      )
      .slice(0, limit);
    this.dispatch(session, 'GUILD_MEMBERS_CHUNK', {
      guild_id: guild.id,
      members: members.map((m) => this.store.memberJson(guild, m)),
      chunk_index: 0,
      chunk_count: 1,
      not_found: ids ? ids.filter((id) => !guild.members.has(String(id))) : [],
      ...(typeof data.nonce === 'string' ? { nonce: data.nonce } : {}),
    });
  }

  /** Guild sharding: `shard_id = (guild_id >> 22) % num_shards` — Topics › Gateway › Sharding. */
  private shardHasGuild(session: GatewaySession, guildId: string): boolean {
    const [id, count] = session.shard;
    return Number((BigInt(guildId) >> 22n) % BigInt(count)) === id;
  }

  private dispatch(session: GatewaySession, t: string, d: unknown): void {
    const event = { s: ++session.seq, t, d };
    session.buffer.push(event);
    if (session.buffer.length > REPLAY_BUFFER_SIZE) session.buffer.shift();
    if (session.connection) this.send(session.connection, { op: GatewayOp.Dispatch, ...event });
  }

  private send(connection: GatewayConnection, payload: Record<string, unknown>): void {
    const text = JSON.stringify(payload);
    const write = () => {
      if (connection.ws.readyState === WebSocket.OPEN) connection.ws.send(text);
    };
    if (this.latencyMs > 0) setTimeout(write, this.latencyMs);
    else write();
  }

  private closeWith(connection: GatewayConnection, code: number): void {
    if (connection.ws.readyState === WebSocket.OPEN) connection.ws.close(code, GatewayCloseReason[code]);
  }

  /**
   * A closed connection leaves its session resumable for the resume window, except after a client
   * close with 1000/1001, which invalidates it — Topics › Gateway › Disconnecting.
   */
  private onClose(connection: GatewayConnection, code: number): void {
    this.connections.delete(connection);
    if (connection.heartbeatTimer) clearTimeout(connection.heartbeatTimer);
    const session = connection.session;
    connection.session = null;
    if (!session || session.connection !== connection) return;
    session.connection = null;
    if (!session.valid) return;
    if (code === 1000 || code === 1001) return this.invalidate(session);
    session.disconnectedAt = Date.now();
    session.expiryTimer = setTimeout(() => this.invalidate(session), this.options.resumeWindowMs);
  }

  private invalidate(session: GatewaySession): void {
    session.valid = false;
    if (session.expiryTimer) clearTimeout(session.expiryTimer);
    session.expiryTimer = null;
    this.sessions.delete(session.sessionId);
  }
}
