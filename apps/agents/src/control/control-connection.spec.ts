import type { AddressInfo } from 'node:net';
import { ConsoleLogger, Logger } from '@nestjs/common';
import {
  MAX_FRAME_BYTES,
  PROTOCOL_VERSION,
  ProtocolErrorCode,
  type RpcRequestFrame,
  SUPPORTED_PROTOCOL_RANGE,
} from '@app/protocol';
import { type RawData, WebSocket, WebSocketServer } from 'ws';
import { AgentRpcException } from './agent-rpc.exception';
import { ControlConnection } from './control-connection';

/** A tiny controller on a real socket: welcomes every hello with `staleAfterMs`. */
class TinyController {
  readonly sockets: WebSocket[] = [];
  readonly frames: Record<string, unknown>[][] = [];
  readonly closes: number[] = [];

  private constructor(
    readonly server: WebSocketServer,
    private readonly staleAfterMs: number,
  ) {
    server.on('connection', (socket) => {
      const frames: Record<string, unknown>[] = [];
      this.sockets.push(socket);
      this.frames.push(frames);
      socket.on('close', (code) => this.closes.push(code));
      socket.on('message', (data: RawData) => {
        const frame = JSON.parse((data as Buffer).toString('utf8')) as Record<string, unknown>;
        frames.push(frame);
        if (frame.type === 'hello') socket.send(JSON.stringify(this.welcome()));
      });
    });
  }

  static async start(staleAfterMs = 45_000): Promise<TinyController> {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    return new TinyController(server, staleAfterMs);
  }

  get url(): string {
    return `ws://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  send(index: number, frame: unknown): void {
    this.sockets[index].send(JSON.stringify(frame));
  }

  async until(test: () => boolean, timeoutMs = 5_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!test()) {
      if (Date.now() > deadline) throw new Error('condition not met in time');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.terminate();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private welcome() {
    return {
      type: 'welcome',
      protocol: { version: PROTOCOL_VERSION, supported: SUPPORTED_PROTOCOL_RANGE },
      capabilities: ['music'],
      heartbeatIntervalMs: 15_000,
      staleAfterMs: this.staleAfterMs,
      limits: { maxFrameBytes: MAX_FRAME_BYTES, maxFramesPerSecond: 200 },
    };
  }
}

const AGENT = 'agent123456789012345678';

function connectionTo(
  controller: TinyController,
  handleRpc: (request: RpcRequestFrame) => Promise<unknown>,
  replaced: (detail: string) => void = () => undefined,
) {
  return new ControlConnection({
    url: controller.url,
    runnerId: 'runner_0123456789ab',
    credential: 'secret-credential-value',
    capacity: 5,
    capabilities: ['music'],
    backoff: { baseMs: 20, maxMs: 200 },
    handler: { announcement: () => [], handleRpc, replaced },
  });
}

function request(id: string, op: string, params: unknown) {
  return { type: 'rpc.request', id, agentId: AGENT, op, params, timeoutMs: 5_000 };
}

describe(ControlConnection.name, () => {
  let controller: TinyController;
  let sut: ControlConnection;

  beforeAll(() => {
    Logger.overrideLogger(false);
  });
  afterAll(() => {
    Logger.overrideLogger(new ConsoleLogger());
  });

  afterEach(async () => {
    await sut.stop();
    await controller.stop();
  });

  it('answers ping and serves RPCs: results, typed domain errors, and internal errors without details', async () => {
    controller = await TinyController.start();
    sut = connectionTo(controller, (rpc) => {
      switch (rpc.op) {
        case 'music.pause':
          return Promise.resolve({ paused: true });
        case 'music.skip':
          return Promise.reject(new AgentRpcException(ProtocolErrorCode.NotInVoice, 'not in voice'));
        case 'music.stop':
          return Promise.resolve({ stopped: 'yes' });
        default:
          return Promise.reject(new Error('database password is hunter2'));
      }
    });
    sut.start();
    await sut.waitUntilConnected(5_000);
    controller.send(0, { type: 'ping', ts: 42 });
    controller.send(0, request('1', 'music.pause', { guildId: '1' }));
    controller.send(0, request('2', 'music.skip', { guildId: '1' }));
    controller.send(0, request('3', 'music.stop', { guildId: '1' }));
    controller.send(0, request('4', 'status', {}));
    await controller.until(() => controller.frames[0].filter((f) => f.type === 'rpc.response').length === 4);

    const frames = controller.frames[0];
    expect(frames[0]).toMatchObject({
      type: 'hello',
      runnerId: 'runner_0123456789ab',
      protocol: { version: PROTOCOL_VERSION },
    });
    expect(frames).toContainEqual({ type: 'pong', ts: 42 });
    const byId = (id: string) => frames.find((f) => f.type === 'rpc.response' && f.id === id);
    expect(byId('1')).toEqual({
      type: 'rpc.response',
      id: '1',
      agentId: AGENT,
      ok: true,
      result: { paused: true },
    });
    expect(byId('2')).toMatchObject({ ok: false, error: { code: 'not-in-voice', message: 'not in voice' } });
    expect(byId('3')).toMatchObject({ ok: false, error: { code: 'internal' } });
    expect(byId('4')).toMatchObject({
      ok: false,
      error: { code: 'internal', message: expect.stringMatching(/^internal error \(id /) },
    });
    expect(JSON.stringify(frames)).not.toContain('hunter2');
  });

  it('replaces a connection whose controller stays silent past staleAfterMs (half-open)', async () => {
    controller = await TinyController.start(150);
    sut = connectionTo(controller, () => Promise.resolve({}));
    sut.start();
    await controller.until(() => controller.sockets.length >= 2 && controller.frames[1].length > 0);
    expect(controller.frames[1][0]).toMatchObject({ type: 'hello' });
  });

  it('stop() closes with 1001 and never reconnects', async () => {
    controller = await TinyController.start();
    sut = connectionTo(controller, () => Promise.resolve({}));
    sut.start();
    await sut.waitUntilConnected(5_000);
    await sut.stop();
    await controller.until(() => controller.closes.length === 1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(controller.closes).toEqual([1001]);
    expect(controller.sockets).toHaveLength(1);
    expect(sut.send({ type: 'ping', ts: 1 })).toBe(false);
  });

  it.each([
    ['a close 1008 replaced', (c: TinyController) => c.sockets[0].close(1008, 'replaced')],
    [
      'a replaced error about one of its agents',
      (c: TinyController) =>
        c.send(0, {
          type: 'error',
          code: 'replaced',
          message: 'newer owner',
          fatal: false,
          ref: { agentId: AGENT },
        }),
    ],
  ])('after %s it reports replaced once and never reconnects', async (_what, replace) => {
    controller = await TinyController.start();
    const replaced: string[] = [];
    sut = connectionTo(
      controller,
      () => Promise.resolve({}),
      (detail) => replaced.push(detail),
    );
    sut.start();
    await sut.waitUntilConnected(5_000);
    replace(controller);
    await controller.until(() => replaced.length === 1 && controller.closes.length === 1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(replaced).toHaveLength(1);
    expect(sut.replaced).toBe(true);
    expect(sut.connected).toBe(false);
    expect(controller.sockets).toHaveLength(1);
    expect(sut.connectAttempts).toBe(1);
  });
});
