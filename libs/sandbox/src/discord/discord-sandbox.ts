import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { DiscordCore } from './discord-core';
import { DiscordSandboxControl } from './discord-control';
import { DiscordOAuth2, type OAuthResponse } from './discord-oauth2';
import type { RateLimitOptions } from './discord-rate-limits';
import { DiscordRest, type RestAuth, type RestRequest } from './discord-rest';
import { Router } from './discord-router';
import {
  DEFAULT_HEARTBEAT_INTERVAL_MS,
  DEFAULT_INTERACTION_DEADLINE_MS,
  GATEWAY_VERSION,
} from './discord-sandbox.constants';
import { DiscordApiError, DiscordSandboxError, DiscordSandboxErrorCode } from './discord-sandbox.exception';

/** Options of {@link DiscordSandbox.start}. */
export interface DiscordSandboxOptions {
  /** Interface to listen on (default 127.0.0.1). */
  host?: string;
  /** Port (default 0 = any free port). */
  port?: number;
  /** Initial-response deadline of interactions, ms (default 3000 as Discord's). */
  interactionDeadlineMs?: number;
  /** Base URL clients should use when it differs from the listen address (e.g. behind a proxy). */
  publicUrl?: string;
  /** Heartbeat interval announced in Hello, ms (default 41250). */
  heartbeatIntervalMs?: number;
  /** How long a disconnected gateway session stays resumable, ms (default 120000). */
  resumeWindowMs?: number;
  /** REST rate-limit buckets (default: message create 5 per 5 s, others 50 per s, global 50 per s). */
  rateLimits?: RateLimitOptions;
  /** Voice server endpoint in VOICE_SERVER_UPDATE (default `voice.sandbox.invalid:443`, never resolvable). */
  voiceEndpoint?: string;
}

/** URLs of a running sandbox. */
export interface DiscordSandboxUrls {
  /** REST base to pass as discord.js `rest.api` (clients append `/v10`). */
  api: string;
  /** Gateway WebSocket URL (as returned by `GET /gateway/bot`). */
  gateway: string;
  /** Control API base (`/_sandbox`). */
  control: string;
  /** OAuth2 authorization page (`/oauth2/authorize`). */
  oauth2: string;
}

const MAX_BODY_BYTES = 8 * 1024 * 1024;

type ControlHandler = (params: Record<string, string>, body: unknown, query: URLSearchParams) => unknown;

/**
 * A Discord emulator on one loopback port: REST v10 under `/api`, the gateway WebSocket under
 * `/gateway`, OAuth2 pages under `/oauth2`, and a control API under `/_sandbox` (mirrored in process
 * by {@link DiscordSandbox.control}). Unmodified discord.js, @discordjs/rest and necord talk to it.
 */
export class DiscordSandbox {
  readonly urls: DiscordSandboxUrls;
  readonly control: DiscordSandboxControl;
  private readonly sockets = new Set<Socket>();
  private readonly controlRouter = new Router<ControlHandler>();
  private stopped = false;

  private constructor(
    private readonly server: Server,
    private readonly core: DiscordCore,
    private readonly rest: DiscordRest,
    private readonly oauth: DiscordOAuth2,
    base: string,
  ) {
    const wsBase = base.replace(/^http/, 'ws');
    this.urls = {
      api: `${base}/api`,
      gateway: `${wsBase}/gateway`,
      control: `${base}/_sandbox`,
      oauth2: `${base}/oauth2/authorize`,
    };
    this.control = new DiscordSandboxControl(core, oauth);
    this.controlRoutes();
  }

