import { Inject, Injectable, Logger } from '@nestjs/common';
import { LeasesService } from '@app/pools';
import { IdentityManager } from '../identities/identity-manager.service';
import { RUNNER_OPTIONS, type RunnerOptions } from '../runner/runner.options';

/** What a lease tick observed. */
export interface LeaseTickResult {
  held: string[];
  started: string[];
  lost: string[];
}

/**
 * Keeps this runner's agent leases (SPEC §3–§4): on start and every third of the lease TTL it
 * claims (renewing what it holds and taking free agents up to its capacity, `FOR UPDATE SKIP
 * LOCKED` in `LeasesService.claim`), starts identities for new leases and logs out identities
 * whose lease was lost (`agent.gone` reason `lease-lost`). When Postgres cannot be reached for
 * longer than the TTL, every identity is logged out: its lease may already be another runner's.
 */
@Injectable()
export class LeaseLoop {
  private readonly logger = new Logger(LeaseLoop.name);
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;
  private stopped = true;
  private lastSuccessAt = Date.now();
  /** Leases lost since start (a metric source). */
  lostTotal = 0;
  /** Leases held after the last successful claim. */
  heldCount = 0;
  /** Whether the last claim reached Postgres. */
  healthy = false;

  constructor(
    @Inject(RUNNER_OPTIONS) private readonly options: RunnerOptions,
    private readonly leases: LeasesService,
    private readonly identities: IdentityManager,
  ) {}

  /** Claims at once, then every `ttl / 3`. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.lastSuccessAt = Date.now();
    this.schedule(0);
  }

  /** Stops claiming and waits for a running tick. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running?.catch(() => undefined);
  }

  /**
   * One claim/renew round. Identities for newly held agents start in the background.
   * @returns what was held, started and lost; `held` is empty when the claim failed.
   */
  async tick(): Promise<LeaseTickResult> {
    const ttlMs = this.options.leaseTtlSeconds * 1000;
    let held: string[];
    try {
      const result = await this.leases.claim(this.options.runnerId, {
        capacity: this.options.capacity,
        ttlSeconds: this.options.leaseTtlSeconds,
      });
      held = result.held;
      this.lastSuccessAt = Date.now();
      this.heldCount = held.length;
      this.healthy = true;
    } catch (error) {
      this.healthy = false;
      this.logger.warn(`lease claim failed: ${(error as Error).message}`);
      const lost: string[] = [];
      if (Date.now() - this.lastSuccessAt > ttlMs) {
        for (const agentId of this.identities.ids()) {
          lost.push(agentId);
          await this.identities.stop(agentId, 'lease-lost');
        }
        this.lostTotal += lost.length;
        this.heldCount = 0;
      }
      return { held: [], started: [], lost };
    }
    const holding = new Set(held);
    const lost = this.identities.ids().filter((agentId) => !holding.has(agentId));
    for (const agentId of lost) {
      this.logger.warn(`lease on ${agentId} lost; logging it out`);
      await this.identities.stop(agentId, 'lease-lost');
    }
    this.lostTotal += lost.length;
    if (this.stopped) return { held, started: [], lost };
    const started = held.filter((agentId) => !this.identities.has(agentId));
    for (const agentId of started) void this.identities.start(agentId);
    return { held, started, lost };
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.running = this.tick().finally(() => {
        this.running = null;
        this.schedule(Math.max(1000, Math.floor((this.options.leaseTtlSeconds * 1000) / 3)));
      });
    }, delayMs);
  }
}
