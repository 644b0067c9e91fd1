/**
 * Allocation + RPC round trip over real sockets (SPEC §12):
 * - "allocation + RPC round trip vs a raw `ws` request/response round trip …: p99 ≤ 2 × raw";
 * - "allocation + RPC with 200 requests in flight: ≥ 12,000 per second, p99 ≤ 25 ms".
 *
 * Boots the real `AgentGatewayModule` in a Nest application context on 127.0.0.1, port 0, and
 * connects simulated runners from a separate peer process (plain `ws` clients speaking the
 * protocol: hello, announce 1,000 agents spread over ~100 guilds, answer every `rpc.request` and
 * `ping` at once). One operation = `Allocator.allocate` over the live registry +
 * `AgentRpcClient.call(agent, 'music.nowplaying')` + release, measured at 1, 50 and 200
 * operations in flight. The baseline, measured in the same run at the same concurrency, is a raw
 * `ws` request/response round trip between the same two processes over the same number of
 * sockets with messages of the same sizes. Measurements of ours and the baseline alternate in
 * rounds, so drift of this shared machine hits both.
 *
 * Run alone: `node -r @swc-node/register bench/allocation-rpc.bench.ts [--quick]` (JSON lines).
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { DEFAULT_FRAME_BURST, DEFAULT_MAX_FRAMES_PER_SECOND, encodeFrame } from '@app/protocol';
import { AgentRegistry, Allocator, ReleaseReason } from '@app/sessions';
import { type WebSocket, WebSocketServer } from 'ws';
import * as gatewayFeature from '@apps/controller';
import type { BenchFigures, BenchRow, BenchRunOptions } from './bench-report';
import { type LoopBounds, type LoopResult, closedLoop, figuresOf } from './support/closed-loop';
import {
  AGENTS_PER_GUILD,
  type BenchGateway,
  GUILDS_PER_AGENT,
  PeerProcess,
  buildFleet,
  runnerScripts,
  startBenchGateway,
  waitUntil,
} from './support/gateway-harness';
import { paddedMessage } from './support/peer-messages';
import { runWhenMain } from './support/bench-main';

const { AgentGateway, AgentRpcClient } = gatewayFeature;

const AGENTS = 1_000;
const RUNNERS = 4;
const CONCURRENCY_LEVELS = [1, 50, 200] as const;
const RPC_TIMEOUT_MS = 10_000;
const USER_ID = '200000000000000001';

/** SPEC §12 targets. */
const TARGET_RATIO_AT_1 = 2;
const TARGET_OPS_AT_200 = 12_000;
const TARGET_P99_US_AT_200 = 25_000;

/** One benchmark row of this module. */
export interface AllocationRpcRow extends BenchRow {
  baseline: BenchFigures;
  ratio: number;
  concurrency: number;
  agents: number;
  runners: number;
  guilds: number;
  failures: number;
  baselineFailures: number;
  firstError: string | null;
  requestBytes: number;
  responseBytes: number;
  notes: string[];
}

/** A raw `ws` request/response server on 127.0.0.1 (the baseline's controller side). */
class RawRoundTrip {
  private readonly sockets: WebSocket[] = [];
  private readonly pending = new Map<string, () => void>();
  private seq = 0;

  private constructor(
    private readonly server: WebSocketServer,
    private readonly requestBytes: number,
  ) {
    server.on('connection', (socket) => {
      this.sockets.push(socket);
      socket.on('message', (data) => {
        const { id } = JSON.parse((data as Buffer).toString('utf8')) as { id: string };
        this.pending.get(id)?.();
      });
    });
  }

  static async listen(requestBytes: number, maxPayload: number): Promise<RawRoundTrip> {
    const server = new WebSocketServer({
      host: '127.0.0.1',
      port: 0,
      maxPayload,
      perMessageDeflate: false,
      clientTracking: false,
    });
    await new Promise<void>((resolve, reject) => {
      server.once('listening', resolve);
      server.once('error', reject);
    });
    return new RawRoundTrip(server, requestBytes);
  }

