import { randomInt } from 'node:crypto';
import {
  type AnnouncedAgent,
  type ControllerFrame,
  PROTOCOL_VERSION,
  type RpcRequestFrame,
  type RunnerFrame,
  packAnnounceFrames,
} from '@app/protocol';
import WebSocket from 'ws';

/** How a socket ended, as the runner saw it. */
export interface ClosedInfo {
  code: number;
  reason: string;
}

/** Credentials and identity a test runner says hello with. */
export interface HelloOptions {
  runnerId: string;
  credential?: string | null;
  /** `null` omits the version; default: this build's protocol version. */
  version?: string | null;
  capabilities?: string[];
}

/**
 * A small protocol-speaking runner for tests: a real `ws` client that sends and receives
 * agent-protocol frames. It is a protocol PEER of the gateway (what a runner would put on the
 * wire), not a mock of our code. By default it answers `ping` with `pong`; switch that off to
 * simulate an agent that stopped answering (ACCEPTANCE P7).
 */
export class TestRunnerClient {
  /** Every frame received, parsed, in order. */
  readonly received: ControllerFrame[] = [];
  /** Resolves when the socket closes. */
  readonly closed: Promise<ClosedInfo>;
  /** Answer `ping` frames with `pong` (default true). */
  answerPings = true;
  private waiters: {
    test: (frame: ControllerFrame) => boolean;
    resolve: (frame: ControllerFrame) => void;
  }[] = [];
  private rpcHandler: ((request: RpcRequestFrame) => object | object[] | null) | null = null;

  private constructor(readonly socket: WebSocket) {
    this.closed = new Promise((resolve) =>
      socket.once('close', (code, reason) => resolve({ code, reason: reason.toString('utf8') })),
    );
    socket.on('error', () => undefined);
    socket.on('message', (data) => {
      const frame = JSON.parse((data as Buffer).toString('utf8')) as ControllerFrame;
      this.received.push(frame);
      if (frame.type === 'ping' && this.answerPings) this.send({ type: 'pong', ts: frame.ts });
      if (frame.type === 'rpc.request' && this.rpcHandler) {
        const answer = this.rpcHandler(frame);
        for (const out of answer === null ? [] : Array.isArray(answer) ? answer : [answer]) this.send(out);
      }
      for (const waiter of [...this.waiters]) {
        if (waiter.test(frame)) {
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          waiter.resolve(frame);
        }
      }
    });
  }

  /** Opens a socket to `url` and waits until it is open. */
  static async connect(url: string): Promise<TestRunnerClient> {
    const socket = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    return new TestRunnerClient(socket);
  }

  /** Connects, says hello and waits for `welcome`. @throws when the gateway refuses. */
  static async authenticated(url: string, hello: HelloOptions): Promise<TestRunnerClient> {
    const client = await TestRunnerClient.connect(url);
    client.hello(hello);
    const answer = await Promise.race([
      client.next((frame) => frame.type === 'welcome' || frame.type === 'error'),
      client.closed.then((info) => ({ type: 'closed', ...info })),
    ]);
    if (answer.type !== 'welcome') throw new Error(`hello refused: ${JSON.stringify(answer)}`);
    return client;
  }

  /** Sends a JSON frame (not validated: tests also send invalid ones). */
  send(frame: unknown): void {
    this.socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** Sends a `hello` built from `options` (fields set to null are left out). */
  hello(options: HelloOptions): void {
    const version = options.version === undefined ? PROTOCOL_VERSION : options.version;
    const credential = options.credential === undefined ? null : options.credential;
    this.send({
      type: 'hello',
      protocol: version === null ? {} : { version },
      runnerId: options.runnerId,
      ...(credential === null ? {} : { credential }),
      capabilities: options.capabilities ?? ['music', 'assistant', 'session-resume', 'session-report'],
      runner: { version: '0.0.0-test', host: 'test-host', capacity: 1000 },
    });
  }

  /** Announces `agents`, packed into as few frames as fit the 64 KiB cap. */
  announce(agents: AnnouncedAgent[]): void {
    for (const frame of packAnnounceFrames(agents)) this.send(frame);
  }

  /**
   * Answers every `rpc.request` with the frame(s) `handler` returns, sent as is (they may be
   * invalid on purpose); null = stay silent.
   */
  onRpc(handler: ((request: RpcRequestFrame) => object | object[] | null) | null): void {
    this.rpcHandler = handler;
  }

  /**
   * The first already-received or future frame matching `test`.
   * @throws Error after `timeoutMs` (default 5 s).
   */
  next(test: (frame: ControllerFrame) => boolean, timeoutMs = 5_000): Promise<ControllerFrame> {
    const seen = this.received.find(test);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((waiter) => waiter.resolve !== done);
        reject(
          new Error(
            `no matching frame within ${timeoutMs} ms; got ${JSON.stringify(this.received.map((f) => f.type))}`,
          ),
        );
      }, timeoutMs);
      const done = (frame: ControllerFrame) => {
        clearTimeout(timer);
        resolve(frame);
      };
      this.waiters.push({ test, resolve: done });
    });
  }

  /** Closes the socket (normal closure) and waits for the close. */
  async close(): Promise<ClosedInfo> {
    if (this.socket.readyState === WebSocket.OPEN || this.socket.readyState === WebSocket.CONNECTING) {
      this.socket.close(1000, 'test done');
    }
    return this.closed;
  }

  /** Destroys the TCP connection abruptly (an "error then close" from the controller's view). */
  async destroy(): Promise<ClosedInfo> {
    this.socket.terminate();
    return this.closed;
  }
}

/** A random Discord-like snowflake. */
export function testSnowflake(): string {
  return `${randomInt(100_000_000, 999_999_999)}${randomInt(100_000_000, 999_999_999)}`;
}

/** An announce entry for `agentId` (`agent<clientId>`), ready, in `guildIds`. */
export function announcedAgent(agentId: string, guildIds: string[], ready = true): AnnouncedAgent {
  const clientId = agentId.replace(/^agent/, '');
  return {
    agentId,
    clientId,
    botUserId: clientId,
    ready,
    guilds: guildIds.map((guildId) => ({ guildId, voiceChannelId: null })),
  };
}

/** A successful `status` answer for `request`. */
export function statusResponse(request: RpcRequestFrame, agentId = request.agentId): RunnerFrame {
  return {
    type: 'rpc.response',
    id: request.id,
    agentId,
    ok: true,
    result: { agentId: request.agentId, ready: true, uptimeMs: 1234, guilds: [], sessions: [], lavalink: [] },
  };
}
