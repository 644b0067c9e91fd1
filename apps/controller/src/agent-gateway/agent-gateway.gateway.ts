import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { withLogContext } from '@app/lifecycle';
import { ChopsticksMetrics } from '@app/metrics';
import {
  ALL_CAPABILITIES,
  Capability,
  type HelloFrame,
  PROTOCOL_VERSION,
  ProtocolErrorCode,
  type RawFrame,
  type RunnerFrame,
  SUPPORTED_PROTOCOL_RANGE,
  type AgentAnnounceFrame,
  type SessionKind,
  closeFor,
  negotiateCapabilities,
  negotiateVersion,
  parseFrame,
} from '@app/protocol';
import { AgentRegistry } from '@app/sessions';
import { WebSocketServer, type WebSocket } from 'ws';
import { AgentConnection, type ConnectionEndReason } from './agent-connection';
import { AgentConnectionTable } from './agent-connection.table';
import {
  AGENT_LEASE_CHECKER,
  MAX_FRAMES_QUEUED_DURING_HELLO,
  RUNNER_AUTHENTICATOR,
  SHUTDOWN_CLOSE_GRACE_MS,
} from './agent-gateway.constants';
import { AgentGatewayEvents, type AgentsLostReason } from './agent-gateway.events';
import { GatewayErrorCode, GatewayException, toErrorFrame } from './agent-gateway.exception';
import { AGENT_GATEWAY_OPTIONS } from './agent-gateway.module-definition';
import type { ResolvedAgentGatewayOptions } from './agent-gateway.options';
import type { AgentLeaseChecker, RunnerAuthenticator } from './agent-gateway.ports';
import { AgentRpcClient } from './agent-rpc.client';

/** One authenticated runner connection, as {@link AgentGateway.runnerConnections} reports it. */
export interface AgentGatewayConnectionView {
  connectionId: string;
  runnerId: string;
  remoteAddress: string;
  /** Epoch ms. */
  connectedAt: number;
  draining: boolean;
  /** Agents this connection owns in the registry. */
  agents: number;
}

/**
 * True for admission refusals, counted in `chopsticks_gateway_rejected_registrations_total{reason}`
 * under their wire code (`auth-failed`, `version-required`, …).
 */
function isRejectedRegistration(code: GatewayErrorCode): boolean {
  switch (code) {
    case GatewayErrorCode.HelloRequired:
    case GatewayErrorCode.MissingCredential:
    case GatewayErrorCode.InvalidCredential:
    case GatewayErrorCode.VersionRequired:
    case GatewayErrorCode.VersionUnsupported:
    case GatewayErrorCode.InvalidHello:
    case GatewayErrorCode.ConnectionLimit:
    case GatewayErrorCode.AgentNotLeased:
      return true;
    case GatewayErrorCode.FrameTooLarge:
    case GatewayErrorCode.FrameInvalid:
    case GatewayErrorCode.RateLimited:
    case GatewayErrorCode.Stale:
    case GatewayErrorCode.ShuttingDown:
    case GatewayErrorCode.Replaced:
    case GatewayErrorCode.RunnerReplaced:
    case GatewayErrorCode.Internal:
      return false;
  }
}

