import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { LeasesService, RunnersService } from '@app/pools';
import {
  type AgentChange,
  type AgentEvent,
  type AgentGoneReason,
  Capability,
  ProtocolErrorCode,
  type RpcRequestFrame,
  type SessionReport,
} from '@app/protocol';
import { AgentRpcException } from '../control/agent-rpc.exception';
import { ControlConnection } from '../control/control-connection';
import type { AgentIdentity } from '../identities/agent-identity';
import { IdentityManager } from '../identities/identity-manager.service';
import { LeaseLoop } from '../leases/lease-loop.service';
import { RunnerMetrics } from './runner-metrics.service';
import { RUNNER_OPTIONS, type RunnerOptions } from './runner.options';

/** How often the runner's gauges are recomputed (ms). */
const METRICS_REFRESH_MS = 2_000;
/** How often agents holding sessions report them again, besides reporting on every change (ms). */
const SESSION_REPORT_INTERVAL_MS = 30_000;

/** Capabilities every runner offers in `hello`. */
export const RUNNER_CAPABILITIES = [Capability.Music, Capability.SessionResume, Capability.SessionReport];

/** What this runner offers: {@link RUNNER_CAPABILITIES}, plus `assistant` when a TTS endpoint is set. */
export function runnerCapabilities(options: Pick<RunnerOptions, 'tts'>): Capability[] {
  return options.tts ? [...RUNNER_CAPABILITIES, Capability.Assistant] : [...RUNNER_CAPABILITIES];
}

/**
 * The agent runner (SPEC §4): connects the control WebSocket, keeps leases, carries identities,
 * forwards their updates/events/session reports, serves RPCs, and drains on shutdown: stops
 * claiming, sends `drain`, answers in-flight calls, reports sessions, sends `agent.gone`
 * (reason `drain`) and destroys clients and managers, releases its leases, closes the socket.
 *
 * A runner id is one process. When the controller replaces this process's control connection
 * because another process connected with the same runner id, this process stops: the control
 * connection does not reconnect, {@link onReplaced} listeners are told (`main.ts` then closes the
 * app through its normal shutdown path and exits 1 so an orchestrator notices), and the shutdown
 * stops the lease loop and logs every identity out WITHOUT releasing the leases — they belong to
 * the runner id, now held by the newer process.
 */