  /**
   * Starts the sandbox and resolves once it listens. Throws when the port is taken.
   */
  static async start(options: DiscordSandboxOptions = {}): Promise<DiscordSandbox> {
    const host = options.host ?? '127.0.0.1';
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const { port } = server.address() as AddressInfo;
    const base = (options.publicUrl ?? `http://${host.includes(':') ? `[${host}]` : host}:${port}`).replace(
      /\/$/,
      '',
    );
    const gatewayUrl = `${base.replace(/^http/, 'ws')}/gateway`;
    const core = new DiscordCore({
      interactionDeadlineMs: options.interactionDeadlineMs ?? DEFAULT_INTERACTION_DEADLINE_MS,
      rateLimits: options.rateLimits,
      gateway: {
        heartbeatIntervalMs: options.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS,
        resumeWindowMs: options.resumeWindowMs ?? 120000,
        resumeUrl: () => gatewayUrl,
        voiceEndpoint: options.voiceEndpoint ?? 'voice.sandbox.invalid:443',
      },
    });
    const rest = new DiscordRest(core, () => gatewayUrl);
    const oauth = new DiscordOAuth2(core);
    const sandbox = new DiscordSandbox(server, core, rest, oauth, base);
    sandbox.attach();
    return sandbox;
  }

  /** Stops listening, closes every gateway connection, HTTP socket and timer. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.core.close();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  private attach(): void {
    this.server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    this.server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      this.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) this.json(res, 500, { message: '500: Internal Server Error', code: 0 });
        else res.end();
        void error;
      });
    });
    this.server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
      const path = new URL(req.url ?? '/', 'http://sandbox').pathname.replace(/\/$/, '');
      if (path === '/gateway' || path === '') this.core.gateway.handleUpgrade(req, socket, head);
      else socket.destroy();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const method = (req.method ?? 'GET').toUpperCase();
    const path = url.pathname;
    let body: unknown;
    try {
      body = await this.readBody(req);
    } catch (error) {
      const status = error instanceof DiscordApiError ? error.status : 400;
      return this.json(
        res,
        status,
        error instanceof DiscordApiError ? error.toBody() : { message: '400: Bad Request', code: 0 },
      );
    }
    if (path.startsWith('/_sandbox'))
      return this.handleControl(method, path.slice('/_sandbox'.length) || '/', body, url.searchParams, res);
    if (path === '/oauth2/authorize' && method === 'GET')
      return this.sendOAuth(res, this.oauth.authorize(url.searchParams));
    const versioned = /^\/api(?:\/v(\d+))?(\/.*)$/.exec(path);
    if (!versioned) return this.json(res, 404, { message: '404: Not Found', code: 0 });
    const [, version, apiPath] = versioned;
    if (version !== undefined && version !== String(GATEWAY_VERSION) && version !== '9') {
      return this.json(res, 400, { message: 'Invalid API version', code: 50041 });
    }
    if (this.core.restLatencyMs > 0)
      await new Promise((resolve) => setTimeout(resolve, this.core.restLatencyMs));
    if (apiPath === '/oauth2/token' && method === 'POST') {
      return this.sendOAuth(res, this.oauth.token(toRecord(body), req.headers.authorization));
    }
    if (apiPath === '/oauth2/token/revoke' && method === 'POST')
      return this.sendOAuth(res, this.oauth.revoke(toRecord(body)));
    return this.handleRest(method, apiPath, body, url.searchParams, req, res);
  }

  /** REST dispatch: route match → auth → rate limit → handler; errors in Discord's JSON shape. */
  private handleRest(
    method: string,
    path: string,
    body: unknown,
    query: URLSearchParams,
    req: IncomingMessage,
    res: ServerResponse,
  ): void {
    const match = this.rest.router.match(method, path);
    if (!match.route) {
      return match.allowed.length > 0
        ? this.json(res, 405, { message: '405: Method Not Allowed', code: 0 })
        : this.json(res, 404, { message: '404: Not Found', code: 0 });
    }
    const { route, params } = match;
    const auth = this.authenticate(req.headers.authorization);
    const rule = route.value.auth;
    const allowed =
      rule === 'none' ||
      (rule === 'bot' && auth.kind === 'bot') ||
      (rule === 'bearer' && auth.kind === 'bearer') ||
      (rule === 'bot-or-bearer' && auth.kind !== 'none');
    if (!allowed) return this.json(res, 401, DiscordApiError.unauthorized().toBody());
    const identity =
      auth.kind === 'bot'
        ? `bot:${auth.app.id}`
        : auth.kind === 'bearer'
          ? `bearer:${auth.grant.userId}`
          : `ip:${req.socket.remoteAddress ?? ''}`;
    const decision = this.core.rateLimiter.check(
      identity,
      `${method} ${route.template}`,
      DiscordRest.majorParameter(params),
      route.value.exemptGlobal === true,
    );
    if (decision.limited) {
      // 429 body — Topics › Rate Limits › Exceeding A Rate Limit.
      return this.json(
        res,
        429,
        {
          message: 'You are being rate limited.',
          retry_after: decision.limited.retryAfterMs / 1000,
          global: decision.limited.global,
        },
        decision.headers,
      );
    }
    const request: RestRequest = { method, params, query, body, auth };
    try {
      const response = route.value.handler(request);
      if (response.body === undefined) {
        res.writeHead(response.status, decision.headers);
        res.end();
        return;
      }
      this.json(res, response.status, response.body, decision.headers);
    } catch (error) {
      if (error instanceof DiscordApiError)
        return this.json(res, error.status, error.toBody(), decision.headers);
      if (error instanceof DiscordSandboxError)
        return this.json(res, 400, { message: error.message, code: 50035 }, decision.headers);
      throw error;
    }
  }

