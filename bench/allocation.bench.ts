/**
 * Allocation micro-benchmark (SPEC §12: "allocation alone with 1,000 and 10,000 connected
 * simulated agents: p99 ≤ 100 µs and ≤ 200 µs; cost grows with the agents in the guild, not with
 * all agents"). Each figure is compared with a naive allocator that scans every live agent,
 * measured in the same run on the same data (this machine is shared and noisy).
 *
 * Run alone: `node -r @swc-node/register bench/allocation.bench.ts` (prints JSON lines).
 */
import { performance } from 'node:perf_hooks';
import {
  AgentRegistry,
  Allocator,
  type AllocationRequest,
  type LiveAgent,
  ReleaseReason,
  type Session,
  SessionRegistry,
} from '@app/sessions';
import { runWhenMain } from './support/bench-main';

/** Latency and throughput of one allocator variant. */
export interface AllocationFigures {
  name: string;
  /** Median latency of one allocation, µs. */
  p50Us: number;
  /** 99th-percentile latency of one allocation, µs. */
  p99Us: number;
  /** Allocations per second over the timed operations. */
  opsPerSec: number;
  /** Timed operations. */
  ops: number;
}

/** One benchmark row: our allocator against the naive full scan on the same fleet. */
export interface AllocationBenchResult extends AllocationFigures {
  agents: number;
  guilds: number;
  agentsPerGuild: number;
  /** SPEC §12 p99 target for this fleet size, µs. */
  targetP99Us: number;
  baseline: AllocationFigures;
  /** Our p99 divided by the baseline's p99 (lower is better). */
  ratio: number;
}

const GUILDS_PER_AGENT = 5;
const AGENTS_PER_GUILD = 49;
/** Sessions kept busy in each guild before measuring, so scans see a realistic mix. */
const BUSY_PER_GUILD = 24;

interface Fleet {
  agents: AgentRegistry;
  sessions: SessionRegistry;
  allocator: Allocator;
  guildIds: string[];
}

/** `count` agents, each a member of 5 guilds, guilds of ≤ 49 agents, half of each guild busy. */
function buildFleet(count: number): Fleet {
  const agents = new AgentRegistry();
  const sessions = new SessionRegistry(agents);
  const allocator = new Allocator(agents, sessions);
  const guildCount = Math.ceil((count * GUILDS_PER_AGENT) / AGENTS_PER_GUILD);
  const guildIds = Array.from({ length: guildCount }, (_, g) => String(900000000000000000n + BigInt(g)));
  for (let i = 0; i < count; i++) {
    const guilds: string[] = [];
    for (let k = 0; k < GUILDS_PER_AGENT; k++) guilds.push(guildIds[(i * GUILDS_PER_AGENT + k) % guildCount]);
    const clientId = String(100000000000000000n + BigInt(i));
    agents.upsert({
      agentId: `agent${clientId}`,
      runnerId: `runner-${i % 10}`,
      connectionId: `conn-${i % 10}`,
      clientId,
      ready: i % 50 !== 0,
      guilds,
      poolId: `pool_${i % 3}`,
    });
  }
  for (const guildId of guildIds) {
    for (let b = 0; b < BUSY_PER_GUILD; b++) {
      allocator.allocate({ guildId, voiceChannelId: `busy-${b}`, kind: 'music', userId: '1' });
    }
  }
  return { agents, sessions, allocator, guildIds };
}

/**
 * The baseline: what allocation costs without a guild index — scan every live agent for guild
 * membership, readiness, pool and idleness, then bind. Same choice rules as {@link Allocator}.
 */
function naiveAllocate(fleet: Fleet, request: AllocationRequest, now: number): Session | undefined {
  const existing = fleet.sessions.get(request);
  if (existing) return existing;
  let best: LiveAgent | undefined;
  let bestPreferred = false;
  let bestScore = -1;
  for (const agent of fleet.agents.all()) {
    if (!agent.guilds.has(request.guildId) || !agent.ready) continue;
    if (fleet.sessions.isAgentBusyInGuild(agent.agentId, request.guildId)) continue;
    const isPreferred = agent.poolId === request.preferredPoolId;
    if (best !== undefined && bestPreferred && !isPreferred) continue;
    const score = fleet.agents.scoreOf(agent, now);
    if (
      best === undefined ||
      (isPreferred && !bestPreferred) ||
      score > bestScore ||
      (score === bestScore && agent.lastAllocatedSeq < best.lastAllocatedSeq)
    ) {
      best = agent;
      bestPreferred = isPreferred;
      bestScore = score;
    }
  }
  if (!best) return undefined;
  const session = fleet.sessions.bind({ ...request, agentId: best.agentId, ownerUserId: request.userId });
  fleet.agents.markAllocated(best.agentId);
  return session;
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

/** Times `ops` allocations (each released untimed right after) spread over the fleet's guilds. */
function measure(
  name: string,
  fleet: Fleet,
  ops: number,
  allocate: (request: AllocationRequest) => Session | undefined,
) {
  const samples = new Float64Array(ops);
  const warmup = Math.min(2000, ops);
  let timedTotal = 0;
  let failures = 0;
  for (let i = -warmup; i < ops; i++) {
    const index = i + warmup;
    const request: AllocationRequest = {
      guildId: fleet.guildIds[(index * 7919) % fleet.guildIds.length],
      voiceChannelId: `vc-${index % 100}`,
      kind: 'music',
      userId: '2',
      preferredPoolId: 'pool_1',
    };
    const start = performance.now();
    const session = allocate(request);
    const elapsed = performance.now() - start;
    if (session) fleet.sessions.release(session.sessionId, ReleaseReason.User);
    else failures++;
    if (i >= 0) {
      samples[i] = elapsed * 1000;
      timedTotal += elapsed;
    }
  }
  if (failures > 0) throw new Error(`${name}: ${failures} allocations failed; the fleet fixture is wrong`);
  samples.sort();
  return {
    name,
    p50Us: round(percentile(samples, 0.5)),
    p99Us: round(percentile(samples, 0.99)),
    opsPerSec: Math.round(ops / (timedTotal / 1000)),
    ops,
  };
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

/**
 * Runs the benchmark for 1,000 and 10,000 agents and returns one row per fleet size: our
 * allocator's p50/p99 (µs) and throughput, the naive full-scan baseline's, and the p99 ratio.
 */
export async function run(): Promise<AllocationBenchResult[]> {
  const rows: AllocationBenchResult[] = [];
  for (const [count, targetP99Us] of [
    [1_000, 100],
    [10_000, 200],
  ] as const) {
    const fleet = buildFleet(count);
    const ours = measure(`allocation (${count} agents)`, fleet, 20_000, (request) => {
      const result = fleet.allocator.allocate(request);
      return result.ok ? result.session : undefined;
    });
    const baselineOps = count >= 10_000 ? 2_000 : 10_000;
    const baseline = measure(`naive full scan (${count} agents)`, fleet, baselineOps, (request) =>
      naiveAllocate(fleet, request, Date.now()),
    );
    rows.push({
      ...ours,
      agents: count,
      guilds: fleet.guildIds.length,
      agentsPerGuild: Math.round((count * GUILDS_PER_AGENT) / fleet.guildIds.length),
      targetP99Us,
      baseline,
      ratio: round(ours.p99Us / baseline.p99Us),
    });
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return rows;
}

runWhenMain(module, run);
