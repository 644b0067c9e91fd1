import { Inject, Injectable, Logger } from '@nestjs/common';
import { AgentRegistrationsService, PoolsException, PoolsExceptionCode } from '@app/pools';
import type { AgentGoneReason } from '@app/protocol';
import { RUNNER_OPTIONS, type RunnerOptions } from '../runner/runner.options';
import { AgentIdentity, type AgentIdentitySink } from './agent-identity';

/** Longest one identity's logout may take before shutdown moves on (ms). */
const STOP_TIMEOUT_MS = 3_000;

/** What the manager reports besides the identity's own events. */
export interface IdentityManagerListener extends AgentIdentitySink {
  /** An identity logged in and is ready: announce it. */
  ready(identity: AgentIdentity): void;
  /** An identity stopped being carried here. */
  gone(agentId: string, reason: AgentGoneReason): void;
}

/**
 * The agent identities this runner carries: logs each leased agent into Discord with its
 * decrypted token, records login outcomes in Postgres (ACCEPTANCE K5: a refused login marks the
 * agent `failed` with growing backoff and drops its lease, so no runner retries it before
 * `backoff_until`; a successful login returns it to `active`), and logs identities out.
 */
@Injectable()
export class IdentityManager {
  private readonly logger = new Logger(IdentityManager.name);
  private readonly identities = new Map<string, AgentIdentity>();
  /** Agents whose last login here failed (until a later login succeeds or they are gone). */
  private readonly failedIds = new Set<string>();
  private listener: IdentityManagerListener | null = null;

  constructor(
    @Inject(RUNNER_OPTIONS) private readonly options: RunnerOptions,
    private readonly registrations: AgentRegistrationsService,
  ) {}

  /** Sets who receives updates, events and readiness (the runner). */
  setListener(listener: IdentityManagerListener): void {
    this.listener = listener;
  }

  /** Agent ids carried (starting or ready). */
  ids(): string[] {
    return [...this.identities.keys()];
  }

  has(agentId: string): boolean {
    return this.identities.has(agentId);
  }

  /** The identity of `agentId` when carried. */
  get(agentId: string): AgentIdentity | undefined {
    return this.identities.get(agentId);
  }

  /** How many identities are connecting, ready, or failed their last login here. */
  counts(): { connecting: number; ready: number; failed: number } {
    const ready = this.ready().length;
    return { connecting: this.identities.size - ready, ready, failed: this.failedIds.size };
  }

  /** Ready identities. */
  ready(): AgentIdentity[] {
    return [...this.identities.values()].filter((identity) => identity.ready);
  }

  /**
   * Starts `agentId`: decrypts its token (the lease must be held by this runner), logs in and
   * records the outcome. Resolves `true` when ready; `false` when the login failed (recorded as
   * `failed`, `agent.gone` reason `login-failed`) or the identity was stopped meanwhile. Never
   * throws; the token never reaches a log line.
   */
  async start(agentId: string): Promise<boolean> {
    if (this.identities.has(agentId)) return this.identities.get(agentId)?.ready ?? false;
    const identity = new AgentIdentity({
      agentId,
      discordApiUrl: this.options.discordApiUrl,
      lavalinkNodes: this.options.lavalinkNodes,
      lavalinkRetryDelayMs: this.options.lavalinkRetryDelayMs,
      lavalinkResumeTimeoutSeconds: this.options.lavalinkResumeTimeoutSeconds,
      tts: this.options.tts,
      sink: {
        update: (id, change) => this.listener?.update(id, change),
        event: (id, event) => this.listener?.event(id, event),
        sessions: (id, sessions) => this.listener?.sessions(id, sessions),
      },
    });
    this.identities.set(agentId, identity);
    let token: string;
    try {
      token = await this.registrations.decryptToken(agentId, this.options.runnerId);
    } catch (error) {
      this.identities.delete(agentId);
      if (error instanceof PoolsException && error.code === PoolsExceptionCode.LeaseNotHeld) {
        // The lease ended meanwhile; the lease loop decides what happens next.
        this.logger.warn(`cannot start ${agentId}: ${error.message}`);
        return false;
      }
      // A token that cannot be read is a login failure: backoff instead of retrying every poll.
      await this.loginFailed(agentId, `token unusable: ${(error as Error).message}`);
      return false;
    }
    try {
      await identity.start(token);
    } catch (error) {
      if (this.identities.get(agentId) !== identity) return false;
      this.identities.delete(agentId);
      await identity.stop('login-failed').catch(() => undefined);
      await this.loginFailed(agentId, (error as Error).message);
      return false;
    }
    if (this.identities.get(agentId) !== identity) {
      await identity.stop('logout');
      return false;
    }
    await this.registrations.recordLoginSuccess(agentId).catch((error: unknown) => {
      this.logger.error(`recording the login of ${agentId} failed: ${(error as Error).message}`);
    });
    this.failedIds.delete(agentId);
    this.logger.log(`${agentId} is ready as ${identity.botUserId ?? '?'}`);
    this.listener?.ready(identity);
    return true;
  }

  /** Records a failed login (status `failed`, growing backoff, lease dropped) and reports it. */
  private async loginFailed(agentId: string, reason: string): Promise<void> {
    const view = await this.registrations
      .recordLoginFailure(agentId, reason)
      .catch((recordError: unknown) => {
        this.logger.error(
          `recording the login failure of ${agentId} failed: ${(recordError as Error).message}`,
        );
        return null;
      });
    this.logger.warn(
      `${agentId} failed to log in (${reason}); retry after ${view?.backoffUntil?.toISOString() ?? 'backoff'}`,
    );
    this.failedIds.add(agentId);
    this.listener?.event(agentId, { name: 'login.failed', error: reason.slice(0, 1024) });
    this.listener?.gone(agentId, 'login-failed');
  }

  /** Logs `agentId` out (players and LavalinkManager destroyed) and reports `agent.gone`. */
  async stop(agentId: string, reason: AgentGoneReason): Promise<void> {
    const identity = this.identities.get(agentId);
    if (!identity) return;
    this.identities.delete(agentId);
    this.listener?.gone(agentId, reason);
    // A Lavalink node that does not answer must not hold a drain past its deadline.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      identity.stop(reason).catch((error: unknown) => {
        this.logger.warn(`stopping ${agentId} failed: ${(error as Error).message}`);
      }),
      new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          this.logger.warn(`stopping ${agentId} took longer than ${STOP_TIMEOUT_MS} ms; moving on`);
          resolve();
        }, STOP_TIMEOUT_MS);
      }),
    ]);
    clearTimeout(timer);
  }

  /** Stops every identity (drain, shutdown). */
  async stopAll(reason: AgentGoneReason): Promise<void> {
    await Promise.all(this.ids().map((agentId) => this.stop(agentId, reason)));
  }
}
