/**
 * The controller side of the gateway benchmarks (`allocation-rpc`, `idle-gateway`): the real
 * `AgentGatewayModule` in a Nest context of this process, in-memory credential and lease ports,
 * a simulated agent fleet, and the peer process (`runner-peers.ts`) that connects the simulated
 * runners. The peers run in their own process, as runners do in production, so the CPU and memory
 * measured here are the controller's.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { join } from 'node:path';
import type { LoggerService } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { MetricsModule } from '@app/metrics';
import {
  type AnnouncedAgent,
  Capability,
  PROTOCOL_VERSION,
  encodeFrame,
  packAnnounceFrames,
} from '@app/protocol';
import * as gatewayFeature from '@apps/controller';
import type { PeerCommand, PeerEvent, SimulatedRunnerScript } from './peer-messages';

const { AgentGatewayModule, AGENT_LEASE_CHECKER, RUNNER_AUTHENTICATOR } = gatewayFeature;
type AgentLeaseChecker = gatewayFeature.AgentLeaseChecker;
type RunnerAuthenticator = gatewayFeature.RunnerAuthenticator;

/** {@link RunnerAuthenticator} over an in-memory map of SHA-256 credential hashes. */
export class InMemoryRunnerAuthenticator implements RunnerAuthenticator {
  private readonly hashes = new Map<string, Buffer>();

  /** Issues a random credential for `runnerId` and keeps only its hash. */
  issue(runnerId: string): string {
    const credential = randomBytes(24).toString('base64url');
    this.hashes.set(runnerId, createHash('sha256').update(credential).digest());
    return credential;
  }

  authenticate(runnerId: string, credential: string): Promise<boolean> {
    const expected = this.hashes.get(runnerId);
    const actual = createHash('sha256').update(credential).digest();
    return Promise.resolve(expected !== undefined && timingSafeEqual(expected, actual));
  }
}

/** {@link AgentLeaseChecker} over an in-memory map runner → leased agent ids (pool unknown). */
export class InMemoryLeaseChecker implements AgentLeaseChecker {
  private readonly leases = new Map<string, Set<string>>();

  lease(runnerId: string, agentIds: readonly string[]): void {
    this.leases.set(runnerId, new Set(agentIds));
  }

  leasedTo(runnerId: string, agentIds: readonly string[]): Promise<ReadonlyMap<string, string | null>> {
    const held = this.leases.get(runnerId);
    const leased = agentIds.filter((agentId) => held?.has(agentId) ?? false);
    return Promise.resolve(new Map(leased.map((agentId) => [agentId, null])));
  }
}

/** Keeps the gateway's log lines out of the benchmark's stdout; warnings and errors are counted. */
export class BenchLogger implements LoggerService {
  readonly problems: string[] = [];
  log(): void {}
  debug(): void {}
  verbose(): void {}
  warn(message: unknown): void {
    this.problems.push(`warn: ${String(message)}`);
  }
  error(message: unknown): void {
    this.problems.push(`error: ${String(message)}`);
  }
}

/** A simulated fleet: guild ids and the agents each runner announces. */
export interface Fleet {
  guildIds: string[];
  byRunner: { runnerId: string; agents: AnnouncedAgent[] }[];
}

/** Guilds each agent of a bench fleet is a member of. */
export const GUILDS_PER_AGENT = 5;

/** Agents per guild of a bench fleet: the 49 a guild can hold (50 bots, one is the controller). */
export const AGENTS_PER_GUILD = 49;

/**
 * `agents` agents, each a member of `guildsPerAgent` guilds with at most `agentsPerGuild` agents
 * per guild (the Discord cap is 49 per guild for us), spread round robin over `runners` runners.
 */
export function buildFleet(input: {
  agents: number;
  runners: number;
  guildsPerAgent: number;
  agentsPerGuild: number;
}): Fleet {
  const guildCount = Math.ceil((input.agents * input.guildsPerAgent) / input.agentsPerGuild);
  const guildIds = Array.from({ length: guildCount }, (_, g) => String(900000000000000000n + BigInt(g)));
  const byRunner = Array.from({ length: input.runners }, (_, r) => ({
    runnerId: `bench-runner-${r}`,
    agents: [] as AnnouncedAgent[],
  }));
  for (let i = 0; i < input.agents; i++) {
    const clientId = String(100000000000000000n + BigInt(i));
    const guilds = Array.from({ length: input.guildsPerAgent }, (_, k) => ({
      guildId: guildIds[(i * input.guildsPerAgent + k) % guildCount],
      voiceChannelId: null,
    }));
    byRunner[i % input.runners].agents.push({
      agentId: `agent${clientId}`,
      clientId,
      botUserId: clientId,
      ready: true,
      guilds,
    });
  }
  return { guildIds, byRunner };
}

