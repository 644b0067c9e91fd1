import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { RateLimitBackend } from './rate-limit-backend';

/**
 * How long an interaction id is remembered (ms): an interaction token is valid for 15 minutes,
 * so a redelivery can only matter within that time — Discord interactions docs (Responding).
 */
export const INTERACTION_ID_TTL_MS = 15 * 60 * 1000;

/** A mutation to claim: its interaction and what it asks for. */
export interface MutationClaim {
  /** Discord interaction id (snowflake). */
  interactionId: string;
  userId: string;
  /** Top-level command name. */
  command: string;
  /** Normalized subcommand + options (same request → same text); hashed, never stored. */
  fingerprint: string;
}

/** Outcome of {@link IdempotencyGuard.claim}. */
export type ClaimResult = 'first' | 'duplicate' | 'unavailable';

/**
 * Makes a mutation take effect once (SPEC §6): the first claim of an interaction id, and of a
 * user + command + options within `IDEMPOTENCY_WINDOW_SECONDS`, wins; any later claim of either is a
 * duplicate. Both keys are written with `SET NX PX` in one pipelined round trip, so concurrent
 * claims cannot both win. Without Redis (or with Redis down in `open` mode) the keys live in a
 * process-local map with the same expiry; with Redis down in `closed` mode claims are
 * `unavailable`.
 */
@Injectable()
export class IdempotencyGuard {
  private readonly memory = new Map<string, number>();

  constructor(private readonly backend: RateLimitBackend) {}

  /** Claims a mutation; `first` means go ahead, `duplicate` means it was already handled. */
  async claim(claim: MutationClaim): Promise<ClaimResult> {
    const windowMs = this.backend.options.idempotencyWindowSeconds * 1000;
    const prefix = `${this.backend.options.keyPrefix}:idem`;
    const interactionKey = `${prefix}:interaction:${claim.interactionId}`;
    const digest = createHash('sha256')
      .update(`${claim.userId}\n${claim.command}\n${claim.fingerprint}`)
      .digest('base64url');
    const requestKey = `${prefix}:request:${digest}`;
    const redis = this.backend.redis;
    if (redis) {
      try {
        const results = await redis
          .pipeline()
          .set(interactionKey, '1', 'PX', INTERACTION_ID_TTL_MS, 'NX')
          .set(requestKey, claim.interactionId, 'PX', windowMs, 'NX')
          .exec();
        const failed = results?.find(([error]) => error !== null)?.[0];
        if (!results || failed) throw failed ?? new Error('empty pipeline result');
        this.backend.reportSuccess();
        return results.every(([, value]) => value === 'OK') ? 'first' : 'duplicate';
      } catch (error) {
        this.backend.reportFailure(error);
        if (this.backend.mode === 'closed') return 'unavailable';
      }
    }
    const now = Date.now();
    this.prune(now);
    const seen = [interactionKey, requestKey].some((key) => (this.memory.get(key) ?? 0) > now);
    this.memory.set(
      interactionKey,
      Math.max(this.memory.get(interactionKey) ?? 0, now + INTERACTION_ID_TTL_MS),
    );
    if (!seen) this.memory.set(requestKey, now + windowMs);
    return seen ? 'duplicate' : 'first';
  }

  /** Drops expired in-process keys once the map grows (bounded memory between sweeps). */
  private prune(now: number): void {
    if (this.memory.size < 10_000) return;
    for (const [key, expiresAt] of this.memory) {
      if (expiresAt <= now) this.memory.delete(key);
    }
  }
}
