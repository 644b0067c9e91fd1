import { Logger } from '@nestjs/common';
import {
  type ControllerFrame,
  FrameRateLimiter,
  MAX_FRAME_BYTES,
  type RawFrame,
  type RpcRequestFrame,
  encodeFrame,
  truncateCloseReason,
} from '@app/protocol';
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';

/**
 * Lifecycle of one runner socket:
 * `awaiting-hello` → (valid hello) `authenticating` → (credential ok) `open` → `closed`.
 * Any refusal goes straight to `closed`. Nothing a socket sends before `open` is processed
 * except its first `hello` (ACCEPTANCE B4).
 */
export type ConnectionState = 'awaiting-hello' | 'authenticating' | 'open' | 'closed';

/** Why a connection ended, as reported to `onAgentsLost` listeners. */
export type ConnectionEndReason = 'disconnected' | 'stale' | 'shutdown' | 'refused' | 'replaced';

/**
 * Largest amount of unsent data (bytes) tolerated in a socket's send buffer. A runner that does
 * not read its socket stops receiving frames (sends fail, RPCs fail as `agent-offline`) instead
 * of growing controller memory without bound.
 */
export const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

/**
 * One runner's WebSocket and everything the gateway knows about it. Owned by the gateway;
 * holds no agent state (that lives in the `AgentRegistry`, keyed by this connection's `id`).
 */
export class AgentConnection {
  state: ConnectionState = 'awaiting-hello';
  /** Set once the runner's credential was accepted. */
  runnerId: string | null = null;
  /** Negotiated capabilities (intersection of offered and supported). */
  capabilities: readonly string[] = [];
  /** The runner sent `drain`: it is shutting down and takes no new work. */
  draining = false;
  /** Epoch ms of the last frame received (drives stale detection). */
  lastHeardAt: number;
  /** Why the gateway ended the connection, when it did. */
  endReason: ConnectionEndReason = 'disconnected';
  /** True while the rate cap is dropping frames (one warning per burst). */
  inRateBurst = false;
  /** Frames that arrived while the hello was being checked; processed after `welcome`. */
  readonly heldFrames: RawFrame[] = [];
  readonly limiter: FrameRateLimiter;
  readonly connectedAt: number;
  helloTimer: NodeJS.Timeout | null = null;
  private chain: Promise<void> = Promise.resolve();
  /** True while the socket is corked until the next tick (see {@link write}). */
  private corked = false;
  private readonly closed: Promise<void>;
  private markClosed!: () => void;

  constructor(
    readonly id: string,
    readonly socket: WebSocket,
    /** Remote address, for logs only. */
    readonly remoteAddress: string,
    limits: { maxFramesPerSecond: number; frameBurst: number },
    now: number,
    private readonly logger: Logger,
  ) {
    this.limiter = new FrameRateLimiter(limits.maxFramesPerSecond, limits.frameBurst, now);
    this.lastHeardAt = now;
    this.connectedAt = now;
    this.closed = new Promise((resolve) => (this.markClosed = resolve));
  }

  /** True while the socket is in admission (no accepted `hello` yet). */
  get isPending(): boolean {
    return this.state === 'awaiting-hello' || this.state === 'authenticating';
  }

  /** True once the runner is authenticated and the socket is still up. */
  get isOpen(): boolean {
    return this.state === 'open';
  }

  /**
   * Validates and sends a frame. Returns false (never throws) when the socket is not open, its
   * send buffer exceeds {@link MAX_BUFFERED_BYTES}, or the frame fails its schema.
   */
  send(frame: ControllerFrame): boolean {
    if (!this.writable(frame.type)) return false;
    let text: string;
    try {
      text = encodeFrame('controller-to-runner', frame);
    } catch (error) {
      this.logger.error(`connection ${this.id}: refusing to send ${frame.type}: ${(error as Error).message}`);
      return false;
    }
    this.write(text);
    return true;
  }

  /**
   * Sends an `rpc.request` whose every part is already validated — params against the op's
   * schema and the timeout by the RPC client, id and agent id generated or taken from the
   * registry here — without a second schema pass (the RPC hot path). The frame byte cap
   * ({@link MAX_FRAME_BYTES}) still applies. Returns false (never throws) like {@link send}.
   */
  sendRpcRequest(frame: RpcRequestFrame): boolean {
    if (!this.writable(frame.type)) return false;
    const text = JSON.stringify(frame);
    // A UTF-8 byte is at least one UTF-16 unit and at most three: count bytes only near the cap.
    if (text.length * 3 > MAX_FRAME_BYTES && Buffer.byteLength(text, 'utf8') > MAX_FRAME_BYTES) {
      this.logger.error(
        `connection ${this.id}: refusing to send ${frame.op}: frame over ${MAX_FRAME_BYTES} bytes`,
      );
      return false;
    }
    this.write(text);
    return true;
  }

  private writable(type: string): boolean {
    if (this.socket.readyState !== this.socket.OPEN) return false;
    if (this.socket.bufferedAmount > MAX_BUFFERED_BYTES) {
      this.logger.warn(`connection ${this.id}: send buffer full, frame ${type} not sent`);
      return false;
    }
    return true;
  }

  /**
   * Sends `text`, coalescing every frame sent to this socket in the same tick into one `writev`
   * (the socket is corked until `process.nextTick`): at hundreds of RPCs in flight the syscall
   * per frame was the controller's largest CPU cost. Nothing waits longer than the current tick.
   * `ws` keeps its `net.Socket` in `_socket` (ws 8 `lib/websocket.js` `setSocket`); without one
   * the frame is sent uncorked.
   */
  private write(text: string): void {
    if (!this.corked) {
      const raw = (this.socket as unknown as { _socket?: Partial<Socket> | null })._socket;
      if (raw && typeof raw.cork === 'function' && typeof raw.uncork === 'function') {
        raw.cork();
        this.corked = true;
        process.nextTick(() => {
          this.corked = false;
          raw.uncork?.();
        });
      }
    }
    this.socket.send(text, (error) => {
      if (error) this.logger.debug(`connection ${this.id}: send failed: ${error.message}`);
    });
  }

  /** Closes with `code` and `reason` (≤ 123 bytes, RFC 6455 §5.5) unless already closing. */
  close(code: number, reason: string): void {
    if (this.socket.readyState === this.socket.CLOSED || this.socket.readyState === this.socket.CLOSING)
      return;
    this.socket.close(code, truncateCloseReason(reason));
  }

  /** Drops the TCP connection without a close handshake (stale or half-open peers). */
  terminate(): void {
    this.socket.terminate();
  }

  /**
   * Runs `task` after every task queued before it (frames of one connection are handled in
   * arrival order even when some handlers await Postgres). A failing task is logged.
   */
  enqueue(task: () => Promise<void> | void): void {
    this.chain = this.chain
      .then(task)
      .catch((error: unknown) =>
        this.logger.error(
          `connection ${this.id}: frame handler failed: ${error instanceof Error ? error.message : String(error)}`,
          error instanceof Error ? error.stack : undefined,
        ),
      );
  }

  /** Called by the gateway from the socket's `close` event. */
  markEnded(): void {
    this.state = 'closed';
    if (this.helloTimer) clearTimeout(this.helloTimer);
    this.helloTimer = null;
    this.heldFrames.length = 0;
    this.markClosed();
  }

  /** Resolves once the socket has closed. */
  whenClosed(): Promise<void> {
    return this.closed;
  }
}
