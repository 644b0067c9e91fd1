import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { withLogContext } from '@app/lifecycle';
import {
  type AnnouncedAgent,
  type ControllerFrame,
  type ErrorFrame,
  FrameDirection,
  PROTOCOL_VERSION,
  ProtocolErrorCode,
  type RpcRequestFrame,
  type RunnerFrame,
  type WelcomeFrame,
  CloseCode,
  encodeFrame,
  packAnnounceFrames,
  parseFrame,
  rpcOps,
} from '@app/protocol';
import WebSocket from 'ws';
import { AgentRpcException } from './agent-rpc.exception';
import { ReconnectBackoff, type ReconnectBackoffOptions } from './reconnect-backoff';

/** What the control connection needs from the runner. */
export interface ControlHandler {
  /** Every agent to (re-)announce after a `welcome`; may be empty. */
  announcement(): AnnouncedAgent[];
  /**
   * Serves one validated `rpc.request` and returns its result (shaped by `rpcOps[op].result`).
   * @throws AgentRpcException for domain errors (`not-in-voice`, …); anything else is answered
   *   as `internal` with a generic message and logged with an error id.
   */
  handleRpc(request: RpcRequestFrame): Promise<unknown>;
  /**
   * Another process connected with this runner id and the controller replaced this connection
   * (close 1008 `replaced`, or a `replaced` error). Called once; the connection has stopped and
   * will not reconnect. The runner must stop carrying its identities and exit.
   */
  replaced(detail: string): void;
}

/** Options of {@link ControlConnection}. */
export interface ControlConnectionOptions {
  /** `ws://` or `wss://` URL of the controller's agent gateway. */
  url: string;
  runnerId: string;
  /** Runner secret; sent only inside `hello`, never logged. */
  credential: string;
  capacity: number;
  capabilities: readonly string[];
  /** Runner build version (informational). */
  runnerVersion?: string;
  backoff: ReconnectBackoffOptions;
  handler: ControlHandler;
}

/** Error codes after which retrying soon cannot help: waited out with the maximum backoff. */
const FATAL_CODES: ReadonlySet<string> = new Set([
  ProtocolErrorCode.AuthFailed,
  ProtocolErrorCode.VersionRequired,
  ProtocolErrorCode.VersionUnsupported,
]);

/**
 * The runner's one authenticated WebSocket to the controller (SPEC §4). Connects, sends `hello`,
 * waits for `welcome`, announces the live agents (`packAnnounceFrames`), answers `ping`, serves
 * `rpc.request` through the handler, and sends agent updates/events while connected.
 *
 * Reconnects with jittered exponential backoff capped at `backoff.maxMs`; an `error` followed by
 * `close` on the same socket counts as ONE failure and schedules ONE reconnect (ACCEPTANCE B1).
 * A refusal that retrying cannot fix (`auth-failed`, `version-*`) is logged as an error and
 * retried only after the maximum backoff. A controller that goes silent for longer than the
 * `staleAfterMs` it announced is treated as dead (half-open socket) and the socket is replaced.
 *
 * A runner id is one process: when the controller replaces this connection because another
 * process authenticated with the same runner id (close 1008 `replaced`, or an `error` frame with
 * code `replaced`), the connection stops for good — no reconnect, one error log line — and tells
 * the handler (`replaced`). A `replaced` error about a single agent means the same thing: the
 * gateway only reports it when the agent's lease is this runner id's and a newer connection of
 * this runner id owns the agent.
 */
export class ControlConnection {
  private readonly logger = new Logger(ControlConnection.name);
  private readonly backoff: ReconnectBackoff;
  private socket: WebSocket | null = null;
  private welcome: WelcomeFrame | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private staleTimer: NodeJS.Timeout | null = null;
  private fatal: ErrorFrame | null = null;
  private reconnectFloorMs = 0;
  private stopped = true;
  private replacedBy: string | null = null;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly welcomeWaiters = new Set<() => void>();
  /** How many sockets were opened (tests and diagnostics). */
  connectAttempts = 0;

  constructor(private readonly options: ControlConnectionOptions) {
    this.backoff = new ReconnectBackoff(options.backoff);
  }

  /** True once the controller replaced this connection (another process has this runner id). */
  get replaced(): boolean {
    return this.replacedBy !== null;
  }

  /** True between a `welcome` and the end of that socket. */
  get connected(): boolean {
    return this.welcome !== null;
  }

