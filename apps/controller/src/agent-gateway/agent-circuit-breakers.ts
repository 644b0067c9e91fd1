import CircuitBreaker from 'opossum';
import { AgentRpcException } from './agent-gateway.exception';
import type { AgentBreakerOptions } from './agent-gateway.options';

/** A unit of work run through an agent's breaker. */
type BreakerAction = () => Promise<unknown>;

/** Breaker state of one agent, as operators see it. */
export type BreakerState = 'closed' | 'open' | 'half-open';

/**
 * One opossum circuit breaker per agent (SPEC §4). Only transport failures count: the
 * `errorFilter` marks an {@link AgentRpcException} with `transport: false` (a domain answer such
 * as `not-in-voice`) as a success, so a working agent that says "no" never gets its breaker
 * opened (opossum 9 `errorFilter`: "If this function returns truthy, the circuit's failure
 * statistics will not be incremented" — opossum `lib/circuit.js`). Opossum's own timeout is
 * off; the RPC client enforces per-call timeouts and reports them as `agent-timeout` transport
 * failures.
 *
 * When open, `fire` rejects at once with opossum's `EOPENBREAKER` error (see {@link isOpenBreakerError}).
 */
export class AgentCircuitBreakers {
  private readonly breakers = new Map<string, CircuitBreaker<[BreakerAction], unknown>>();

  constructor(private readonly options: AgentBreakerOptions) {}

  /** Runs `action` through `agentId`'s breaker (created on first use). */
  fire<T>(agentId: string, action: () => Promise<T>): Promise<T> {
    return this.breakerOf(agentId).fire(action) as Promise<T>;
  }

  /** The breaker state of `agentId` (`closed` when it has none yet). */
  state(agentId: string): BreakerState {
    const breaker = this.breakers.get(agentId);
    if (!breaker) return 'closed';
    if (breaker.halfOpen) return 'half-open';
    return breaker.opened ? 'open' : 'closed';
  }

  /** Drops `agentId`'s breaker and its statistics timers (agent left the registry). */
  forget(agentId: string): void {
    const breaker = this.breakers.get(agentId);
    if (!breaker) return;
    breaker.shutdown();
    this.breakers.delete(agentId);
  }

  /** Shuts every breaker down (clears opossum's rolling-window intervals). */
  shutdownAll(): void {
    for (const agentId of [...this.breakers.keys()]) this.forget(agentId);
  }

  private breakerOf(agentId: string): CircuitBreaker<[BreakerAction], unknown> {
    let breaker = this.breakers.get(agentId);
    if (!breaker) {
      breaker = new CircuitBreaker<[BreakerAction], unknown>((action) => action(), {
        name: agentId,
        timeout: false,
        volumeThreshold: this.options.volumeThreshold,
        errorThresholdPercentage: this.options.errorThresholdPercentage,
        rollingCountTimeout: this.options.rollingWindowMs,
        resetTimeout: this.options.resetTimeoutMs,
        errorFilter: (error: unknown) => error instanceof AgentRpcException && !error.transport,
      });
      this.breakers.set(agentId, breaker);
    }
    return breaker;
  }
}

/** True for opossum's "Breaker is open" rejection (`code: 'EOPENBREAKER'`). */
export function isOpenBreakerError(error: unknown): boolean {
  return error instanceof Error && (error as Error & { code?: unknown }).code === 'EOPENBREAKER';
}
