/**
 * IPC messages between the benchmark (parent process, the controller side) and its peer process
 * (`runner-peers.ts`: simulated runners and raw `ws` responders). The peers run in their own
 * process, as runners do in production, so the controller's event loop is the one measured.
 */

/** One simulated runner: the frames it sends after connecting (already encoded JSON text). */
export interface SimulatedRunnerScript {
  runnerId: string;
  /** The `hello` frame. */
  hello: string;
  /** `agent.announce` frames, sent after `welcome`. */
  announces: string[];
}

/** Parent → peer process. */
export type PeerCommand =
  | { cmd: 'runners'; url: string; runners: SimulatedRunnerScript[] }
  | {
      cmd: 'raw';
      url: string;
      connections: number;
      /** Each answer is padded to exactly this many bytes (the size of our `rpc.response`). */
      responseBytes: number;
    }
  | { cmd: 'stop' };

/** Peer process → parent. */
export type PeerEvent =
  | { event: 'started' }
  | { event: 'runners-ready'; runners: number }
  | { event: 'raw-ready'; connections: number }
  | { event: 'failed'; message: string };

/**
 * A raw baseline message `{"id":"…","pad":"xxx"}` of exactly `bytes` bytes (ASCII id), or
 * without padding when the id alone is longer.
 */
export function paddedMessage(id: string, bytes: number): string {
  const bare = JSON.stringify({ id, pad: '' });
  return JSON.stringify({ id, pad: 'x'.repeat(Math.max(0, bytes - bare.length)) });
}