  get url(): string {
    return `ws://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  get connections(): number {
    return this.sockets.length;
  }

  /** One request/response round trip on the next socket (round robin), with a timeout like an RPC's. */
  roundTrip(): Promise<void> {
    const id = String(++this.seq);
    const socket = this.sockets[this.seq % this.sockets.length];
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`raw round trip ${id} timed out`));
      }, RPC_TIMEOUT_MS);
      this.pending.set(id, () => {
        clearTimeout(timer);
        this.pending.delete(id);
        resolve();
      });
      socket.send(paddedMessage(id, this.requestBytes));
    });
  }

  async close(): Promise<void> {
    for (const socket of this.sockets.splice(0)) socket.terminate();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

function mergeResults(results: readonly LoopResult[]): LoopResult {
  const total = results.reduce((sum, result) => sum + result.samples.length, 0);
  const samples = new Float64Array(total);
  let offset = 0;
  for (const result of results) {
    samples.set(result.samples, offset);
    offset += result.samples.length;
  }
  samples.sort();
  return {
    samples,
    ops: results.reduce((sum, result) => sum + result.ops, 0),
    failures: results.reduce((sum, result) => sum + result.failures, 0),
    firstError: results.find((result) => result.firstError !== null)?.firstError ?? null,
    elapsedMs: results.reduce((sum, result) => sum + result.elapsedMs, 0),
    cpuUs: results.reduce((sum, result) => sum + result.cpuUs, 0),
  };
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

interface Plan {
  /** Alternating measurement rounds per concurrency level (ours, raw, ours, raw, …). */
  rounds: number;
  warmup: (concurrency: number) => LoopBounds;
  measure: (concurrency: number) => LoopBounds;
}

function planFor(quick: boolean): Plan {
  const maxOps = (concurrency: number) => (concurrency === 1 ? 8_000 : concurrency <= 50 ? 30_000 : 60_000);
  if (quick) {
    return {
      rounds: 1,
      warmup: (concurrency) => ({ concurrency, maxOps: 300, maxMs: 500 }),
      measure: (concurrency) => ({ concurrency, maxOps: maxOps(concurrency) / 10, maxMs: 1_000 }),
    };
  }
  return {
    rounds: 4,
    warmup: (concurrency) => ({ concurrency, maxOps: 3_000, maxMs: 2_000 }),
    measure: (concurrency) => ({ concurrency, maxOps: maxOps(concurrency) / 4, maxMs: 2_500 }),
  };
}

/**
 * Runs the benchmark and returns one row per concurrency level (1, 50, 200 in flight): p50/p99
 * of allocate + `music.nowplaying` RPC + release (µs), throughput (operations/s), the raw `ws`
 * baseline's figures and ratio = our p99 / raw p99. Everything it opens is closed before it
 * resolves.
 * @throws Error when the gateway, the peer process or the fleet fails to come up.
 */
export async function run(options: BenchRunOptions = { quick: false }): Promise<AllocationRpcRow[]> {
  const plan = planFor(options.quick);
  const fleet = buildFleet({
    agents: AGENTS,
    runners: RUNNERS,
    guildsPerAgent: GUILDS_PER_AGENT,
    agentsPerGuild: AGENTS_PER_GUILD,
  });
  const sampleAgentId = fleet.byRunner[0].agents[0].agentId;
  const requestBytes = Buffer.byteLength(
    encodeFrame('controller-to-runner', {
      type: 'rpc.request',
      id: randomUUID(),
      agentId: sampleAgentId,
      op: 'music.nowplaying',
      params: { guildId: fleet.guildIds[0] },
      timeoutMs: RPC_TIMEOUT_MS,
    }),
  );
  const responseBytes = Buffer.byteLength(
    JSON.stringify({
      type: 'rpc.response',
      id: randomUUID(),
      agentId: sampleAgentId,
      ok: true,
      result: { current: null, paused: false },
    }),
  );

  let bench: BenchGateway | null = null;
  let peer: PeerProcess | null = null;
  let raw: RawRoundTrip | null = null;
  try {
    bench = await startBenchGateway({ defaultRpcTimeoutMs: RPC_TIMEOUT_MS });
    const { app, logger } = bench;
    const scripts = runnerScripts(fleet, bench.authenticator, bench.leases);
    const gateway = app.get(AgentGateway);
    const rpc = app.get(AgentRpcClient);
    const registry = app.get(AgentRegistry);
    const allocator = app.get(Allocator);

    peer = await PeerProcess.start();
    await peer.request(
      { cmd: 'runners', url: `ws://127.0.0.1:${gateway.port}`, runners: scripts },
      (event) => event.event === 'runners-ready',
    );
    await waitUntil(
      () => registry.size >= AGENTS,
      () => `only ${registry.size} of ${AGENTS} agents came up`,
      30_000,
    );

