import { randomBytes } from 'node:crypto';
import {
  createServer,
  STATUS_CODES,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { cpus, loadavg } from 'node:os';
import { WebSocketServer, type WebSocket } from 'ws';
import { z } from 'zod';
import { LavalinkSandboxControl, type LavalinkSandboxEvent } from './lavalink-sandbox.control';
import {
  LAVALINK_DEFAULT_PASSWORD,
  LAVALINK_DEFAULT_PLAYER_UPDATE_INTERVAL_MS,
  LAVALINK_DEFAULT_STATS_INTERVAL_MS,
  LAVALINK_FILTERS,
  LAVALINK_SANDBOX_CONTROL_PREFIX,
  LAVALINK_SANDBOX_VERSION,
  LAVALINK_SHUTDOWN_CLOSE_CODE,
  LAVALINK_SOURCE_MANAGERS,
} from './lavalink-sandbox.constants';
import { LavalinkSandboxError } from './lavalink-sandbox.exception';
import { NodeSession } from './lavalink-session';
import type { LavalinkStats } from './lavalink.types';
import { TrackDecodeError } from './track-codec';
import {
  resolveEncoded,
  toLavalinkTrack,
  toLoadResult,
  TrackResolver,
  type ResolvedTrack,
} from './track-resolver';

/** Options of {@link LavalinkSandbox.start}. */
export interface LavalinkSandboxOptions {
  /** Loopback address to bind (default `127.0.0.1`). */
  host?: string;
  /** TCP port, 0 = any free port (default 0). */
  port?: number;
  /** Node password (default `youshallnotpass`). */
  password?: string;
  /** Wall ms per track ms (default 1); 0.01 plays a 3-minute track in 1.8 s. */
  timeScale?: number;
  /** Stats op interval in wall ms (default 60 000, as Lavalink). */
  statsIntervalMs?: number;
  /** playerUpdate op interval in wall ms (default 5 000, as Lavalink). */
  playerUpdateIntervalMs?: number;
  /** Node name, used in logs and the control API. */
  name?: string;
}

/** An HTTP error answered with Lavalink's error JSON (REST API § Error Responses). */
class RestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const guildIdSchema = z.string().regex(/^\d{1,20}$/, 'guildId must be a Discord snowflake');

const playerUpdateSchema = z.object({
  track: z
    .object({
      encoded: z.string().nullable().optional(),
      identifier: z.string().optional(),
      userData: z.record(z.string(), z.unknown()).optional(),
    })
    .optional(),
  encodedTrack: z.string().nullable().optional(),
  identifier: z.string().optional(),
  position: z.number().int().min(0).optional(),
  endTime: z.number().int().nullable().optional(),
  volume: z.number().int().min(0).max(1000).optional(),
  paused: z.boolean().optional(),
  filters: z.record(z.string(), z.unknown()).optional(),
  voice: z
    .object({
      token: z.string().optional(),
      endpoint: z.string().nullable().optional(),
      sessionId: z.string().optional(),
      channelId: z.string().nullable().optional(),
    })
    .optional(),
});

const sessionUpdateSchema = z.object({
  resuming: z.boolean().optional(),
  timeout: z.number().int().min(0).optional(),
});

const decodeTracksSchema = z.array(z.string());

/** Emulated voice ping (ms) reported while a player's voice connection is complete. */
const VOICE_PING_MS = 18;

/**
 * A Lavalink v4 node emulator: REST and WebSocket on one loopback port, protocol-faithful
 * enough that the unmodified lavalink-client talks to it (lavalink.dev API docs: REST,
 * WebSocket, Implementation). Tracks come from a built-in catalogue (plus WAV files over
 * HTTP), playback runs on a scalable clock, and faults are injected through {@link control}
 * or the HTTP control API under `/_sandbox/…` on the same port.
 *
 * Differences from a real node, by design: no audio is produced; voice connections succeed as
 * soon as the voice state is complete; only WAV is probed by the HTTP source; filters are
 * stored but do not change the clock.
 */
export class LavalinkSandbox {
  readonly control: LavalinkSandboxControl;
  readonly password: string;
  readonly name: string;
  readonly host: string;
  private boundPort = 0;
  private server: Server | null = null;
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly sockets = new Set<Socket>();
  private readonly sessions = new Map<string, NodeSession>();
  private readonly resolver = new TrackResolver();
  private readonly startedAt = Date.now();
  private readonly timeScale: number;
  private readonly statsIntervalMs: number;
  private readonly playerUpdateIntervalMs: number;
  private up = false;
  private upTimer: NodeJS.Timeout | null = null;
  private lastCpu = { usage: process.cpuUsage(), at: Date.now() };

  private constructor(options: LavalinkSandboxOptions) {
    this.host = options.host ?? '127.0.0.1';
    this.password = options.password ?? LAVALINK_DEFAULT_PASSWORD;
    this.name = options.name ?? 'sandbox';
    this.timeScale = options.timeScale ?? 1;
    this.statsIntervalMs = options.statsIntervalMs ?? LAVALINK_DEFAULT_STATS_INTERVAL_MS;
    this.playerUpdateIntervalMs =
      options.playerUpdateIntervalMs ?? LAVALINK_DEFAULT_PLAYER_UPDATE_INTERVAL_MS;
    if (!(this.timeScale > 0)) throw new LavalinkSandboxError('timeScale must be a positive number');
    if (!(this.statsIntervalMs > 0)) throw new LavalinkSandboxError('statsIntervalMs must be positive');
    if (!(this.playerUpdateIntervalMs > 0))
      throw new LavalinkSandboxError('playerUpdateIntervalMs must be positive');
    this.control = new LavalinkSandboxControl({
      sessions: () => [...this.sessions.values()],
      nodeDown: (keepSessions) => this.nodeDown(keepSessions),
      nodeUp: () => this.nodeUp(),
      isUp: () => this.up,
      catalogue: () => this.resolver.catalogue(),
    });
  }

  /**
   * Starts REST + WebSocket on one loopback port.
   * @throws LavalinkSandboxError for invalid options; the listen error if the port is taken.
   */
  static async start(options: LavalinkSandboxOptions = {}): Promise<LavalinkSandbox> {
    const sandbox = new LavalinkSandbox(options);
    await sandbox.listen(options.port ?? 0);
    return sandbox;
  }

  /** Base URL, `http://127.0.0.1:<port>`. */
  get url(): string {
    return `http://${this.host}:${this.boundPort}`;
  }

  /** The bound port (stable across node down/up). */
  get port(): number {
    return this.boundPort;
  }

  /** Closes every socket, destroys every session and stops listening. */
  async stop(): Promise<void> {
    if (this.upTimer) clearTimeout(this.upTimer);
    this.upTimer = null;
    await this.nodeDown(false);
    this.wss.close();
  }

  private async listen(port: number): Promise<void> {
    const server = createServer((request, response) => {
      this.handleHttp(request, response).catch((error: unknown) => {
        if (!response.headersSent)
          this.sendError(request, response, 500, error instanceof Error ? error.message : 'Internal error');
      });
    });
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    server.on('upgrade', (request: IncomingMessage, socket: Socket, head: Buffer) =>
      this.handleUpgrade(request, socket, head),
    );
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, this.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.boundPort = (server.address() as AddressInfo).port;
    this.server = server;
    this.up = true;
  }

  /**
   * Takes the node down: every WebSocket closes with 1001 (Lavalink `ShutdownHandler`), the
   * listener closes so new connections are refused. With `keepSessions`, sessions stay
   * resumable (resuming ones pause and their timeout runs); without, every session is gone,
   * as after a process restart.
   */
  private async nodeDown(keepSessions: boolean): Promise<void> {
    const server = this.server;
    this.server = null;
    this.up = false;
    const closing = [...this.wss.clients].map(
      (client) =>
        new Promise<void>((resolve) => {
          if (client.readyState === client.CLOSED) return resolve();
          const timer = setTimeout(() => {
            client.terminate();
            resolve();
          }, 250);
          client.once('close', () => {
            clearTimeout(timer);
            resolve();
          });
          client.close(LAVALINK_SHUTDOWN_CLOSE_CODE, 'Going away');
        }),
    );
    await Promise.all(closing);
    if (!keepSessions) {
      for (const session of this.sessions.values()) session.shutdown();
      this.sessions.clear();
    }
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const socket of this.sockets) socket.destroy();
      this.sockets.clear();
    });
  }

  private async nodeUp(): Promise<void> {
    if (this.up) return;
    await this.listen(this.boundPort);
  }

  /** Schedules node up after `ms`, used by the HTTP control API (the API is down meanwhile). */
  private scheduleUp(ms: number): void {
    if (this.upTimer) clearTimeout(this.upTimer);
    this.upTimer = setTimeout(() => {
      this.upTimer = null;
      void this.nodeUp();
    }, ms);
  }

  // ---------------------------------------------------------------- WebSocket

  /**
   * WebSocket handshake on `/v4/websocket` (WebSocket API § Opening a connection): the
   * `Authorization` header must equal the password (401 otherwise, Lavalink
   * `HandshakeInterceptorImpl`). `User-Id` is a required header (API § Opening a connection);
   * the emulator refuses a missing or non-snowflake one with 400 rather than failing after the
   * upgrade. `Session-Id` resumes a paused session. The response carries `Session-Resumed`
   * (API § Resuming) and `Lavalink-Major-Version: 4`.
   */
  private handleUpgrade(request: IncomingMessage, socket: Socket, head: Buffer): void {
    const reject = (status: number) => {
      socket.end(
        `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`,
      );
    };
    const path = (request.url ?? '').split('?')[0];
    if (path !== '/v4/websocket') return reject(404);
    if (request.headers.authorization !== this.password) return reject(401);
    const userId = header(request, 'user-id');
    if (!userId || !/^\d{1,20}$/.test(userId)) return reject(400);
    const clientName = header(request, 'client-name') ?? null;
    const requested = header(request, 'session-id');
    const candidate = requested ? this.sessions.get(requested) : undefined;
    const resumable = candidate && !candidate.connected && candidate.resuming ? candidate : undefined;
    const onHeaders = (headers: string[], req: IncomingMessage) => {
      if (req !== request) return;
      headers.push(`Session-Resumed: ${resumable ? 'true' : 'false'}`, 'Lavalink-Major-Version: 4');
    };
    this.wss.on('headers', onHeaders);
    socket.once('close', () => this.wss.off('headers', onHeaders));
    this.wss.handleUpgrade(request, socket, head, (ws) => {
      this.wss.off('headers', onHeaders);
      const session = resumable ?? this.createSession(userId, clientName);
      this.bindSocket(session, ws, Boolean(resumable));
    });
  }

  private createSession(userId: string, clientName: string | null): NodeSession {
    let id: string;
    do id = sessionId();
    while (this.sessions.has(id));
    const session = new NodeSession(
      id,
      userId,
      clientName,
      {
        timeScale: this.timeScale,
        playerUpdateIntervalMs: this.playerUpdateIntervalMs,
        voicePingMs: VOICE_PING_MS,
      },
      (from, message) => this.control.record(from, message),
    );
    this.sessions.set(id, session);
    return session;
  }

  private bindSocket(session: NodeSession, ws: WebSocket, resumed: boolean): void {
    ws.on('close', () => {
      // A newer socket may already own a resumed session.
      if (!this.sessions.has(session.id)) return;
      const paused = session.detach(() => this.expireSession(session));
      if (!paused) this.expireSession(session);
    });
    ws.on('error', () => ws.terminate());
    session.attach(ws, resumed);
    if (!resumed) session.startStats(this.statsIntervalMs, () => ({ op: 'stats', ...this.stats(session) }));
  }

  private expireSession(session: NodeSession): void {
    session.shutdown();
    this.sessions.delete(session.id);
  }

  /**
   * Stats object (WebSocket API § Stats Object). Player counts are node-wide; `frameStats`
   * is null without players and omitted over REST ("frameStats is always missing for this
   * endpoint"). Frames are ideal: 3000 per playing player per minute, no deficit.
   */
  private stats(session?: NodeSession): LavalinkStats {
    const players = [...this.sessions.values()].flatMap((candidate) => [...candidate.players.values()]);
    const playingPlayers = players.filter((player) => player.isPlaying).length;
    const memory = process.memoryUsage();
    const now = Date.now();
    const usage = process.cpuUsage(this.lastCpu.usage);
    const elapsedUs = Math.max(1, (now - this.lastCpu.at) * 1000);
    const cores = cpus().length || 1;
    this.lastCpu = { usage: process.cpuUsage(), at: now };
    const stats: LavalinkStats = {
      players: players.length,
      playingPlayers,
      uptime: now - this.startedAt,
      memory: {
        free: Math.max(0, memory.heapTotal - memory.heapUsed),
        used: memory.heapUsed,
        allocated: memory.heapTotal,
        reservable: memory.rss * 4,
      },
      cpu: {
        cores,
        systemLoad: Math.min(1, (loadavg()[0] ?? 0) / cores),
        lavalinkLoad: Math.min(1, (usage.user + usage.system) / elapsedUs / cores),
      },
    };
    if (session) {
      const playing = [...session.players.values()].filter((player) => player.isPlaying).length;
      stats.frameStats = session.players.size === 0 ? null : { sent: playing * 3000, nulled: 0, deficit: 0 };
    }
    return stats;
  }

  // ---------------------------------------------------------------- REST

  private async handleHttp(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://sandbox');
    const path = url.pathname;
    if (path.startsWith(`${LAVALINK_SANDBOX_CONTROL_PREFIX}/`)) {
      return this.handleControl(request, response, url);
    }
    // Lavalink `RequestAuthorizationFilter`: a missing Authorization header is 401, a wrong
    // one 403. The emulator answers both with the error JSON body.
    const authorization = request.headers.authorization;
    if (authorization === undefined) return this.sendError(request, response, 401, 'Authorization missing');
    if (authorization !== this.password)
      return this.sendError(request, response, 403, 'Authorization failed');
    try {
      await this.route(request, response, url);
    } catch (error) {
      if (error instanceof RestError) return this.sendError(request, response, error.status, error.message);
      throw error;
    }
  }

  private async route(request: IncomingMessage, response: ServerResponse, url: URL): Promise<void> {
    const method = request.method ?? 'GET';
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const version = `${LAVALINK_SANDBOX_VERSION.major}.${LAVALINK_SANDBOX_VERSION.minor}.${LAVALINK_SANDBOX_VERSION.patch}+${LAVALINK_SANDBOX_VERSION.build}`;

    if (method === 'GET' && path === '/version') {
      response.writeHead(200, { 'content-type': 'text/plain' }).end(version);
      return;
    }
    if (method === 'GET' && path === '/v4/info') return sendJson(response, 200, this.info(version));
    if (method === 'GET' && path === '/v4/stats') return sendJson(response, 200, this.stats());
    if (method === 'GET' && path === '/v4/loadtracks') {
      const identifier = url.searchParams.get('identifier');
      if (identifier === null) throw new RestError(400, "Required parameter 'identifier' is not present.");
      return sendJson(response, 200, toLoadResult(await this.resolver.load(identifier)));
    }
    if (method === 'GET' && path === '/v4/decodetrack') {
      const encoded = url.searchParams.get('encodedTrack') ?? url.searchParams.get('track');
      if (encoded === null) throw new RestError(400, "Required parameter 'encodedTrack' is not present.");
      return sendJson(response, 200, toLavalinkTrack(decodeOrThrow(encoded)));
    }
    if (method === 'POST' && path === '/v4/decodetracks') {
      const body = parseBody(decodeTracksSchema, await readJson(request));
      return sendJson(
        response,
        200,
        body.map((encoded) => toLavalinkTrack(decodeOrThrow(encoded))),
      );
    }

    const sessionMatch = /^\/v4\/sessions\/([^/]+)$/.exec(path);
    if (sessionMatch && method === 'PATCH') {
      const session = this.session(sessionMatch[1] ?? '');
      const body = parseBody(sessionUpdateSchema, await readJson(request));
      if (body.resuming !== undefined) session.resuming = body.resuming;
      if (body.timeout !== undefined) session.timeoutSeconds = body.timeout;
      return sendJson(response, 200, { resuming: session.resuming, timeout: session.timeoutSeconds });
    }

    const playersMatch = /^\/v4\/sessions\/([^/]+)\/players$/.exec(path);
    if (playersMatch && method === 'GET') {
      const session = this.session(playersMatch[1] ?? '');
      return sendJson(
        response,
        200,
        [...session.players.values()].map((player) => player.toDto()),
      );
    }

    const playerMatch = /^\/v4\/sessions\/([^/]+)\/players\/([^/]+)$/.exec(path);
    if (playerMatch) {
      const session = this.session(playerMatch[1] ?? '');
      const guildId = parseBody(guildIdSchema, playerMatch[2]);
      if (method === 'GET') {
        const player = session.players.get(guildId);
        if (!player) throw new RestError(404, 'Player not found');
        return sendJson(response, 200, player.toDto());
      }
      if (method === 'DELETE') {
        session.destroyPlayer(guildId);
        response.writeHead(204).end();
        return;
      }
      if (method === 'PATCH') {
        const noReplace = url.searchParams.get('noReplace') === 'true';
        const body = parseBody(playerUpdateSchema, await readJson(request));
        return sendJson(response, 200, await this.updatePlayer(session, guildId, body, noReplace));
      }
    }
    throw new RestError(404, `No handler for ${method} ${path}`);
  }

  /**
   * Update Player (REST API § Update Player), in the order of Lavalink
   * `PlayerRestHandler.patchPlayer`: validation (track vs encodedTrack/identifier, partial
   * voice state — `channelId` is required since 4.2 — end time > 0), voice, pause, userData,
   * volume, seek, end time, filters, then the new track unless `noReplace` and one is playing.
   * An `identifier` must resolve to a single track (400 for playlists, searches, no matches).
   */
  private async updatePlayer(
    session: NodeSession,
    guildId: string,
    body: z.infer<typeof playerUpdateSchema>,
    noReplace: boolean,
  ) {
    if (body.track && (body.encodedTrack !== undefined || body.identifier !== undefined)) {
      throw new RestError(400, 'Cannot specify both track and encodedTrack/identifier');
    }
    const encoded = body.track ? body.track.encoded : body.encodedTrack;
    const identifier = body.track ? body.track.identifier : body.identifier;
    const userData = body.track?.userData;
    if (encoded !== undefined && identifier !== undefined) {
      throw new RestError(400, 'Cannot specify both encodedTrack and identifier');
    }
    const voice = body.voice;
    if (voice && (!voice.token || !voice.endpoint || !voice.sessionId || !voice.channelId)) {
      throw new RestError(
        400,
        `Partial Lavalink voice state: token, endpoint, sessionId and channelId are required (missing ${[
          !voice.token && 'token',
          !voice.endpoint && 'endpoint',
          !voice.sessionId && 'sessionId',
          !voice.channelId && 'channelId',
        ]
          .filter(Boolean)
          .join(', ')})`,
      );
    }
    if (body.endTime !== undefined && body.endTime !== null && body.endTime <= 0) {
      throw new RestError(400, 'End time must be greater than 0');
    }
    const changesTrack = encoded !== undefined || identifier !== undefined;
    // Resolve before touching the player, so a bad identifier leaves it unchanged.
    let next: ResolvedTrack | null = null;
    if (changesTrack) {
      if (encoded) next = decodeOrThrow(encoded);
      if (identifier !== undefined) next = await this.resolveSingle(identifier);
    }

    const player = session.getOrCreatePlayer(guildId);
    if (voice?.token && voice.endpoint && voice.sessionId && voice.channelId) {
      player.connectVoice({
        token: voice.token,
        endpoint: voice.endpoint,
        sessionId: voice.sessionId,
        channelId: voice.channelId,
      });
    }
    if (!changesTrack) {
      if (body.paused !== undefined) player.setPaused(body.paused);
      if (userData) player.setUserData(userData);
    }
    if (body.volume !== undefined) player.volume = body.volume;
    if (!changesTrack) {
      if (body.position !== undefined) player.seek(body.position);
      if (body.endTime !== undefined) player.setEndTime(body.endTime);
    }
    if (body.filters) player.setFilters(body.filters);
    if (changesTrack && !(noReplace && player.currentTrack)) {
      player.setPaused(body.paused ?? false);
      if (next) player.play(next, { position: body.position, endTime: body.endTime, userData });
      else player.stop();
    }
    return player.toDto();
  }

  private async resolveSingle(identifier: string): Promise<ResolvedTrack> {
    const outcome = await this.resolver.load(identifier);
    switch (outcome.loadType) {
      case 'track':
        return outcome.track;
      case 'playlist':
      case 'search':
        throw new RestError(400, 'Cannot play a playlist or search result');
      case 'empty':
        throw new RestError(400, 'No matches found for identifier');
      case 'error':
        throw new RestError(500, outcome.exception.message ?? 'Failed to load track');
    }
  }

  private session(id: string): NodeSession {
    const session = this.sessions.get(id);
    if (!session) throw new RestError(404, 'Session not found');
    return session;
  }

  /** Info Response (REST API § Get Lavalink info). */
  private info(semver: string) {
    return {
      version: {
        semver,
        major: LAVALINK_SANDBOX_VERSION.major,
        minor: LAVALINK_SANDBOX_VERSION.minor,
        patch: LAVALINK_SANDBOX_VERSION.patch,
        preRelease: null,
        build: LAVALINK_SANDBOX_VERSION.build,
      },
      buildTime: this.startedAt,
      git: { branch: 'main', commit: 'sandbox', commitTime: this.startedAt },
      jvm: '21.0.5',
      lavaplayer: '2.2.4',
      sourceManagers: [...LAVALINK_SOURCE_MANAGERS],
      filters: [...LAVALINK_FILTERS],
      plugins: [{ name: 'youtube-plugin', version: '1.13.3' }],
    };
  }

  /**
   * Error JSON (REST API § Error Responses): `timestamp`, `status`, `error` (reason phrase),
   * `message`, `path`, and `trace` when the request has `trace=true`.
   */
  private sendError(
    request: IncomingMessage,
    response: ServerResponse,
    status: number,
    message: string,
  ): void {
    const url = new URL(request.url ?? '/', 'http://sandbox');
    const body: Record<string, unknown> = {
      timestamp: Date.now(),
      status,
      error: STATUS_CODES[status] ?? 'Error',
      message,
      path: url.pathname,
    };
    if (url.searchParams.get('trace') === 'true') {
      body.trace = `org.springframework.web.server.ResponseStatusException: ${status} ${STATUS_CODES[status] ?? ''} "${message}"`;
    }
    sendJson(response, status, body);
  }

  // ---------------------------------------------------------------- control API

  /**
   * HTTP control API (not part of Lavalink, no password): `GET /_sandbox/sessions`,
   * `GET /_sandbox/players`, `GET /_sandbox/events?since=<seq>`, `GET /_sandbox/catalogue`,
   * `POST /_sandbox/node-down {forMs?, keepSessions?}`, `POST /_sandbox/restart
   * {keepSessions?, downtimeMs?}`, `POST /_sandbox/players/{guildId}/stuck|fail|voice-closed`
   * with optional `{sessionId, message, code, reason}`.
   */
  private async handleControl(request: IncomingMessage, response: ServerResponse, url: URL): Promise<void> {
    const method = request.method ?? 'GET';
    const path = url.pathname.slice(LAVALINK_SANDBOX_CONTROL_PREFIX.length).replace(/\/+$/, '');
    try {
      if (method === 'GET' && path === '/sessions') return sendJson(response, 200, this.control.sessions());
      if (method === 'GET' && path === '/players') return sendJson(response, 200, this.control.players());
      if (method === 'GET' && path === '/catalogue') {
        return sendJson(
          response,
          200,
          this.resolver.catalogue().map((track) => toLavalinkTrack(track)),
        );
      }
      if (method === 'GET' && path === '/events') {
        const since = Number(url.searchParams.get('since') ?? '0');
        return sendJson(
          response,
          200,
          this.control.events.filter((event: LavalinkSandboxEvent) => event.seq > since),
        );
      }
      if (method === 'POST' && path === '/node-down') {
        const body = parseBody(controlDownSchema, await readJson(request, true));
        sendJson(response, 202, { down: true, forMs: body.forMs ?? null });
        response.once('finish', () => {
          void this.nodeDown(body.keepSessions ?? true).then(() => {
            if (body.forMs !== undefined) this.scheduleUp(body.forMs);
          });
        });
        return;
      }
      if (method === 'POST' && path === '/restart') {
        const body = parseBody(controlRestartSchema, await readJson(request, true));
        sendJson(response, 202, { restarting: true });
        response.once('finish', () => {
          void this.nodeDown(body.keepSessions ?? true).then(() => this.scheduleUp(body.downtimeMs ?? 0));
        });
        return;
      }
      const fault = /^\/players\/([^/]+)\/(stuck|fail|voice-closed)$/.exec(path);
      if (method === 'POST' && fault) {
        const guildId = parseBody(guildIdSchema, fault[1]);
        const body = parseBody(controlFaultSchema, await readJson(request, true));
        const filter = { sessionId: body.sessionId };
        let affected = 0;
        if (fault[2] === 'stuck') affected = this.control.stickCurrentTrack(guildId, filter);
        if (fault[2] === 'fail')
          affected = this.control.failCurrentTrack(
            guildId,
            body.message ?? 'Something broke while playing',
            filter,
          );
        if (fault[2] === 'voice-closed') {
          affected = this.control.closeVoice(guildId, { ...filter, code: body.code, reason: body.reason });
        }
        return sendJson(response, 200, { affected });
      }
      throw new RestError(404, `No control handler for ${method} ${path}`);
    } catch (error) {
      if (error instanceof RestError) return this.sendError(request, response, error.status, error.message);
      if (error instanceof LavalinkSandboxError) return this.sendError(request, response, 404, error.message);
      throw error;
    }
  }
}