  private authenticate(header: string | undefined): RestAuth {
    if (!header) return { kind: 'none' };
    if (header.startsWith('Bot ')) {
      const app = this.core.store.applicationByToken(header.slice(4).trim());
      return app ? { kind: 'bot', app } : { kind: 'none' };
    }
    if (header.startsWith('Bearer ')) {
      const grant = this.oauth.bearer(header.slice(7).trim());
      return grant ? { kind: 'bearer', grant } : { kind: 'none' };
    }
    return { kind: 'none' };
  }

  private async handleControl(
    method: string,
    path: string,
    body: unknown,
    query: URLSearchParams,
    res: ServerResponse,
  ): Promise<void> {
    const match = this.controlRouter.match(method, path);
    if (!match.route)
      return this.json(res, 404, { error: 'not_found', message: `No control route ${method} ${path}` });
    try {
      const result = await match.route.value(match.params, body ?? {}, query);
      if (result === undefined) {
        res.writeHead(204);
        res.end();
        return;
      }
      this.json(res, 200, result);
    } catch (error) {
      if (error instanceof DiscordSandboxError)
        return this.json(res, error.status, { error: error.code, message: error.message });
      throw error;
    }
  }

  /** HTTP twin of {@link DiscordSandboxControl}: JSON in, JSON out, errors `{ error, message }`. */
  private controlRoutes(): void {
    const c = this.control;
    const r = this.controlRouter;
    const obj = (body: unknown) => toRecord(body);
    r.add('POST', '/applications', (_p, body) => c.createApplication(obj(body)));
    r.add('GET', '/applications/:app/commands', (p, _b, q) =>
      c.listCommands(p.app, q.get('guild_id') ?? undefined),
    );
    r.add('POST', '/users', (_p, body) => c.createUser(obj(body) as never));
    r.add('POST', '/guilds', (_p, body) => c.createGuild(obj(body) as never));
    r.add('PUT', '/guilds/:guild/members/:user', (p, body) =>
      c.addMember(p.guild, p.user, stringArray(obj(body).roles)),
    );
    r.add('DELETE', '/guilds/:guild/members/:user', (p) => c.removeMember(p.guild, p.user));
    r.add('PUT', '/guilds/:guild/bots/:app', (p, body) =>
      c.inviteBot(p.guild, p.app, str(obj(body).permissions, '0')),
    );
    r.add('PUT', '/guilds/:guild/voice-states/:user', (p, body) => {
      const channelId = obj(body).channelId;
      if (channelId !== null && typeof channelId !== 'string') {
        throw new DiscordSandboxError(
          DiscordSandboxErrorCode.InvalidInput,
          'channelId: must be a channel id or null',
        );
      }
      return c.moveVoice(p.guild, p.user, channelId) ?? { guildId: p.guild, userId: p.user, channelId: null };
    });
    r.add(
      'GET',
      '/guilds/:guild/voice-states/:user',
      (p) => c.getVoiceState(p.guild, p.user) ?? { guildId: p.guild, userId: p.user, channelId: null },
    );
    r.add('POST', '/interactions/commands', (_p, body) => c.invokeSlashCommand(obj(body) as never));
    r.add('POST', '/interactions/autocomplete', (_p, body) => c.invokeAutocomplete(obj(body) as never));
    r.add('POST', '/interactions/buttons', (_p, body) => c.pressButton(obj(body) as never));
    r.add('POST', '/interactions/modals', (_p, body) => c.submitModal(obj(body) as never));
    r.add('GET', '/channels/:channel/messages', (p) => c.listMessages(p.channel));
    r.add('POST', '/messages', (_p, body) => c.postUserMessage(obj(body) as never));
    r.add('GET', '/users/:user/dms/:bot', (p) => c.listDirectMessages(p.user, p.bot));
    r.add('PUT', '/users/:user/dms/:bot', (p) => c.openDirectMessage(p.user, p.bot));
    r.add('PUT', '/oauth2/user', (_p, body) => {
      const userId = obj(body).userId;
      c.setOAuthUser(typeof userId === 'string' ? userId : null);
    });
    r.add('POST', '/faults/gateway-drop', (_p, body) => c.dropGateway(obj(body) as never));
    r.add('POST', '/faults/refuse-resume', (_p, body) => {
      const count = obj(body).count;
      c.refuseNextResume(str(obj(body).botUserId, ''), typeof count === 'number' ? count : 1);
    });
    r.add('GET', '/applications/:app/identifies', (p) => ({ identifies: c.identifyCount(p.app) }));
    r.add('POST', '/faults/reconnect', (_p, body) => c.requestReconnect(str(obj(body).botUserId, '')));
    r.add('POST', '/faults/invalid-session', (_p, body) =>
      c.invalidateSession(str(obj(body).botUserId, ''), obj(body).resumable === true),
    );
    r.add('PUT', '/faults/latency', (_p, body) => c.setLatency(obj(body)));
    r.add('POST', '/faults/rate-limit', (_p, body) => c.forceRateLimit(obj(body) as never));
    r.add('GET', '/bots/:bot/connected', (p) => ({ connected: c.isConnected(p.bot) }));
  }