    raw = await RawRoundTrip.listen(requestBytes, 1024 * 1024);
    await peer.request(
      { cmd: 'raw', url: raw.url, connections: RUNNERS, responseBytes },
      (event) => event.event === 'raw-ready',
    );
    while (raw.connections < RUNNERS) await new Promise((resolve) => setTimeout(resolve, 5));

    let cursor = 0;
    const ours = async (slot: number): Promise<void> => {
      const guildId = fleet.guildIds[(cursor++ * 7919) % fleet.guildIds.length];
      const allocation = allocator.allocate({
        guildId,
        voiceChannelId: String(300000000000000000n + BigInt(slot)),
        kind: 'music',
        userId: USER_ID,
      });
      if (!allocation.ok) throw new Error(`allocation failed: ${allocation.reason}`);
      try {
        await rpc.call(allocation.agent.agentId, 'music.nowplaying', { guildId });
      } finally {
        allocator.release(allocation.session.sessionId, ReleaseReason.User);
      }
    };
    const rawLink = raw;
    const baseline = () => rawLink.roundTrip();

    // JIT warm-up of both paths before anything is timed.
    await closedLoop(plan.warmup(50), ours);
    await closedLoop(plan.warmup(50), baseline);

    const rows: AllocationRpcRow[] = [];
    for (const concurrency of CONCURRENCY_LEVELS) {
      await closedLoop(plan.warmup(concurrency), ours);
      await closedLoop(plan.warmup(concurrency), baseline);
      const oursRounds: LoopResult[] = [];
      const rawRounds: LoopResult[] = [];
      for (let round = 0; round < plan.rounds; round++) {
        oursRounds.push(await closedLoop(plan.measure(concurrency), ours));
        rawRounds.push(await closedLoop(plan.measure(concurrency), baseline));
      }
      const oursResult = mergeResults(oursRounds);
      const rawResult = mergeResults(rawRounds);
      const figures = figuresOf(`allocation + rpc, ${concurrency} in flight`, oursResult);
      const rawFigures = figuresOf(`raw ws round trip, ${concurrency} in flight`, rawResult);
      rows.push({
        ...figures,
        baseline: rawFigures,
        ratio: round(figures.p99Us / rawFigures.p99Us),
        ...(concurrency === 1 ? { targetRatio: TARGET_RATIO_AT_1 } : {}),
        ...(concurrency === 200
          ? { targetOpsPerSec: TARGET_OPS_AT_200, targetP99Us: TARGET_P99_US_AT_200 }
          : {}),
        concurrency,
        agents: AGENTS,
        runners: RUNNERS,
        guilds: fleet.guildIds.length,
        failures: oursResult.failures,
        baselineFailures: rawResult.failures,
        firstError: oursResult.firstError ?? rawResult.firstError,
        requestBytes,
        responseBytes,
        notes: [],
      });
    }
    const notes = [
      'runner credentials and leases come from in-memory RunnerAuthenticator/AgentLeaseChecker ports (production reads Postgres once per connection and per announce, never per RPC)',
      `gateway limits at their defaults (${DEFAULT_MAX_FRAMES_PER_SECOND} frames/s, burst ${DEFAULT_FRAME_BURST} per connection); answers to the controller's own pending calls are exempt from that cap`,
      `simulated runners (${RUNNERS} sockets, ${AGENTS} agents, ${fleet.guildIds.length} guilds) and the raw responders run in a separate process; the controller process is measured; raw messages are ${requestBytes} B out / ${responseBytes} B back like ours`,
    ];
    const busiest = rows[rows.length - 1];
    notes.push(
      `cpu/op = CPU time (user + system) of the controller process per operation, the figure least disturbed by other processes; at ${busiest.concurrency} in flight ours costs ${busiest.cpuUsPerOp} µs (single-core ceiling ≈ ${Math.round(1e6 / (busiest.cpuUsPerOp ?? 1)).toLocaleString('en-US')}/s), raw ws ${busiest.baseline.cpuUsPerOp} µs`,
    );
    if (logger.problems.length > 0) {
      notes.push(
        `gateway logged ${logger.problems.length} warning(s)/error(s), first: ${logger.problems[0]}`,
      );
    }
    for (const row of rows) row.notes.push(...notes);
    return rows;
  } finally {
    if (bench) await bench.app.close();
    if (raw) await raw.close();
    if (peer) await peer.stop();
  }
}

runWhenMain(module, run);
