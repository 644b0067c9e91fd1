/**
 * The controller at rest with a large fleet (issue 5, SPEC §12):
 * - "idle controller CPU with 10,000 connected, heartbeating agents: < 10 % of one core";
 * - "controller memory per connected agent: ≤ 16 KiB".
 *
 * Boots the real `AgentGatewayModule` in a Nest context of this process (127.0.0.1, port 0) and
 * connects 20 simulated runners carrying 500 agents each from a separate peer process — plain
 * `ws` clients speaking the protocol like the real runner: `hello`, `agent.announce` batches,
 * a `pong` for every `ping`. The runner heartbeat is per connection (SPEC §4), so 10,000 agents
 * on 20 runners are 20 heartbeating sockets, as in production. The gateway pings every 5 s, three
 * times the production default of 15 s, so the figure errs on the high side.
 *
 * Measured in this process only (the peers' CPU is theirs): CPU time (`process.cpuUsage`) over an
 * idle window, as % of one core, and heap (`heapUsed + external`, after forced GC) growth from 0
 * to 10,000 agents divided by the agents — once right after they connected, once "warm" after
 * each served one RPC. Baseline, measured first in the same run: the
 * same gateway idle with no runner connected.
 *
 * Run alone: `node -r @swc-node/register bench/idle-gateway.bench.ts [--quick]` (JSON lines).
 */
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { AgentRegistry } from '@app/sessions';
import * as gatewayFeature from '@apps/controller';
import type { BenchRow, BenchRunOptions } from './bench-report';
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
import { runWhenMain } from './support/bench-main';

const { AgentGateway, AgentRpcClient } = gatewayFeature;

const AGENTS = 10_000;
const RUNNERS = 20;
const HEARTBEAT_INTERVAL_MS = 5_000;

/** SPEC §12 targets. */
const TARGET_CPU_PERCENT = 10;
const TARGET_KIB_PER_AGENT = 16;

/** One row of this module. */
export interface IdleGatewayRow extends BenchRow {
  value: number;
  unit: string;
  agents: number;
  runners: number;
  notes: string[];
}

/** Forces a full GC (V8 flag set at runtime, so no `--expose-gc` is needed on the command line). */
function collector(): () => void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  return () => {
    gc();
    gc();
  };
}

interface Footprint {
  /** `heapUsed + external`, bytes. */
  heap: number;
  rss: number;
}

async function footprint(gc: () => void): Promise<Footprint> {
  // Let pending socket and timer work finish, then collect twice (weak refs, finalizers).
  await new Promise((resolve) => setTimeout(resolve, 200));
  gc();
  const usage = process.memoryUsage();
  return { heap: usage.heapUsed + usage.external, rss: usage.rss };
}

interface IdleWindow {
  /** CPU time of this process over the window as % of one core. */
  cpuPercent: number;
  /** Event-loop utilization over the window, 0–1. */
  eventLoopUtilization: number;
  ms: number;
}

/** Sits idle for `ms` and reports this process's CPU share and event-loop utilization. */
async function idleWindow(ms: number): Promise<IdleWindow> {
  const elu = performance.eventLoopUtilization();
  const cpu = process.cpuUsage();
  const begin = performance.now();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const elapsedMs = performance.now() - begin;
  const used = process.cpuUsage(cpu);
  return {
    cpuPercent: ((used.user + used.system) / (elapsedMs * 1000)) * 100,
    eventLoopUtilization: performance.eventLoopUtilization(elu).utilization,
    ms: elapsedMs,
  };
}

function round(value: number, digits = 2): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/**
 * Runs the benchmark and returns four rows: idle CPU with 10,000 agents connected and warm (% of
 * one core, vs the same gateway idle with none), and heap growth per agent connected and warm
 * (KiB, ratio to the 16 KiB target). Everything it opens is closed before it resolves.
 * @throws Error when the gateway, the peer process or the fleet fails to come up.
 */
