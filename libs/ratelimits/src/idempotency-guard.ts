import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { RateLimitBackend } from './rate-limit-backend';

/**
 * How long an interaction id is remembered (ms): an interaction token is valid for 15 minutes,
 * so a redelivery can only matter within that time — Discord interactions docs (Responding).
 */
export const INTERACTION_ID_TTL_MS = 15 * 60 * 1000;

/**
 * Atomic claim (one round trip): a known interaction id (KEYS[1]) is a duplicate and writes
 * nothing; otherwise the id is remembered and the request key (KEYS[2], value = interaction id)
 * is set unless another interaction holds it. Returns 1 for a first claim, 0 for a duplicate.
 */
const CLAIM = `if redis.call('SET', KEYS[1], '1', 'PX', ARGV[2], 'NX') == false then return 0 end
if redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[3], 'NX') == false then return 0 end
return 1`;

/** Deletes KEYS[1] only while its value is ARGV[1] (the claiming interaction id). */
const RELEASE_IF_OWNER = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

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
 * duplicate. Both keys are written with `SET NX PX` in one Lua script (one round trip, atomic), so
 * concurrent claims cannot both win and a repeated interaction writes nothing. Without Redis (or with Redis down in `open` mode) the keys live in a
 * process-local map with the same expiry; with Redis down in `closed` mode claims are
 * `unavailable`.
 */
@Injectable()
export class IdempotencyGuard {
  /** In-process keys: expiry (epoch ms) and the interaction id that holds the key. */
  private readonly memory = new Map<string, { expiresAt: number; owner: string }>();

  constructor(private readonly backend: RateLimitBackend) {}

  /** Claims a mutation; `first` means go ahead, `duplicate` means it was already handled. */
  async claim(claim: MutationClaim): Promise<ClaimResult> {
    const windowMs = this.backend.options.idempotencyWindowSeconds * 1000;
    const { interactionKey, requestKey } = this.keysOf(claim);
    const redis = this.backend.redis;
    if (redis) {
      try {
        const result = await redis.eval(
          CLAIM,
          2,
          interactionKey,
          requestKey,
          claim.interactionId,
          INTERACTION_ID_TTL_MS,
          windowMs,
        );
        this.backend.reportSuccess();
        return result === 1 ? 'first' : 'duplicate';
      } catch (error) {
        this.backend.reportFailure(error);
        if (this.backend.mode === 'closed') return 'unavailable';
      }
    }
    const now = Date.now();
    this.prune(now);
    const live = (key: string) => (this.memory.get(key)?.expiresAt ?? 0) > now;
    if (live(interactionKey)) return 'duplicate';
    this.memory.set(interactionKey, { expiresAt: now + INTERACTION_ID_TTL_MS, owner: claim.interactionId });
    const seen = live(requestKey);
    if (!seen) this.memory.set(requestKey, { expiresAt: now + windowMs, owner: claim.interactionId });
    return seen ? 'duplicate' : 'first';
  }

  /**
   * Gives back the user + command + options part of a `first` claim whose handler failed, so the
   * person can retry the same request at once (nothing took effect). The interaction id stays
   * claimed: a redelivery of that same interaction is still a duplicate. Only removes the key
   * while it still belongs to this interaction; a Redis failure is reported, never thrown (the
   * key then expires with its window).
   */
  async release(claim: MutationClaim): Promise<void> {
    const { requestKey } = this.keysOf(claim);
    if (this.memory.get(requestKey)?.owner === claim.interactionId) this.memory.delete(requestKey);
    const redis = this.backend.redis;
    if (!redis) return;
    try {
      await redis.eval(RELEASE_IF_OWNER, 1, requestKey, claim.interactionId);
      this.backend.reportSuccess();
    } catch (error) {
      this.backend.reportFailure(error);
    }
  }

  private keysOf(claim: MutationClaim): { interactionKey: string; requestKey: string } {
    const prefix = `${this.backend.options.keyPrefix}:idem`;
    const digest = createHash('sha256')
      .update(`${claim.userId}\n${claim.command}\n${claim.fingerprint}`)
      .digest('base64url');
    return {
      interactionKey: `${prefix}:interaction:${claim.interactionId}`,
      requestKey: `${prefix}:request:${digest}`,
    };
  }

  /** Drops expired in-process keys once the map grows (bounded memory between sweeps). */
  private prune(now: number): void {
    if (this.memory.size < 10_000) return;
    for (const [key, { expiresAt }] of this.memory) {
      if (expiresAt <= now) this.memory.delete(key);
    }
  }
}