/**
 * The frames each simulated runner sends (hello with a fresh credential, then its announces),
 * leasing its agents to it in `leases`.
 */
export function runnerScripts(
  fleet: Fleet,
  authenticator: InMemoryRunnerAuthenticator,
  leases: InMemoryLeaseChecker,
): SimulatedRunnerScript[] {
  return fleet.byRunner.map(({ runnerId, agents }) => {
    leases.lease(
      runnerId,
      agents.map((agent) => agent.agentId),
    );
    return {
      runnerId,
      hello: encodeFrame('runner-to-controller', {
        type: 'hello',
        protocol: { version: PROTOCOL_VERSION },
        runnerId,
        credential: authenticator.issue(runnerId),
        capabilities: [Capability.Music, Capability.Assistant],
        runner: { version: 'bench', host: '127.0.0.1', capacity: agents.length },
      }),
      announces: packAnnounceFrames(agents).map((frame) => encodeFrame('runner-to-controller', frame)),
    };
  });
}

/** The gateway under test and the ports the simulated runners authenticate against. */
export interface BenchGateway {
  app: TestingModule;
  authenticator: InMemoryRunnerAuthenticator;
  leases: InMemoryLeaseChecker;
  logger: BenchLogger;
}

/**
 * Boots the real `AgentGatewayModule` (with the metrics module, without HTTP) on 127.0.0.1, port
 * 0, with in-memory runner credentials and leases. `options` are gateway options (defaults from
 * `@app/protocol` otherwise). Close with `app.close()`.
 */
export async function startBenchGateway(
  options: Omit<gatewayFeature.AgentGatewayOptions, 'port' | 'host'> = {},
): Promise<BenchGateway> {
  const authenticator = new InMemoryRunnerAuthenticator();
  const leases = new InMemoryLeaseChecker();
  const logger = new BenchLogger();
  const app = await Test.createTestingModule({
    imports: [
      MetricsModule.forRoot({ app: 'controller', defaultMetrics: false, http: false }),
      AgentGatewayModule.forRoot({ ...options, port: 0, host: '127.0.0.1' }),
    ],
  })
    .overrideProvider(RUNNER_AUTHENTICATOR)
    .useValue(authenticator)
    .overrideProvider(AGENT_LEASE_CHECKER)
    .useValue(leases)
    .setLogger(logger)
    .compile();
  await app.init();
  return { app, authenticator, leases, logger };
}

/** The peer process: simulated runners and raw responders (`runner-peers.ts`). */
export class PeerProcess {
  private readonly waiters: { test: (event: PeerEvent) => boolean; settle: (error?: Error) => void }[] = [];
  private readonly exited: Promise<void>;

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (event: PeerEvent) => {
      for (const waiter of [...this.waiters]) {
        if (event.event === 'failed') waiter.settle(new Error(`peer process: ${event.message}`));
        else if (waiter.test(event)) waiter.settle();
      }
    });
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    void this.exited.then(() => {
      for (const waiter of [...this.waiters]) waiter.settle(new Error('peer process exited'));
    });
  }

  /** Forks `runner-peers.ts` and waits for it to start. */
  static async start(): Promise<PeerProcess> {
    const child = fork(join(__dirname, 'runner-peers.ts'), [], {
      execArgv: ['-r', '@swc-node/register'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const peer = new PeerProcess(child);
    await peer.expect((event) => event.event === 'started', 30_000);
    return peer;
  }

  /** Sends `command` and waits for the event matching `test`. */
  async request(
    command: PeerCommand,
    test: (event: PeerEvent) => boolean,
    timeoutMs = 30_000,
  ): Promise<void> {
    const answered = this.expect(test, timeoutMs);
    this.child.send(command);
    await answered;
  }

  /** Asks the peer to close its sockets and waits for it to exit (kills it after 5 s). */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.connected)
      this.child.send({ cmd: 'stop' } satisfies PeerCommand);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    await this.exited;
    clearTimeout(timer);
  }

  private expect(test: (event: PeerEvent) => boolean, timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const waiter = {
        test,
        settle: (error?: Error) => {
          clearTimeout(timer);
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          if (error) reject(error);
          else resolve();
        },
      };
      const timer = setTimeout(
        () => waiter.settle(new Error('peer process did not answer in time')),
        timeoutMs,
      );
      this.waiters.push(waiter);
    });
  }
}

/** Polls `check` every 10 ms. @throws Error from `describe()` after `timeoutMs`. */
export async function waitUntil(
  check: () => boolean,
  describe: () => string,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(describe());
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