export async function run(options: BenchRunOptions = { quick: false }): Promise<IdleGatewayRow[]> {
  const windowMs = options.quick ? 3_000 : 10_000;
  const gc = collector();
  const fleet = buildFleet({
    agents: AGENTS,
    runners: RUNNERS,
    guildsPerAgent: GUILDS_PER_AGENT,
    agentsPerGuild: AGENTS_PER_GUILD,
  });
  let bench: BenchGateway | null = null;
  let peer: PeerProcess | null = null;
  try {
    bench = await startBenchGateway({ heartbeatIntervalMs: HEARTBEAT_INTERVAL_MS });
    const scripts = runnerScripts(fleet, bench.authenticator, bench.leases);
    const gateway = bench.app.get(AgentGateway);
    const registry = bench.app.get(AgentRegistry);
    peer = await PeerProcess.start();

    // Baseline: the same gateway, idle, nobody connected.
    await idleWindow(1_000);
    const empty = await footprint(gc);
    const baseline = await idleWindow(windowMs);

    const connectStarted = performance.now();
    await peer.request(
      { cmd: 'runners', url: `ws://127.0.0.1:${gateway.port}`, runners: scripts },
      (event) => event.event === 'runners-ready',
      60_000,
    );
    await waitUntil(
      () => registry.readyCount >= AGENTS,
      () => `only ${registry.readyCount} of ${AGENTS} agents came up`,
      60_000,
    );
    const connectMs = performance.now() - connectStarted;
    // Let announce garbage and first heartbeats settle before measuring the steady state.
    await idleWindow(2_000);
    const fresh = await footprint(gc);
    const freshIdle = await idleWindow(windowMs);

    // Warm: every agent has served one RPC, so it holds everything a successful call leaves
    // behind, as on a controller that has been running for a while.
    const rpc = bench.app.get(AgentRpcClient);
    const agentIds = fleet.byRunner.flatMap((runner) => runner.agents.map((agent) => agent.agentId));
    for (let i = 0; i < agentIds.length; i += 200) {
      await Promise.all(agentIds.slice(i, i + 200).map((agentId) => rpc.call(agentId, 'status', {})));
    }
    await idleWindow(2_000);
    const warm = await footprint(gc);
    const warmIdle = await idleWindow(windowMs);
    if (registry.readyCount !== AGENTS) {
      throw new Error(`${AGENTS - registry.readyCount} agents dropped out during the idle windows`);
    }

    const thousands = AGENTS.toLocaleString('en-US');
    const mib = (bytes: number) => round(bytes / 2 ** 20, 1);
    const notes = [
      `${thousands} agents on ${RUNNERS} simulated runners (peer process; ${fleet.guildIds.length} guilds, ${GUILDS_PER_AGENT} per agent), gateway in this process with in-memory credential/lease ports; connecting and announcing them took ${Math.round(connectMs)} ms`,
      `heartbeat: the gateway pings every runner socket every ${HEARTBEAT_INTERVAL_MS / 1000} s (production default 15 s), each simulated runner answers pong; stale sweep and breaker options at their defaults`,
      '"connected" = announced, no RPC served yet; "warm" = every agent has served one `status` RPC (everything a successful call leaves behind), the steady state of a controller that has run for a while; an agent holds an opossum breaker (two 3-s timers, ~7 KiB) only within 30 s of a transport failure — before that rule every agent that served a call kept one (measured here: 4.5 % of a core and 8.4 KiB/agent warm)',
      `idle windows of ${Math.round(windowMs / 1000)} s; cpu = user + system time of this process only; event-loop utilization ${round(baseline.eventLoopUtilization, 4)} with 0 agents, ${round(freshIdle.eventLoopUtilization, 4)} connected, ${round(warmIdle.eventLoopUtilization, 4)} warm`,
      `memory after forced GC (heapUsed + external): ${mib(empty.heap)} MiB with 0 agents, ${mib(fresh.heap)} MiB connected, ${mib(warm.heap)} MiB warm; RSS ${mib(empty.rss)} → ${mib(fresh.rss)} → ${mib(warm.rss)} MiB (RSS keeps freed start-up memory, so its delta is not a per-agent figure)`,
    ];
    if (bench.logger.problems.length > 0) {
      notes.push(
        `gateway logged ${bench.logger.problems.length} warning(s)/error(s), first: ${bench.logger.problems[0]}`,
      );
    }
    const common = { agents: AGENTS, runners: RUNNERS, notes };
    const cpuRow = (state: string, window: IdleWindow): IdleGatewayRow => ({
      name: `idle controller cpu, ${thousands} agents ${state}`,
      value: round(window.cpuPercent, 3),
      unit: '% of a core',
      baselineValue: { name: 'idle gateway, 0 agents', value: round(baseline.cpuPercent, 3), unit: '%' },
      ...(baseline.cpuPercent > 0 ? { ratio: round(window.cpuPercent / baseline.cpuPercent) } : {}),
      targetMaxValue: TARGET_CPU_PERCENT,
      ...common,
    });
    const heapRow = (state: string, memory: Footprint): IdleGatewayRow => {
      const kib = (memory.heap - empty.heap) / AGENTS / 1024;
      return {
        name: `controller heap per agent, ${state}`,
        value: round(kib),
        unit: 'KiB/agent',
        baselineValue: { name: 'heap with 0 agents', value: mib(empty.heap), unit: 'MiB' },
        ratio: round(kib / TARGET_KIB_PER_AGENT),
        ratioTo: 'target',
        targetMaxValue: TARGET_KIB_PER_AGENT,
        ...common,
      };
    };
    return [
      cpuRow('connected', freshIdle),
      cpuRow('warm', warmIdle),
      heapRow('connected', fresh),
      heapRow('warm', warm),
    ];
  } finally {
    if (peer) await peer.stop();
    if (bench) await bench.app.close();
  }
}

runWhenMain(module, run);
