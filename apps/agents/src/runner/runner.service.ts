import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { LeasesService } from '@app/pools';
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

/** Capabilities this runner offers in `hello` (no voice assistant yet). */
export const RUNNER_CAPABILITIES = [Capability.Music, Capability.SessionResume, Capability.SessionReport];

/**
 * The agent runner (SPEC §4): connects the control WebSocket, keeps leases, carries identities,
 * forwards their updates/events/session reports, serves RPCs, and drains on shutdown: stops
 * claiming, sends `drain`, answers in-flight calls, reports sessions, sends `agent.gone`
 * (reason `drain`) and destroys clients and managers, releases its leases, closes the socket.
 */
@Injectable()
export class RunnerService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(RunnerService.name);
  readonly control: ControlConnection;
  private draining = false;
  private metricsTimer: NodeJS.Timeout | null = null;
  private reportTimer: NodeJS.Timeout | null = null;

  constructor(
    @Inject(RUNNER_OPTIONS) private readonly options: RunnerOptions,
    private readonly identities: IdentityManager,
    private readonly leaseLoop: LeaseLoop,
    private readonly leases: LeasesService,
    private readonly metrics: RunnerMetrics,
  ) {
    this.control = new ControlConnection({
      url: options.controlUrl,
      runnerId: options.runnerId,
      credential: options.runnerSecret,
      capacity: options.capacity,
      capabilities: RUNNER_CAPABILITIES,
      backoff: { baseMs: options.reconnectBaseMs, maxMs: options.reconnectMaxMs },
      handler: {
        announcement: () => this.identities.ready().map((identity) => identity.announcement()),
        handleRpc: (request) => this.handleRpc(request),
      },
    });
    this.identities.setListener({
      ready: (identity: AgentIdentity) => this.control.announce([identity.announcement()]),
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

  /** True once a drain started. */
  get isDraining(): boolean {
    return this.draining;
  }

  /** Connects the control socket and starts the lease loop. */
  onApplicationBootstrap(): void {
    this.control.start();
    this.leaseLoop.start();
    this.metricsTimer = setInterval(() => this.refreshMetrics(), METRICS_REFRESH_MS);
    this.metricsTimer.unref();
    this.reportTimer = setInterval(() => this.reportSessions(), SESSION_REPORT_INTERVAL_MS);
    this.reportTimer.unref();
    this.logger.log(`runner ${this.options.runnerId} started (capacity ${this.options.capacity})`);
  }

  /** Drains before Nest closes the database (SIGTERM/SIGINT). */
  async beforeApplicationShutdown(): Promise<void> {
    await this.drain('shutdown');
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
    if (!identity?.ready)
      throw new AgentRpcException(
        ProtocolErrorCode.AgentOffline,
        `${request.agentId} is not carried by this runner.`,
      );
    return identity.handle(request);
  }
}