const controlDownSchema = z.object({
  forMs: z.number().int().min(0).optional(),
  keepSessions: z.boolean().optional(),
});
const controlRestartSchema = z.object({
  downtimeMs: z.number().int().min(0).optional(),
  keepSessions: z.boolean().optional(),
});
const controlFaultSchema = z.object({
  sessionId: z.string().optional(),
  message: z.string().max(500).optional(),
  code: z.number().int().optional(),
  reason: z.string().max(200).optional(),
});

/** Lavalink session ids: 16 characters of `[a-z0-9]` (Lavalink `SocketServer.generateSessionId`). */
function sessionId(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return [...randomBytes(16)].map((byte) => alphabet[byte % alphabet.length]).join('');
}

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function decodeOrThrow(encoded: string): ResolvedTrack {
  try {
    return resolveEncoded(encoded);
  } catch (error) {
    if (error instanceof TrackDecodeError)
      throw new RestError(400, `Invalid encoded track: ${error.message}`);
    throw error;
  }
}

function parseBody<T>(schema: z.ZodType<T>, value: unknown): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
    throw new RestError(400, `Invalid request: ${where}${issue?.message ?? 'malformed'}`);
  }
  return parsed.data;
}

const MAX_BODY_BYTES = 1024 * 1024;

async function readJson(request: IncomingMessage, optional = false): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) throw new RestError(413, 'Request body too large');
    chunks.push(buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') {
    if (optional) return {};
    throw new RestError(400, 'Required request body is missing');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new RestError(400, 'Malformed JSON request body');
  }
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(payload),
  });
  response.end(payload);
}
