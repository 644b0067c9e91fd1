import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { RateLimitBackend } from './rate-limit-backend';

/**
 * How long an interaction id is remembered (ms): an interaction token is valid for 15 minutes,
 * so a redelivery can only matter within that time — Discord interactions docs (Responding).
 */
export const INTERACTION_ID_TTL_MS = 15 * 60 * 1000;

/**
 * Atomic claim (one round trip). KEYS[1] = interaction id key, KEYS[2] = the user's last request
 * key for the command in the guild; ARGV[1] = interaction id, ARGV[2] = request digest, ARGV[3] =
 * interaction TTL (ms), ARGV[4] = window (ms). A known interaction id is a duplicate and writes
 * nothing. Otherwise the id is remembered; the request is a duplicate when the stored last
 * request has the same digest, else it becomes the last request (value `<digest> <interaction id>`)
 * for the window. Returns 1 for a first claim, 0 for a duplicate.
 */
const CLAIM = `if redis.call('SET', KEYS[1], '1', 'PX', ARGV[3], 'NX') == false then return 0 end
local last = redis.call('GET', KEYS[2])
if last and string.sub(last, 1, string.len(ARGV[2]) + 1) == ARGV[2] .. ' ' then return 0 end
redis.call('SET', KEYS[2], ARGV[2] .. ' ' .. ARGV[1], 'PX', ARGV[4])
return 1`;

/** Deletes KEYS[1] only while its value is ARGV[1] (`<digest> <claiming interaction id>`). */
const RELEASE_IF_OWNER = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/** A mutation to claim: its interaction and what it asks for. */
export interface MutationClaim {
  /** Discord interaction id (snowflake). */
  interactionId: string;
  userId: string;
  /** Guild the command runs in (null in DMs): the same request in another guild is another request. */
  guildId: string | null;
  /** Top-level command name. */
  command: string;
  /**
   * Normalized subcommand + options + the context the command acts on implicitly (channel, the
   * member's voice channel): same request → same text. Hashed, never stored.
   */
  fingerprint: string;
}

/** Outcome of {@link IdempotencyGuard.claim}. */
export type ClaimResult = 'first' | 'duplicate' | 'unavailable';

/**
 * Makes a mutation take effect once (SPEC §6): an interaction id is claimed once (15 min), and
 * a request that REPEATS the user's last request of that command in that guild (same fingerprint)
 * within `IDEMPOTENCY_WINDOW_SECONDS` is a duplicate — a different request in between (5 → 10 → 5)
 * makes the third one new again. Key = user + guild + command, value = request digest + the
 * claiming interaction id; checked and written in one Lua script (one round trip, atomic), so
 * concurrent identical claims cannot both win and a repeated interaction writes nothing.
 * Without Redis (or with Redis down in `open` mode) the keys live in a process-local map with the
 * same expiry and rules; those in-memory keys are also consulted while they live once Redis is
 * back, so a mutation claimed during an outage is not claimed as new again after it. With Redis
 * down in `closed` mode claims are `unavailable`.
 */
@Injectable()
export class IdempotencyGuard {
  /** In-process keys: expiry (epoch ms) and value (as in Redis). */
  private readonly memory = new Map<string, { expiresAt: number; value: string }>();

  constructor(private readonly backend: RateLimitBackend) {}

  /** Claims a mutation; `first` means go ahead, `duplicate` means it was already handled. */
  async claim(claim: MutationClaim): Promise<ClaimResult> {
    const windowMs = this.backend.options.idempotencyWindowSeconds * 1000;
    const { interactionKey, requestKey, digest } = this.keysOf(claim);
    const redis = this.backend.redis;
    if (redis) {
      // Keys claimed in memory during an outage (open mode) still count while they live.
      if (this.seenInMemory(interactionKey, requestKey, digest, Date.now())) {
        this.claimInMemory(claim, windowMs);
        return 'duplicate';
      }
      try {
        const result = await redis.eval(
          CLAIM,
          2,
          interactionKey,
          requestKey,
          claim.interactionId,
          digest,
          INTERACTION_ID_TTL_MS,
          windowMs,
        );
        this.backend.reportSuccess();
        if (result !== 1) return 'duplicate';
        // The user's last request now lives in Redis; an older in-memory one must not shadow it.
        this.memory.delete(requestKey);
        return 'first';
      } catch (error) {
        this.backend.reportFailure(error);
        if (this.backend.mode === 'closed') return 'unavailable';
      }
    }
    return this.claimInMemory(claim, windowMs);
  }

  /**
   * Gives back the request part of a `first` claim whose handler failed, so the person can retry
   * the same request at once (nothing took effect). The interaction id stays claimed: a
   * redelivery of that same interaction is still a duplicate. Only removes the key while it still
   * holds this interaction's request; a Redis failure is reported, never thrown (the key then
   * expires with its window).
   */
  async release(claim: MutationClaim): Promise<void> {
    const { requestKey, digest } = this.keysOf(claim);
    const value = `${digest} ${claim.interactionId}`;
    if (this.memory.get(requestKey)?.value === value) this.memory.delete(requestKey);
    const redis = this.backend.redis;
    if (!redis) return;
    try {
      await redis.eval(RELEASE_IF_OWNER, 1, requestKey, value);
      this.backend.reportSuccess();
    } catch (error) {
      this.backend.reportFailure(error);
    }
  }

  /** The claim with the in-process store (same rules as {@link CLAIM}; synchronous, so atomic). */
  private claimInMemory(claim: MutationClaim, windowMs: number): ClaimResult {
    const { interactionKey, requestKey, digest } = this.keysOf(claim);
    const now = Date.now();
    this.prune(now);
    const live = this.memory.get(interactionKey);
    if (live && live.expiresAt > now) return 'duplicate';
    this.memory.set(interactionKey, { expiresAt: now + INTERACTION_ID_TTL_MS, value: '1' });
    if (this.seenInMemory(null, requestKey, digest, now)) return 'duplicate';
    this.memory.set(requestKey, { expiresAt: now + windowMs, value: `${digest} ${claim.interactionId}` });
    return 'first';
  }

  /** A live in-process interaction key, or a live last request with this digest. */
  private seenInMemory(
    interactionKey: string | null,
    requestKey: string,
    digest: string,
    now: number,
  ): boolean {
    if (this.memory.size === 0) return false;
    const live = (key: string) => {
      const entry = this.memory.get(key);
      return entry && entry.expiresAt > now ? entry : undefined;
    };
    if (interactionKey && live(interactionKey)) return true;
    return live(requestKey)?.value.startsWith(`${digest} `) ?? false;
  }

  private keysOf(claim: MutationClaim): { interactionKey: string; requestKey: string; digest: string } {
    const prefix = `${this.backend.options.keyPrefix}:idem`;
    const scope = createHash('sha256')
      .update(`${claim.userId}\n${claim.guildId ?? 'dm'}\n${claim.command}`)
      .digest('base64url');
    return {
      interactionKey: `${prefix}:interaction:${claim.interactionId}`,
      requestKey: `${prefix}:request:${scope}`,
      digest: createHash('sha256').update(claim.fingerprint).digest('base64url'),
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
