/**
 * Peer process of `allocation-rpc.bench.ts` (started with `child_process.fork`). On command it
 * connects simulated agent runners — plain `ws` clients speaking the agent protocol (SPEC §4:
 * `hello` → `welcome`, `agent.announce`, `rpc.response` for every `rpc.request`, `pong` for every
 * `ping`) — or raw `ws` responders for the baseline. Both answer immediately after one
 * `JSON.parse` and one `JSON.stringify`, so the peer side costs the same in both measurements.
 */
import {
  type ControllerFrame,
  ProtocolErrorCode,
  type RpcRequestFrame,
  type RunnerFrame,
} from '@app/protocol';
import WebSocket from 'ws';
import { type PeerCommand, type PeerEvent, type SimulatedRunnerScript, paddedMessage } from './peer-messages';

const sockets: WebSocket[] = [];

function tell(event: PeerEvent): void {
  process.send?.(event);
}

function open(url: string): Promise<WebSocket> {
  const socket = new WebSocket(url, { perMessageDeflate: false });
  sockets.push(socket);
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** The answer an agent with nothing playing gives (`music.nowplaying`, `status`). */
function answer(request: RpcRequestFrame): RunnerFrame {
  switch (request.op) {
    case 'music.nowplaying':
      return {
        type: 'rpc.response',
        id: request.id,
        agentId: request.agentId,
        ok: true,
        result: { current: null, paused: false },
      };
    case 'status':
      return {
        type: 'rpc.response',
        id: request.id,
        agentId: request.agentId,
        ok: true,
        result: {
          agentId: request.agentId,
          ready: true,
          uptimeMs: 1,
          guilds: [],
          sessions: [],
          lavalink: [],
        },
      };
    default:
      return {
        type: 'rpc.response',
        id: request.id,
        agentId: request.agentId,
        ok: false,
        error: {
          code: ProtocolErrorCode.UnsupportedOp,
          message: `the simulated agent does not serve ${request.op}`,
        },
      };
  }
}

async function startRunner(url: string, script: SimulatedRunnerScript): Promise<void> {
  const socket = await open(url);
  const welcomed = new Promise<void>((resolve, reject) => {
    socket.once('close', (code, reason) =>
      reject(new Error(`runner ${script.runnerId} closed ${code} ${reason.toString('utf8')}`)),
    );
    socket.on('message', (data) => {
      const frame = JSON.parse((data as Buffer).toString('utf8')) as ControllerFrame;
      switch (frame.type) {
        case 'rpc.request':
          socket.send(JSON.stringify(answer(frame)));
          return;
        case 'ping':
          socket.send(JSON.stringify({ type: 'pong', ts: frame.ts }));
          return;
        case 'welcome':
          resolve();
          return;
        case 'error':
          if (frame.fatal) reject(new Error(`runner ${script.runnerId} refused: ${frame.message}`));
          return;
        case 'pong':
        case 'shutdown':
          return;
      }
    });
  });
  socket.send(script.hello);
  await welcomed;
  for (const announce of script.announces) socket.send(announce);
}

async function startRaw(url: string, connections: number, responseBytes: number): Promise<void> {
  for (let i = 0; i < connections; i++) {
    const socket = await open(url);
    socket.on('message', (data) => {
      const { id } = JSON.parse((data as Buffer).toString('utf8')) as { id: string };
      socket.send(paddedMessage(id, responseBytes));
    });
  }
}

async function stop(): Promise<void> {
  await Promise.all(
    sockets.splice(0).map(
      (socket) =>
        new Promise<void>((resolve) => {
          if (socket.readyState === WebSocket.CLOSED) return resolve();
          socket.once('close', () => resolve());
          socket.close(1000, 'benchmark done');
          setTimeout(() => socket.terminate(), 1_000).unref();
        }),
    ),
  );
  process.disconnect?.();
}

async function handle(command: PeerCommand): Promise<void> {
  switch (command.cmd) {
    case 'runners':
      for (const script of command.runners) await startRunner(command.url, script);
      tell({ event: 'runners-ready', runners: command.runners.length });
      return;
    case 'raw':
      await startRaw(command.url, command.connections, command.responseBytes);
      tell({ event: 'raw-ready', connections: command.connections });
      return;
    case 'stop':
      await stop();
      return;
  }
}

process.on('message', (command: PeerCommand) => {
  handle(command).catch((error: unknown) =>
    tell({ event: 'failed', message: error instanceof Error ? error.message : String(error) }),
  );
});
process.on('disconnect', () => {
  for (const socket of sockets) socket.terminate();
});
tell({ event: 'started' });