  private async readBody(req: IncomingMessage): Promise<unknown> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > MAX_BODY_BYTES) throw new DiscordApiError(413, 40005, 'Request entity too large');
      chunks.push(chunk as Buffer);
    }
    if (size === 0) return undefined;
    const raw = Buffer.concat(chunks).toString('utf8');
    const type = req.headers['content-type'] ?? '';
    if (type.startsWith('application/x-www-form-urlencoded'))
      return Object.fromEntries(new URLSearchParams(raw));
    if (type.startsWith('multipart/form-data')) {
      // discord.js sends `payload_json` plus files as multipart; files are not stored.
      const match = /name="payload_json"[^\r\n]*\r\n(?:[^\r\n]+\r\n)*\r\n([\s\S]*?)\r\n--/.exec(raw);
      return match ? parseJson(match[1]) : {};
    }
    return parseJson(raw);
  }

  private sendOAuth(res: ServerResponse, response: OAuthResponse): void {
    if ('location' in response) {
      res.writeHead(302, { location: response.location });
      res.end();
    } else if ('html' in response) {
      res.writeHead(response.status, { 'content-type': 'text/html; charset=utf-8' });
      res.end(response.html);
    } else {
      this.json(res, response.status, response.json, response.headers);
    }
  }

  private json(
    res: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ): void {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
      ...headers,
    });
    res.end(text);
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    // Discord answers malformed JSON with 50109 — Topics › Opcodes and Status Codes › JSON Error Codes.
    throw new DiscordApiError(400, 50109, 'The request body contains invalid JSON.');
  }
}

function toRecord(body: unknown): Record<string, unknown> {
  return typeof body === 'object' && body !== null && !Array.isArray(body)
    ? (body as Record<string, unknown>)
    : {};
}

function stringArray(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function str(value: unknown, fallback: string): string {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : fallback;
}
