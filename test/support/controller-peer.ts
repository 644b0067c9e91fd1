import type { IncomingMessage } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import {
  type ErrorFrame,
  FrameDirection,
  HEARTBEAT_INTERVAL_MS,
  MAX_FRAME_BYTES,
  PROTOCOL_VERSION,
  type RpcOp,
  type RpcParamsInput,
  type RpcResponseFrame,
  type RunnerFrame,
  STALE_AFTER_MS,
  SUPPORTED_PROTOCOL_RANGE,
  parseFrame,
} from '@app/protocol';
import { type RawData, WebSocket, WebSocketServer } from 'ws';

/** One runner connection as the peer saw it. */
export interface PeerConnection {
  socket: WebSocket;
  /** The raw TCP socket (to inject protocol faults). */
  tcp: Socket;
  /** Every valid runner frame received on this connection, in order. */
  frames: RunnerFrame[];
}

/** How the peer answers a `hello`. */
export type HelloAnswer =
  | { kind: 'welcome' }
  | { kind: 'refuse'; error: Pick<ErrorFrame, 'code' | 'message'> };

/**
 * A minimal protocol-speaking controller for runner tests: a real `ws` server that validates
 * every runner frame with `@app/protocol`, answers `hello` with `welcome` (or a refusal), and
 * sends `rpc.request` frames. It is the runner's protocol PEER, not a mock of runner code.
 */
export class ControllerPeer {
  readonly connections: PeerConnection[] = [];
  /** Frames that failed validation (should stay empty). */
  readonly invalid: string[] = [];
  helloAnswer: HelloAnswer = { kind: 'welcome' };
  private nextId = 0;
  private waiters: { test: () => boolean; resolve: () => void }[] = [];

  private constructor(private readonly server: WebSocketServer) {
    server.on('connection', (socket: WebSocket, request: IncomingMessage) => {
      const connection: PeerConnection = { socket, tcp: request.socket, frames: [] };
      this.connections.push(connection);
      socket.on('error', () => undefined);
      socket.on('message', (data: RawData) => {
        const parsed = parseFrame(data, FrameDirection.RunnerToController);
        if (!parsed.ok) {
          this.invalid.push(parsed.message);
          return;
        }
        connection.frames.push(parsed.frame);
        if (parsed.frame.type === 'hello') this.answerHello(socket);
        if (parsed.frame.type === 'ping') socket.send(JSON.stringify({ type: 'pong', ts: parsed.frame.ts }));
        this.poke();
      });
      socket.on('close', () => this.poke());
      this.poke();
    });
  }

  /** Starts a peer on a free loopback port. */
  static async start(): Promise<ControllerPeer> {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    return new ControllerPeer(server);
  }

  /** `ws://127.0.0.1:<port>` */
  get url(): string {
    return `ws://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** The newest connection. @throws when none */
  get latest(): PeerConnection {
    const connection = this.connections.at(-1);
    if (!connection) throw new Error('no runner connected');
    return connection;
  }

  /** Every frame of every connection, in arrival order per connection. */
  allFrames(): RunnerFrame[] {
    return this.connections.flatMap((connection) => connection.frames);
  }

  /** Frames of `type` across connections. */
  framesOf<T extends RunnerFrame['type']>(type: T): Extract<RunnerFrame, { type: T }>[] {
    return this.allFrames().filter(
      (frame): frame is Extract<RunnerFrame, { type: T }> => frame.type === type,
    );
  }

  /** Resolves once `test` holds (re-checked on every frame, connection and close). */
  until(test: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
    if (test()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter = {
        test,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`timed out waiting for ${what}`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** Sends `rpc.request` for `op` to `agentId` on the newest connection and awaits the response. */
  async request<Op extends RpcOp>(
    agentId: string,
    op: Op,
    params: RpcParamsInput<Op>,
    timeoutMs = 10_000,
  ): Promise<RpcResponseFrame> {
    const id = `rpc-${++this.nextId}`;
    const connection = this.latest;
    connection.socket.send(JSON.stringify({ type: 'rpc.request', id, agentId, op, params, timeoutMs }));
    let response: RpcResponseFrame | undefined;
    await this.until(
      () => {
        response = connection.frames.find(
          (frame): frame is RpcResponseFrame => frame.type === 'rpc.response' && frame.id === id,
        );
        return response !== undefined;
      },
      timeoutMs,
      `rpc.response to ${op}`,
    );
    return response as RpcResponseFrame;
  }

  /** Closes every connection and the server. */
  async stop(): Promise<void> {
    for (const connection of this.connections) connection.socket.terminate();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private answerHello(socket: WebSocket): void {
    if (this.helloAnswer.kind === 'refuse') {
      socket.send(JSON.stringify({ type: 'error', ...this.helloAnswer.error, fatal: true }));
      socket.close(1008, this.helloAnswer.error.code);
      return;
    }
    socket.send(
      JSON.stringify({
        type: 'welcome',
        protocol: { version: PROTOCOL_VERSION, supported: SUPPORTED_PROTOCOL_RANGE },
        capabilities: ['music', 'session-resume', 'session-report'],
        heartbeatIntervalMs: HEARTBEAT_INTERVAL_MS,
        staleAfterMs: STALE_AFTER_MS,
        limits: { maxFrameBytes: MAX_FRAME_BYTES, maxFramesPerSecond: 200 },
      }),
    );
  }

  private poke(): void {
    for (const waiter of [...this.waiters]) {
      if (waiter.test()) {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        waiter.resolve();
      }
    }
  }
}