@Injectable()
export class RunnerService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(RunnerService.name);
  readonly control: ControlConnection;
  private draining = false;
  private replaced = false;
  private readonly replacedListeners: (() => void)[] = [];
  private metricsTimer: NodeJS.Timeout | null = null;
  private reportTimer: NodeJS.Timeout | null = null;

  constructor(
    @Inject(RUNNER_OPTIONS) private readonly options: RunnerOptions,
    private readonly identities: IdentityManager,
    private readonly leaseLoop: LeaseLoop,
    private readonly leases: LeasesService,
    private readonly runners: RunnersService,
    private readonly metrics: RunnerMetrics,
  ) {
    this.control = new ControlConnection({
      url: options.controlUrl,
      runnerId: options.runnerId,
      credential: options.runnerSecret,
      capacity: options.capacity,
      capabilities: runnerCapabilities(options),
      backoff: { baseMs: options.reconnectBaseMs, maxMs: options.reconnectMaxMs },
      handler: {
        announcement: () => {
          const ready = this.identities.ready();
          // Runs right after the announce frames of this (re)connection went out.
          queueMicrotask(() => this.reportLavalinkNodes(ready));
          return ready.map((identity) => identity.announcement());
        },
        handleRpc: (request) => this.handleRpc(request),
        replaced: () => this.markReplaced(),
      },
    });
    this.identities.setListener({
      ready: (identity: AgentIdentity) => {
        this.control.announce([identity.announcement()]);
        this.reportLavalinkNodes([identity]);
      },
      gone: (agentId: string, reason: AgentGoneReason) =>
        this.control.send({ type: 'agent.gone', agentId, reason }),
      update: (agentId: string, change: AgentChange) =>
        this.control.send({ type: 'agent.update', agentId, change }),
      event: (agentId: string, event: AgentEvent) =>
        this.control.send({ type: 'event', agentId, at: Date.now(), event }),
      sessions: (agentId: string, sessions: SessionReport[]) =>
        this.control.send({ type: 'session.report', agentId, sessions }),
    });
  }

  /** Sends each identity's current Lavalink node states (see `AgentIdentity.lavalinkNodeStates`). */
  private reportLavalinkNodes(identities: readonly AgentIdentity[]): void {
    for (const identity of identities)
      for (const event of identity.lavalinkNodeStates())
        this.control.send({ type: 'event', agentId: identity.agentId, at: Date.now(), event });
  }

  /** True once a drain started. */
  get isDraining(): boolean {
    return this.draining;
  }

  /** True once another process with this runner id replaced this one at the controller. */
  get isReplaced(): boolean {
    return this.replaced;
  }

  /**
   * Calls `listener` once when this process was replaced by another process with the same runner
   * id (at once when that already happened). The app should then shut down and exit non-zero.
   */
  onReplaced(listener: () => void): void {
    if (this.replaced) queueMicrotask(listener);
    else this.replacedListeners.push(listener);
  }

  /** Connects the control socket and starts the lease loop. */
  onApplicationBootstrap(): void {
    this.control.start();
    this.leaseLoop.start();
    this.metricsTimer = setInterval(() => this.refreshMetrics(), METRICS_REFRESH_MS);
    this.metricsTimer.unref();
    this.reportTimer = setInterval(() => this.reportSessions(), SESSION_REPORT_INTERVAL_MS);
    this.reportTimer.unref();
    void this.logStarted();
  }

  /** Drains before Nest closes the database (SIGTERM/SIGINT); only stops when replaced. */
  async beforeApplicationShutdown(): Promise<void> {
    if (this.replaced) await this.stopReplaced();
    else await this.drain('shutdown');
  }

  /**
   * Logs the start with the effective capacity: `RUNNER_CAPACITY` capped by the capacity the
   * runner's credential has in Postgres (what `LeasesService.claim` actually grants).
   */
  private async logStarted(): Promise<void> {
    const configured = this.options.capacity;
    let registered: number | null = null;
    try {
      registered =
        (await this.runners.verify(this.options.runnerId, this.options.runnerSecret))?.capacity ?? null;
    } catch (error) {
      this.logger.warn(`could not read the registered capacity: ${(error as Error).message}`);
    }
    const effective = registered === null ? configured : Math.min(configured, registered);
    const detail =
      registered === null
        ? `RUNNER_CAPACITY ${configured}; registered capacity unknown`
        : `RUNNER_CAPACITY ${configured}, registered ${registered}`;
    this.logger.log(`runner ${this.options.runnerId} started (capacity ${effective}: ${detail})`);
  }

  /** The control connection was replaced (see the class comment): tell the listeners once. */
  private markReplaced(): void {
    if (this.replaced) return;
    this.replaced = true;
    for (const listener of this.replacedListeners.splice(0)) listener();
  }

  /**
   * Shutdown of a replaced process: stop claiming, log every identity out, keep the leases (the
   * newer process with this runner id renews them). Idempotent; never throws.
   */
  private async stopReplaced(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    await this.leaseLoop.stop();
    if (this.reportTimer) clearInterval(this.reportTimer);
    this.reportTimer = null;
    await this.identities.stopAll('logout');
    await this.control.stop();
    if (this.metricsTimer) clearInterval(this.metricsTimer);
    this.metricsTimer = null;
    this.refreshMetrics();
    this.logger.log('stopped without releasing leases (replaced by another process)');
  }

  /** See the class comment. Idempotent; never throws. */
  async drain(reason: string): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    this.logger.log(`draining (${reason})`);
    await this.leaseLoop.stop();
    if (this.reportTimer) clearInterval(this.reportTimer);
    this.reportTimer = null;
    this.control.send({ type: 'drain', reason });
    await this.control.settle(this.options.drainTimeoutMs);
    for (const identity of this.identities.ready()) {
      this.control.send({ type: 'session.report', agentId: identity.agentId, sessions: identity.sessions() });
    }
    // Log out before releasing, so another runner never runs the same bot at the same time.
    await this.identities.stopAll('drain');
    if (this.replaced) {
      // Replaced mid-drain: the leases now belong to the newer process with this runner id.
      await this.control.stop();
      return;
    }
    try {
      const released = await this.leases.release(this.options.runnerId);
      this.logger.log(`released ${released.length} lease(s)`);
    } catch (error) {
      this.logger.error(`releasing leases failed: ${(error as Error).message}`);
    }
    await this.control.stop();
    if (this.metricsTimer) clearInterval(this.metricsTimer);
    this.metricsTimer = null;
    this.refreshMetrics();
  }

  /** Periodic `session.report` for every ready agent holding sessions (SPEC §4 reconciliation). */
  private reportSessions(): void {
    for (const identity of this.identities.ready()) {
      const sessions = identity.sessions();
      if (sessions.length > 0)
        this.control.send({ type: 'session.report', agentId: identity.agentId, sessions });
    }
  }

  private refreshMetrics(): void {
    this.metrics.refresh({ controlConnected: this.control.connected });
  }

  private async handleRpc(request: RpcRequestFrame): Promise<unknown> {
    if (this.draining)
      throw new AgentRpcException(
        ProtocolErrorCode.ShuttingDown,
        'The runner is draining; try another agent.',
      );
    const identity = this.identities.get(request.agentId);
    if (!identity?.serves(request.op))
      throw new AgentRpcException(
        ProtocolErrorCode.AgentOffline,
        `${request.agentId} is not carried by this runner.`,
      );
    return identity.handle(request);
  }
}