  /** Starts connecting (idempotent). */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.connect();
  }

  /** Resolves at the next (or current) `welcome`. @throws Error after `timeoutMs`. */
  waitUntilConnected(timeoutMs = 10_000): Promise<void> {
    if (this.connected) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.welcomeWaiters.delete(done);
        reject(new Error(`control connection not established within ${timeoutMs} ms`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      this.welcomeWaiters.add(done);
    });
  }

  /**
   * Sends a frame when connected and welcomed; otherwise drops it (state is re-announced after
   * the next `welcome`). Returns whether it was sent. Never throws: an invalid frame is logged.
   */
  send(frame: RunnerFrame): boolean {
    const socket = this.socket;
    if (!socket || !this.welcome || socket.readyState !== WebSocket.OPEN) return false;
    try {
      socket.send(encodeFrame(FrameDirection.RunnerToController, frame));
      return true;
    } catch (error) {
      this.logger.error(`not sending ${frame.type}: ${(error as Error).message}`);
      return false;
    }
  }

  /** Announces `agents` again (e.g. after a new identity became ready). */
  announce(agents: readonly AnnouncedAgent[]): void {
    if (agents.length === 0) return;
    for (const frame of packAnnounceFrames(agents, this.welcome?.limits.maxFrameBytes)) this.send(frame);
  }

  /** Waits until every RPC being served has answered, or `timeoutMs` passed. */
  async settle(timeoutMs: number): Promise<void> {
    if (this.inFlight.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.inFlight]),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      }),
    ]);
    clearTimeout(timer);
  }

  /** Closes the socket with 1001 and stops reconnecting. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    const socket = this.socket;
    this.detach();
    if (!socket || socket.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        socket.terminate();
        resolve();
      }, 1000);
      socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      if (socket.readyState === WebSocket.CONNECTING) socket.terminate();
      else socket.close(CloseCode.GoingAway, ProtocolErrorCode.ShuttingDown);
    });
  }

  private connect(): void {
    this.reconnectTimer = null;
    if (this.stopped) return;
    this.connectAttempts += 1;
    this.fatal = null;
    this.reconnectFloorMs = 0;
    const socket = new WebSocket(this.options.url, { handshakeTimeout: 10_000, maxPayload: 1024 * 1024 });
    this.socket = socket;
    socket.on('open', () => this.sendHello(socket));
    socket.on('message', (data: WebSocket.RawData) => this.onMessage(socket, data));
    socket.on('error', (error) => this.onEnded(socket, `error: ${error.message}`));
    socket.on('close', (code, reason) =>
      this.onEnded(socket, `closed ${code} ${reason.toString('utf8')}`, code, reason.toString('utf8')),
    );
  }

  private sendHello(socket: WebSocket): void {
    const hello = encodeFrame(FrameDirection.RunnerToController, {
      type: 'hello',
      protocol: { version: PROTOCOL_VERSION },
      runnerId: this.options.runnerId,
      credential: this.options.credential,
      capabilities: [...this.options.capabilities],
      runner: {
        version: this.options.runnerVersion ?? '0.0.0',
        host: hostname().slice(0, 255),
        capacity: this.options.capacity,
      },
    });
    socket.send(hello);
  }

  private onMessage(socket: WebSocket, data: WebSocket.RawData): void {
    if (socket !== this.socket) return;
    this.armStaleTimer(socket);
    const parsed = parseFrame(data, FrameDirection.ControllerToRunner, { maxFrameBytes: 1024 * 1024 });
    if (!parsed.ok) {
      this.logger.warn(`ignoring a controller frame: ${parsed.error}: ${parsed.message}`);
      return;
    }
    this.onFrame(socket, parsed.frame);
  }

  private onFrame(socket: WebSocket, frame: ControllerFrame): void {
    switch (frame.type) {
      case 'welcome':
        this.onWelcome(socket, frame);
        return;
      case 'error':
        if (frame.code === ProtocolErrorCode.Replaced) {
          this.onReplaced(`error ${frame.code}${frame.ref?.agentId ? ` about ${frame.ref.agentId}` : ''}`);
          return;
        }
        this.onErrorFrame(frame);
        return;
      case 'ping':
        if (socket.readyState === WebSocket.OPEN)
          socket.send(encodeFrame(FrameDirection.RunnerToController, { type: 'pong', ts: frame.ts }));
        return;
      case 'pong':
        return;
      case 'shutdown':
        this.logger.log(`controller is shutting down (${frame.reason}); will reconnect`);
        this.reconnectFloorMs = frame.reconnectAfterMs ?? 0;
        return;
      case 'rpc.request':
        this.serve(frame);
        return;
    }
  }

  private onWelcome(socket: WebSocket, frame: WelcomeFrame): void {
    this.welcome = frame;
    this.backoff.reset();
    this.armStaleTimer(socket);
    this.logger.log(
      `connected to the controller (protocol ${frame.protocol.version}, capabilities ${frame.capabilities.join(',') || 'none'})`,
    );
    try {
      this.announce(this.options.handler.announcement());
    } catch (error) {
      this.logger.error(`announce failed: ${(error as Error).message}`);
    }
    for (const waiter of [...this.welcomeWaiters]) waiter();
    this.welcomeWaiters.clear();
  }

  private onErrorFrame(frame: ErrorFrame): void {
    if (frame.fatal && FATAL_CODES.has(frame.code)) {
      this.fatal = frame;
      this.logger.error(
        `the controller refused this runner (${frame.code}): ${frame.message} — check RUNNER_ID, RUNNER_SECRET and the protocol version; retrying after the maximum backoff`,
      );
      return;
    }
    const about = frame.ref?.agentId ? ` about ${frame.ref.agentId}` : '';
    this.logger.warn(`controller error${about} (${frame.code}): ${frame.message}`);
  }

  private serve(request: RpcRequestFrame): void {
    // Everything logged while serving the call carries its id (correlation with the controller).
    const context = { rpcId: request.id, op: request.op, agentId: request.agentId };
    const work = withLogContext(context, () => this.answer(request)).finally(() =>
      this.inFlight.delete(work),
    );
    this.inFlight.add(work);
  }

  private async answer(request: RpcRequestFrame): Promise<void> {
    const base = { type: 'rpc.response' as const, id: request.id, agentId: request.agentId };
    try {
      const raw = await this.options.handler.handleRpc(request);
      const checked = rpcOps[request.op].result.safeParse(raw);
      if (!checked.success) throw new Error(`result of ${request.op} does not match its schema`);
      this.send({ ...base, ok: true, result: checked.data });
    } catch (error) {
      if (error instanceof AgentRpcException) {
        this.send({ ...base, ok: false, error: { code: error.code, message: error.message.slice(0, 1024) } });
        return;
      }
      const errorId = randomUUID();
      this.logger.error(
        `rpc ${request.op} for ${request.agentId} failed (error id ${errorId}): ${(error as Error).message}`,
      );
      this.send({
        ...base,
        ok: false,
        error: { code: ProtocolErrorCode.Internal, message: `internal error (id ${errorId})` },
      });
    }
  }

  private armStaleTimer(socket: WebSocket): void {
    if (this.staleTimer) clearTimeout(this.staleTimer);
    const staleAfterMs = this.welcome?.staleAfterMs;
    if (!staleAfterMs) return;
    this.staleTimer = setTimeout(() => {
      this.logger.warn(`controller silent for ${staleAfterMs} ms; replacing the connection`);
      this.onEnded(socket, 'stale');
    }, staleAfterMs);
    this.staleTimer.unref();
  }

  /** Handles the end of `socket` exactly once, however many of error/close/stale report it. */
  private onEnded(socket: WebSocket, why: string, code?: number, reason?: string): void {
    if (socket !== this.socket) return;
    if (reason !== undefined && reason.split(':')[0] === (ProtocolErrorCode.Replaced as string)) {
      this.onReplaced(`closed ${code} ${reason}`);
      return;
    }
    this.detach();
    if (this.stopped) return;
    if (
      !this.fatal &&
      code === CloseCode.PolicyViolation &&
      reason &&
      FATAL_CODES.has(reason.split(':')[0])
    ) {
      this.logger.error(`the controller refused this runner (${reason}); retrying after the maximum backoff`);
      this.fatal = { type: 'error', code: ProtocolErrorCode.AuthFailed, message: reason, fatal: true };
    }
    const delay = Math.max(
      this.fatal ? this.backoff.nextFatal() : this.backoff.next(),
      this.reconnectFloorMs,
    );
    this.logger.warn(
      `control connection lost (${why}); reconnect attempt ${this.backoff.attempts} in ${delay} ms`,
    );
    this.reconnectTimer = setTimeout(() => this.connect(), delay);
  }

  /** This connection was replaced: stop for good (no reconnect) and tell the handler once. */
  private onReplaced(detail: string): void {
    if (this.replacedBy !== null) return;
    this.replacedBy = detail;
    this.stopped = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    const socket = this.socket;
    this.detach();
    if (socket && socket.readyState !== WebSocket.CLOSED && socket.readyState !== WebSocket.CLOSING)
      socket.close(CloseCode.GoingAway, ProtocolErrorCode.Replaced);
    this.logger.error(
      `another process connected with runner id ${this.options.runnerId}; this one stops (${detail})`,
    );
    this.options.handler.replaced(detail);
  }

  /** Forgets the current socket: listeners off, timers cleared, socket terminated. */
  private detach(): void {
    const socket = this.socket;
    this.socket = null;
    this.welcome = null;
    if (this.staleTimer) clearTimeout(this.staleTimer);
    this.staleTimer = null;
    if (!socket) return;
    socket.removeAllListeners('message');
    socket.removeAllListeners('open');
    socket.removeAllListeners('error');
    socket.on('error', () => undefined);
    if (this.stopped) return;
    if (socket.readyState !== WebSocket.CLOSED && socket.readyState !== WebSocket.CLOSING) socket.terminate();
  }
}