/** The `type` of a JSON object frame, without validating the rest (null when not one). */
function peekFrame(raw: RawFrame): { type?: unknown; id?: unknown; agentId?: unknown } | null {
  try {
    const text = Array.isArray(raw)
      ? Buffer.concat(raw).toString('utf8')
      : Buffer.from(raw as Buffer).toString('utf8');
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

/** Session kinds an agent can serve, from the negotiated capabilities. */
function kindsOf(capabilities: readonly string[]): ReadonlySet<SessionKind> {
  const kinds = new Set<SessionKind>();
  if (capabilities.includes(Capability.Music)) kinds.add('music');
  if (capabilities.includes(Capability.Assistant)) kinds.add('assistant');
  return kinds;
}

/**
 * The controller's agent gateway (SPEC §4): the authenticated WebSocket server runners connect
 * to on `AGENT_CONTROL_PORT` (8787), one socket per runner carrying many agents.
 *
 * Built on a `ws` `WebSocketServer` owned by this provider (not `@nestjs/websockets`), because
 * the gateway needs direct control of the things Nest's adapter hides: its own 64 KiB frame cap
 * below `ws`'s `maxPayload` (which would close with 1009 instead of answering `frame-too-large`,
 * ACCEPTANCE P5), exact close codes and reasons, per-socket back-pressure (`bufferedAmount`), and
 * a listening port known before the app reports ready. It starts in `onApplicationBootstrap` and
 * stops in `onApplicationShutdown`.
 *
 * Admission: the first frame must be a valid `hello` within the hello deadline; a missing or bad
 * credential, a missing or unsupported protocol version, or no hello at all close the socket
 * with 1008 (P1, P3, P4). Nothing sent before an accepted hello is processed, and an
 * unauthenticated socket receives nothing but its error and close (B4). Announced agents become
 * live only when leased to the runner (P2), owned by the connection (ownership-safe, SPEC §4).
 * Guards: protocol frame cap, token-bucket rate cap per connection, a cap on authenticated runner
 * connections and a separate, small budget for sockets still in admission (so unauthenticated
 * clients never take the runners' slots); none limits agents per connection (P8). A runner id is
 * one process: a newer authenticated connection for the same runner id replaces the older one
 * (close 1008 `replaced`, see {@link AgentGateway.replace}). Liveness: `ping` frames every heartbeat, RTT into agent
 * health, silent sockets terminated after the stale limit (P7).
 */
@Injectable()
export class AgentGateway implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AgentGateway.name);
  private server: WebSocketServer | null = null;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private sweepTimer: NodeJS.Timeout | null = null;
  private shuttingDown = false;
  private readonly unsubscribers: (() => void)[] = [];

  constructor(
    @Inject(AGENT_GATEWAY_OPTIONS) private readonly options: ResolvedAgentGatewayOptions,
    @Inject(RUNNER_AUTHENTICATOR) private readonly authenticator: RunnerAuthenticator,
    @Inject(AGENT_LEASE_CHECKER) private readonly leases: AgentLeaseChecker,
    private readonly registry: AgentRegistry,
    private readonly connections: AgentConnectionTable,
    private readonly rpc: AgentRpcClient,
    private readonly events: AgentGatewayEvents,
    private readonly metrics: ChopsticksMetrics,
  ) {}

  /** Starts listening; resolves once the port is bound. @throws the listen error (e.g. EADDRINUSE). */
  async onApplicationBootstrap(): Promise<void> {
    const server = new WebSocketServer({
      host: this.options.host,
      port: this.options.port,
      maxPayload: this.options.hardMaxFrameBytes,
      perMessageDeflate: false,
      clientTracking: false,
    });
    await new Promise<void>((resolve, reject) => {
      server.once('listening', resolve);
      server.once('error', reject);
    });
    server.on('error', (error) => this.logger.error(`agent gateway server error: ${error.message}`));
    server.on('connection', (socket, request) => this.onConnection(socket, request));
    this.server = server;
    this.heartbeatTimer = setInterval(() => this.heartbeat(), this.options.heartbeatIntervalMs);
    const sweepEvery = Math.max(
      10,
      Math.min(this.options.heartbeatIntervalMs, Math.floor(this.options.staleAfterMs / 4)),
    );
    this.sweepTimer = setInterval(() => this.sweepStale(), sweepEvery);
    this.metrics.gatewayConnections.set(0);
    // Gauges follow the registry itself, whoever changes it.
    const gauges = () => this.updateAgentGauges();
    this.unsubscribers.push(
      this.registry.events.on('agent.up', gauges),
      this.registry.events.on('agent.down', gauges),
      this.registry.events.on('agent.updated', gauges),
    );
    gauges();
    this.logger.log(
      `agent gateway listening on ${this.options.host}:${this.port} (protocol ${PROTOCOL_VERSION})`,
    );
  }

  /**
   * Sends `shutdown` to every runner, closes sockets with 1001, fails pending RPCs with
   * `agent-offline`, stops timers and the server (SPEC §9 graceful shutdown).
   */
  async onApplicationShutdown(): Promise<void> {
    if (!this.server || this.shuttingDown) return;
    this.shuttingDown = true;
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    const open = this.connections.all();
    for (const connection of open) {
      connection.endReason = 'shutdown';
      if (connection.isOpen) connection.send({ type: 'shutdown', reason: 'controller shutting down' });
      const close = closeFor(ProtocolErrorCode.ShuttingDown);
      connection.close(close.code, close.reason);
    }
    this.rpc.failAll('controller shutting down');
    const closed = Promise.all(open.map((connection) => connection.whenClosed()));
    let grace: NodeJS.Timeout | undefined;
    await Promise.race([
      closed,
      new Promise((resolve) => (grace = setTimeout(resolve, SHUTDOWN_CLOSE_GRACE_MS))),
    ]);
    clearTimeout(grace);
    for (const connection of this.connections.all()) connection.terminate();
    await closed;
    for (const unsubscribe of this.unsubscribers.splice(0)) unsubscribe();
    const server = this.server;
    this.server = null;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    this.logger.log('agent gateway stopped');
  }

  /** The bound TCP port (useful with port 0). @throws Error when not listening. */
  get port(): number {
    const address = this.server?.address();
    if (!address || typeof address === 'string') throw new Error('agent gateway is not listening');
    return (address as AddressInfo).port;
  }

  /** Number of open sockets (authenticated or not). */
  get connectionCount(): number {
    return this.connections.size;
  }

  /**
   * Authenticated runner connections right now, for operators (admin API, CLI): connection id,
   * runner id, remote address, since when (epoch ms), draining flag and how many agents the
   * connection owns. Never includes credentials.
   */
  runnerConnections(): AgentGatewayConnectionView[] {
    return this.connections
      .all()
      .filter((connection) => connection.isOpen)
      .map((connection) => ({
        connectionId: connection.id,
        runnerId: connection.runnerId as string,
        remoteAddress: connection.remoteAddress,
        connectedAt: connection.connectedAt,
        draining: connection.draining,
        agents: this.registry.agentIdsOfConnection(connection.id).size,
      }));
  }

  /**
   * Subscribes to agents leaving the controller (closed, stale, gone, shutdown) — the hook the
   * sessions work uses to fail over or release their sessions (ACCEPTANCE P7). Returns an
   * unsubscribe function.
   */
  onAgentsLost(listener: (agentIds: readonly string[], reason: AgentsLostReason) => void): () => void {
    return this.events.on('agents.lost', ({ agentIds, reason }) => listener(agentIds, reason));
  }

  private onConnection(socket: WebSocket, request: IncomingMessage): void {
    const now = Date.now();
    const connection = new AgentConnection(
      randomUUID(),
      socket,
      request.socket.remoteAddress ?? 'unknown',
      { maxFramesPerSecond: this.options.maxFramesPerSecond, frameBurst: this.options.frameBurst },
      now,
      this.logger,
    );
    socket.on('close', () => this.onClose(connection));
    socket.on('error', (error) =>
      this.logger.debug(`connection ${connection.id}: socket error: ${error.message}`),
    );
    if (this.shuttingDown) {
      connection.endReason = 'refused';
      const close = closeFor(ProtocolErrorCode.ShuttingDown);
      connection.close(close.code, close.reason);
      return;
    }
    if (!this.makeRoomForPendingSocket(connection)) return;
    this.connections.add(connection);
    this.metrics.gatewayConnections.set(this.connections.size);
    socket.on('message', (data) => this.onMessage(connection, data));
    connection.helloTimer = setTimeout(() => {
      if (connection.state === 'awaiting-hello' || connection.state === 'authenticating') {
        this.refuse(
          connection,
          new GatewayException(
            GatewayErrorCode.HelloRequired,
            `no valid hello within ${this.options.helloDeadlineMs} ms`,
          ),
          false,
        );
      }
    }, this.options.helloDeadlineMs);
  }

  /**
   * Keeps sockets in admission within `maxPendingHellos` (their own budget, so they never take
   * the slots authenticated runners need): with the budget full, the oldest socket that has sent
   * nothing yet is closed 1013 `connection-limit` to make room for `incoming` — a real runner
   * sends its `hello` at once, so it leaves that state long before it would be the oldest. When
   * every pending socket is already authenticating, `incoming` itself is refused. Returns whether
   * `incoming` may be admitted.
   */
  private makeRoomForPendingSocket(incoming: AgentConnection): boolean {
    if (this.connections.pendingCount < this.options.maxPendingHellos) return true;
    const oldest = this.connections.oldestAwaitingHello();
    const limit = new GatewayException(
      GatewayErrorCode.ConnectionLimit,
      `more than ${this.options.maxPendingHellos} sockets are waiting for their hello`,
    );
    if (!oldest) {
      this.refuse(incoming, limit, false);
      return false;
    }
    this.refuse(oldest, limit, false);
    return true;
  }

  private onMessage(connection: AgentConnection, raw: RawFrame): void {
    const now = Date.now();
    switch (connection.state) {
      case 'closed':
        return;
      case 'awaiting-hello':
        connection.lastHeardAt = now;
        this.onFirstFrame(connection, raw);
        return;
      case 'authenticating':
        connection.lastHeardAt = now;
        if (connection.heldFrames.length >= MAX_FRAMES_QUEUED_DURING_HELLO) {
          this.metrics.gatewayFramesDropped.inc({ reason: ProtocolErrorCode.HelloRequired });
          return;
        }
        connection.heldFrames.push(raw);
        return;
      case 'open':
        connection.lastHeardAt = now;
        this.onOpenFrame(connection, raw, now);
        return;
    }
  }

  /** Admission: only a `hello` may come first; anything else closes the socket (B4). */
  private onFirstFrame(connection: AgentConnection, raw: RawFrame): void {
    const parsed = parseFrame(raw, 'runner-to-controller', { maxFrameBytes: this.options.maxFrameBytes });
    if (parsed.ok && parsed.frame.type === 'hello') {
      connection.state = 'authenticating';
      void this.authenticate(connection, parsed.frame);
      return;
    }
    this.metrics.gatewayFramesDropped.inc({ reason: ProtocolErrorCode.HelloRequired });
    if (!parsed.ok) {
      switch (parsed.error) {
        case ProtocolErrorCode.VersionRequired:
          this.refuse(
            connection,
            new GatewayException(GatewayErrorCode.VersionRequired, parsed.message),
            true,
          );
          return;
        case ProtocolErrorCode.AuthFailed:
          this.refuse(
            connection,
            new GatewayException(GatewayErrorCode.MissingCredential, parsed.message),
            true,
          );
          return;
        case ProtocolErrorCode.FrameInvalid:
          if (peekFrame(raw)?.type === 'hello') {
            this.refuse(
              connection,
              new GatewayException(GatewayErrorCode.InvalidHello, parsed.message),
              true,
            );
            return;
          }
          break;
        case ProtocolErrorCode.FrameTooLarge:
          break;
      }
    }
    this.refuse(
      connection,
      new GatewayException(GatewayErrorCode.HelloRequired, 'the first frame must be hello'),
      false,
    );
  }

  private async authenticate(connection: AgentConnection, hello: HelloFrame): Promise<void> {
    const version = negotiateVersion(hello.protocol.version);
    if (!version.ok) {
      const code =
        version.code === ProtocolErrorCode.VersionRequired
          ? GatewayErrorCode.VersionRequired
          : GatewayErrorCode.VersionUnsupported;
      this.refuse(connection, new GatewayException(code, version.message), true);
      return;
    }
    let accepted: boolean;
    try {
      accepted = await this.authenticator.authenticate(hello.runnerId, hello.credential);
    } catch (error) {
      this.logger.error(
        `connection ${connection.id}: runner authentication failed: ${error instanceof Error ? error.message : String(error)}`,
      );
      if (connection.state !== 'authenticating') return;
      this.refuse(
        connection,
        new GatewayException(GatewayErrorCode.Internal, 'authentication is unavailable'),
        true,
      );
      return;
    }
    if (connection.state !== 'authenticating') return;
    if (!accepted) {
      this.logger.warn(
        `connection ${connection.id}: runner ${hello.runnerId} from ${connection.remoteAddress} failed authentication`,
      );
      this.refuse(
        connection,
        new GatewayException(GatewayErrorCode.InvalidCredential, 'runner credential rejected'),
        true,
      );
      return;
    }
    const older = this.connections.ofRunner(hello.runnerId);
    if (this.connections.openCount - older.length >= this.options.maxConnections) {
      this.logger.warn(
        `connection cap of ${this.options.maxConnections} runners reached; refusing runner ${hello.runnerId}`,
      );
      this.refuse(
        connection,
        new GatewayException(GatewayErrorCode.ConnectionLimit, 'connection limit reached'),
        true,
      );
      return;
    }
    connection.state = 'open';
    if (connection.helloTimer) clearTimeout(connection.helloTimer);
    connection.helloTimer = null;
    connection.runnerId = hello.runnerId;
    for (const previous of older) this.replace(previous, connection);
    connection.capabilities = negotiateCapabilities(hello.capabilities, ALL_CAPABILITIES);
    connection.send({
      type: 'welcome',
      protocol: { version: version.version, supported: { ...SUPPORTED_PROTOCOL_RANGE } },
      capabilities: [...connection.capabilities],
      heartbeatIntervalMs: this.options.heartbeatIntervalMs,
      staleAfterMs: this.options.staleAfterMs,
      limits: {
        maxFrameBytes: this.options.maxFrameBytes,
        maxFramesPerSecond: this.options.maxFramesPerSecond,
      },
      connectionId: connection.id,
    });
    this.logger.log(
      `runner ${hello.runnerId} connected (connection ${connection.id}, protocol ${hello.protocol.version}, capacity ${hello.runner.capacity})`,
    );
    const held = connection.heldFrames.splice(0);
    const now = Date.now();
    for (const raw of held) this.onOpenFrame(connection, raw, now);
  }

  /**
   * Guards (rate, size, schema) for an authenticated socket, then ordered dispatch. An answer to
   * a call we sent on this connection is exempt from the rate cap (its rate is bounded by our own
   * requests, and dropping it would fail a call the agent already served); every other frame,
   * including unsolicited `rpc.response`s, counts.
   */
  private onOpenFrame(connection: AgentConnection, raw: RawFrame, now: number): void {
    if (!this.answersPendingCall(connection, raw) && !connection.limiter.tryTake(now)) {
      this.onRateLimited(connection, raw);
      return;
    }
    if (connection.inRateBurst) {
      connection.inRateBurst = false;
      this.logger.warn(
        `connection ${connection.id} (runner ${connection.runnerId}): rate cap burst over, ${connection.limiter.takeDropped()} frames dropped`,
      );
    }
    const parsed = parseFrame(raw, 'runner-to-controller', { maxFrameBytes: this.options.maxFrameBytes });
    if (!parsed.ok) {
      const tooLarge = parsed.error === ProtocolErrorCode.FrameTooLarge;
      this.metrics.gatewayFramesDropped.inc({ reason: parsed.error });
      this.logger.warn(`connection ${connection.id}: frame ignored: ${parsed.message}`);
      this.sendError(
        connection,
        new GatewayException(
          tooLarge ? GatewayErrorCode.FrameTooLarge : GatewayErrorCode.FrameInvalid,
          parsed.message,
        ),
      );
      this.failDroppedResponse(
        connection,
        raw,
        parsed.error,
        `the agent's response was refused: ${parsed.message}`,
      );
      return;
    }
    const frame = parsed.frame;
    connection.enqueue(() =>
      withLogContext(
        {
          connectionId: connection.id,
          runnerId: connection.runnerId,
          frame: frame.type,
          agentId: 'agentId' in frame ? frame.agentId : undefined,
          rpcId: frame.type === 'rpc.response' ? frame.id : undefined,
        },
        () => this.dispatch(connection, frame),
      ),
    );
  }

  /** True when `raw` is an `rpc.response` to a call still pending on this connection. */
  private answersPendingCall(connection: AgentConnection, raw: RawFrame): boolean {
    const bytes = Array.isArray(raw) ? Buffer.concat(raw) : Buffer.from(raw as Buffer);
    if (bytes.byteLength > this.options.maxFrameBytes || !bytes.includes('"rpc.response"')) return false;
    const peeked = peekFrame(bytes);
    return (
      peeked?.type === 'rpc.response' &&
      typeof peeked.id === 'string' &&
      this.rpc.isPendingOn(connection.id, peeked.id)
    );
  }

  /**
   * A frame over the rate cap is dropped and counted; the first of a burst logs a warning and
   * tells the runner. A dropped `rpc.response` fails its pending call with `rate-limited`, so the
   * caller learns why instead of waiting for a timeout (ACCEPTANCE P6).
   */
  private onRateLimited(connection: AgentConnection, raw: RawFrame): void {
    this.metrics.gatewayFramesDropped.inc({ reason: ProtocolErrorCode.RateLimited });
    if (!connection.inRateBurst) {
      connection.inRateBurst = true;
      this.logger.warn(
        `connection ${connection.id} (runner ${connection.runnerId}): frame rate above ${this.options.maxFramesPerSecond}/s; dropping frames`,
      );
      this.sendError(
        connection,
        new GatewayException(
          GatewayErrorCode.RateLimited,
          `frame rate above ${this.options.maxFramesPerSecond}/s; frames dropped`,
        ),
      );
    }
    const size = Array.isArray(raw)
      ? raw.reduce((sum, chunk) => sum + chunk.byteLength, 0)
      : (raw as Buffer).byteLength;
    if (size > this.options.maxFrameBytes) return;
    this.failDroppedResponse(
      connection,
      raw,
      ProtocolErrorCode.RateLimited,
      'the agent answered, but its response was dropped by the connection frame rate cap',
    );
  }

  /**
   * When a dropped frame is an `rpc.response`, fails the call it answers with `code` right away,
   * so the caller learns why instead of waiting for its timeout (only the connection that sent
   * the request can fail it). The raw text is scanned before any JSON parsing.
   */
  private failDroppedResponse(
    connection: AgentConnection,
    raw: RawFrame,
    code: ProtocolErrorCode,
    message: string,
  ): void {
    const text = Array.isArray(raw) ? Buffer.concat(raw) : Buffer.from(raw as Buffer);
    if (!text.includes('rpc.response')) return;
    const peeked = peekFrame(raw);
    if (peeked?.type !== 'rpc.response' || typeof peeked.id !== 'string') return;
    this.rpc.failCall(
      connection.id,
      peeked.id,
      typeof peeked.agentId === 'string' ? peeked.agentId : undefined,
      code,
      message,
    );
  }

  private async dispatch(connection: AgentConnection, frame: RunnerFrame): Promise<void> {
    if (!connection.isOpen) return;
    const connectionId = connection.id;
    switch (frame.type) {
      case 'hello':
        this.sendError(
          connection,
          new GatewayException(GatewayErrorCode.FrameInvalid, 'already authenticated; hello ignored'),
        );
        return;
      case 'agent.announce':
        await this.announce(connection, frame);
        return;
      case 'agent.update':
        if (!this.registry.update(frame.agentId, connectionId, frame.change)) {
          this.logger.debug(`connection ${connectionId}: update for ${frame.agentId} ignored (not owned)`);
        }
        return;
      case 'agent.gone': {
        const removed = this.registry.remove(frame.agentId, connectionId, 'gone');
        if (!removed) return;
        this.rpc.failAgent(
          frame.agentId,
          connectionId,
          `agent ${frame.agentId} went offline (${frame.reason})`,
        );
        this.events.emit('agents.lost', {
          agentIds: [frame.agentId],
          reason: 'gone',
          runnerId: connection.runnerId,
        });
        this.logger.log(`agent ${frame.agentId} gone from runner ${connection.runnerId} (${frame.reason})`);
        return;
      }
      case 'rpc.response':
        this.rpc.handleResponse(connectionId, frame);
        return;
      case 'session.report':
        if (this.registry.isOwner(frame.agentId, connectionId)) {
          this.events.emit('session.report', {
            agentId: frame.agentId,
            runnerId: connection.runnerId as string,
            sessions: frame.sessions,
          });
        }
        return;
      case 'event':
        if (this.registry.isOwner(frame.agentId, connectionId)) {
          this.events.emit('agent.event', {
            agentId: frame.agentId,
            runnerId: connection.runnerId as string,
            at: frame.at,
            event: frame.event,
          });
        }
        return;
      case 'ping':
        connection.send({ type: 'pong', ts: frame.ts });
        return;
      case 'pong': {
        const rtt = Date.now() - frame.ts;
        if (rtt >= 0 && rtt <= this.options.staleAfterMs) this.registry.recordRtt(connectionId, rtt);
        return;
      }
      case 'drain':
        connection.draining = true;
        this.events.emit('runner.drain', {
          runnerId: connection.runnerId as string,
          connectionId,
          reason: frame.reason ?? null,
        });
        this.logger.log(`runner ${connection.runnerId} is draining (connection ${connectionId})`);
        return;
    }
  }

  /** Registers announced agents that are leased to this runner; refuses the others (P2). */
  private async announce(connection: AgentConnection, frame: AgentAnnounceFrame): Promise<void> {
    const runnerId = connection.runnerId as string;
    let leased: ReadonlyMap<string, string | null>;
    try {
      leased = await this.leases.leasedTo(
        runnerId,
        frame.agents.map((agent) => agent.agentId),
      );
    } catch (error) {
      this.logger.error(
        `connection ${connection.id}: lease check failed: ${error instanceof Error ? error.message : String(error)}`,
      );
      this.refuse(
        connection,
        new GatewayException(GatewayErrorCode.Internal, 'lease check is unavailable'),
        true,
      );
      return;
    }
    if (!connection.isOpen) return;
    const kinds = kindsOf(connection.capabilities);
    const accepted: AgentAnnounceFrame['agents'] = [];
    for (const agent of frame.agents) {
      if (!leased.has(agent.agentId)) {
        this.metrics.gatewayRejectedRegistrations.inc({ reason: ProtocolErrorCode.AgentNotLeased });
        this.sendError(
          connection,
          new GatewayException(
            GatewayErrorCode.AgentNotLeased,
            `agent ${agent.agentId} is not leased to runner ${runnerId}`,
            agent.agentId,
          ),
        );
        continue;
      }
      const result = this.registry.upsert({
        agentId: agent.agentId,
        runnerId,
        connectionId: connection.id,
        clientId: agent.clientId,
        botUserId: agent.botUserId,
        ready: agent.ready,
        guilds: agent.guilds,
        kinds,
        poolId: leased.get(agent.agentId) ?? null,
      });
      if (!result.ok) {
        this.sendError(
          connection,
          new GatewayException(
            GatewayErrorCode.Replaced,
            `agent ${agent.agentId} is owned by a newer connection`,
            agent.agentId,
          ),
        );
        continue;
      }
      if (result.replacedConnectionId) {
        this.rpc.failAgent(
          agent.agentId,
          result.replacedConnectionId,
          `agent ${agent.agentId} moved to a newer connection`,
        );
        this.logger.log(`agent ${agent.agentId} taken over by connection ${connection.id}`);
      }
      accepted.push(agent);
    }
    if (accepted.length > 0) {
      this.events.emit('agents.announced', { runnerId, connectionId: connection.id, agents: accepted });
    }
    this.logger.log(
      `runner ${runnerId}: ${accepted.length} agent(s) live, ${frame.agents.length - accepted.length} refused (connection ${connection.id})`,
    );
  }

  /**
   * A runner id is one process (SPEC §3–§4: each active agent runs on exactly one runner): a
   * newer authenticated connection for the same runner id replaces the older one. The older gets
   * a fatal `replaced` error and close 1008 `replaced` — its process must stop carrying identities
   * and must not reconnect. It is no longer open from here on, so nothing it sends afterwards is
   * processed; its pending calls fail now (`agent-offline`). Its registrations stay until its
   * socket closes, and that close removes only agents the newer connection has not announced
   * (the registry is ownership-safe), so the newer's registrations survive a late close.
   */
  private replace(older: AgentConnection, newer: AgentConnection): void {
    const exception = new GatewayException(
      GatewayErrorCode.RunnerReplaced,
      `another process connected with runner id ${newer.runnerId} (connection ${newer.id}); this connection is closed and its process must stop`,
    );
    this.logger.warn(
      `runner ${newer.runnerId}: connection ${newer.id} from ${newer.remoteAddress} replaces connection ${older.id} from ${older.remoteAddress}`,
    );
    const outcome = toErrorFrame(exception);
    older.send(outcome.frame);
    older.endReason = 'replaced';
    older.state = 'closed';
    this.rpc.failConnection(
      older.id,
      `the connection of runner ${older.runnerId} was replaced by a newer one`,
    );
    if (outcome.close) older.close(outcome.close.code, outcome.close.reason);
  }

  private onClose(connection: AgentConnection): void {
    const wasOpen = connection.isOpen;
    connection.markEnded();
    if (!this.connections.delete(connection.id)) return;
    this.metrics.gatewayConnections.set(this.connections.size);
    this.rpc.failConnection(
      connection.id,
      `the connection of runner ${connection.runnerId ?? 'unknown'} closed`,
    );
    const reason = connection.endReason;
    const removed = this.registry.removeConnection(
      connection.id,
      reason === 'stale' ? 'stale' : 'disconnected',
    );
    if (removed.length > 0) {
      this.events.emit('agents.lost', {
        agentIds: removed.map((agent) => agent.agentId),
        reason: lostReason(reason),
        runnerId: connection.runnerId,
      });
    }
    if (wasOpen) {
      this.logger.log(
        `runner ${connection.runnerId} disconnected (connection ${connection.id}, ${reason}); ${removed.length} agent(s) removed`,
      );
    }
  }

  private heartbeat(): void {
    const ts = Date.now();
    for (const connection of this.connections.all()) {
      if (connection.isOpen) connection.send({ type: 'ping', ts });
    }
  }

  /** Terminates sockets silent past the stale limit, including half-open ones (P7). */
  private sweepStale(): void {
    const now = Date.now();
    for (const connection of this.connections.all()) {
      // Sockets still in admission are governed by the hello deadline instead.
      if (!connection.isOpen || now - connection.lastHeardAt <= this.options.staleAfterMs) continue;
      connection.endReason = 'stale';
      this.logger.warn(
        `connection ${connection.id} (runner ${connection.runnerId ?? 'unauthenticated'}) silent for ${now - connection.lastHeardAt} ms; terminating`,
      );
      connection.terminate();
    }
  }

  /**
   * Ends a connection for an admission failure: counts it, sends the error frame when
   * `withFrame` (credential/version refusals name their reason, P1, P3), and closes.
   */
  private refuse(connection: AgentConnection, exception: GatewayException, withFrame: boolean): void {
    const outcome = toErrorFrame(exception);
    if (isRejectedRegistration(exception.code)) {
      this.metrics.gatewayRejectedRegistrations.inc({ reason: outcome.frame.code });
    }
    if (withFrame) connection.send(outcome.frame);
    connection.endReason = 'refused';
    connection.state = 'closed';
    const close = outcome.close ?? closeFor(ProtocolErrorCode.HelloRequired);
    connection.close(close.code, close.reason);
    if (!withFrame)
      this.logger.warn(
        `connection ${connection.id} from ${connection.remoteAddress} refused: ${exception.message}`,
      );
  }

  /** Sends a non-fatal error frame on an authenticated socket. */
  private sendError(connection: AgentConnection, exception: GatewayException): void {
    const outcome = toErrorFrame(exception);
    connection.send(outcome.frame);
    if (outcome.close) connection.close(outcome.close.code, outcome.close.reason);
  }

  /** `chopsticks_agent_connected` / `chopsticks_agent_ready` from the registry's counts. */
  private updateAgentGauges(): void {
    this.metrics.agentConnected.set(this.registry.size);
    this.metrics.agentReady.set(this.registry.readyCount);
  }
}

function lostReason(reason: ConnectionEndReason): AgentsLostReason {
  switch (reason) {
    case 'stale':
      return 'stale';
    case 'shutdown':
      return 'shutdown';
    case 'disconnected':
    case 'refused':
    case 'replaced':
      return 'disconnected';
  }
}
