import { createHash } from 'node:crypto';

/** A bucket policy: `limit` requests per `windowMs`. */
export interface RateLimitPolicy {
  limit: number;
  windowMs: number;
}

/** Per-route policies by route template (`POST /channels/:channel_id/messages`) plus a default. */
export interface RateLimitOptions {
  /** Policy for routes without their own entry (default 50 per 1 s). */
  default?: RateLimitPolicy;
  /** Policies by `METHOD /route/template` (default: message create 5 per 5 s, as Discord's). */
  routes?: Record<string, RateLimitPolicy>;
  /** Global limit per bot token (default 50 per 1 s — Topics › Rate Limits › Global Rate Limit). */
  global?: RateLimitPolicy;
}

/** A forced 429 injected by the control API for the next `remaining` matching requests. */
export interface ForcedRateLimit {
  method: string;
  route: string;
  remaining: number;
  retryAfterMs: number;
  global: boolean;
}

/** Result of a rate-limit check: headers to send, and whether the request must be refused with 429. */
export interface RateLimitDecision {
  headers: Record<string, string>;
  limited: null | { retryAfterMs: number; global: boolean; scope: 'user' | 'global' | 'shared' };
}

interface Bucket {
  count: number;
  resetAt: number;
}

export const DEFAULT_ROUTE_POLICIES: Record<string, RateLimitPolicy> = {
  'POST /channels/:channel_id/messages': { limit: 5, windowMs: 5000 },
};

/**
 * Per-route and global REST rate limits with Discord's headers: `X-RateLimit-Limit`, `-Remaining`,
 * `-Reset` (epoch seconds), `-Reset-After` (seconds), `-Bucket` (opaque hash shared by routes of one
 * bucket), and on 429 `X-RateLimit-Scope`, `X-RateLimit-Global` and `Retry-After` (seconds) —
 * Topics › Rate Limits › Header Format. Buckets are keyed per identity, route template and top-level
 * resource (channel/guild/webhook id), as the docs describe.
 */
export class DiscordRateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly globals = new Map<string, Bucket>();
  private readonly forced: ForcedRateLimit[] = [];
  private readonly policies: Record<string, RateLimitPolicy>;
  private readonly defaultPolicy: RateLimitPolicy;
  private readonly globalPolicy: RateLimitPolicy;

  constructor(
    options: RateLimitOptions = {},
    private readonly now: () => number = Date.now,
  ) {
    this.policies = { ...DEFAULT_ROUTE_POLICIES, ...options.routes };
    this.defaultPolicy = options.default ?? { limit: 50, windowMs: 1000 };
    this.globalPolicy = options.global ?? { limit: 50, windowMs: 1000 };
  }

  /** Makes the next `count` requests matching `method route` answer 429 (control API fault). */
  force(fault: ForcedRateLimit): void {
    this.forced.push({ ...fault, method: fault.method.toUpperCase() });
  }

  /**
   * Counts one request and decides. `routeKey` is `METHOD /template`, `major` the top-level resource
   * id (or ''), `identity` the token owner. `exemptGlobal` for interaction endpoints, which the
   * global limit does not cover (Topics › Rate Limits › Global Rate Limit).
   */
  check(identity: string, routeKey: string, major: string, exemptGlobal: boolean): RateLimitDecision {
    const now = this.now();
    const policy = this.policies[routeKey] ?? this.defaultPolicy;
    const bucketHash = createHash('sha1').update(routeKey).digest('hex').slice(0, 16);
    const forcedIndex = this.forced.findIndex(
      (f) => `${f.method} ${f.route}` === routeKey && f.remaining > 0,
    );
    if (forcedIndex >= 0) {
      const fault = this.forced[forcedIndex];
      fault.remaining -= 1;
      if (fault.remaining === 0) this.forced.splice(forcedIndex, 1);
      return this.refuse(policy, bucketHash, now, fault.retryAfterMs, fault.global);
    }
    if (!exemptGlobal) {
      const global = this.take(this.globals, identity, this.globalPolicy, now);
      if (global.count > this.globalPolicy.limit) {
        return this.refuse(policy, bucketHash, now, global.resetAt - now, true);
      }
    }
    const bucket = this.take(this.buckets, `${identity}:${routeKey}:${major}`, policy, now);
    const resetAfterMs = Math.max(0, bucket.resetAt - now);
    if (bucket.count > policy.limit) {
      return this.refuse(policy, bucketHash, now, resetAfterMs, false, bucket.resetAt);
    }
    return {
      headers: this.headers(
        policy.limit,
        policy.limit - bucket.count,
        bucket.resetAt,
        resetAfterMs,
        bucketHash,
      ),
      limited: null,
    };
  }

  private take(map: Map<string, Bucket>, key: string, policy: RateLimitPolicy, now: number): Bucket {
    let bucket = map.get(key);
    if (!bucket || bucket.resetAt <= now) {
      bucket = { count: 0, resetAt: now + policy.windowMs };
      map.set(key, bucket);
    }
    bucket.count += 1;
    return bucket;
  }

  private refuse(
    policy: RateLimitPolicy,
    hash: string,
    now: number,
    retryAfterMs: number,
    global: boolean,
    resetAt = now + retryAfterMs,
  ): RateLimitDecision {
    const headers = this.headers(policy.limit, 0, resetAt, retryAfterMs, hash);
    headers['retry-after'] = String(Math.max(1, Math.ceil(retryAfterMs / 1000)));
    headers['x-ratelimit-scope'] = global ? 'global' : 'user';
    if (global) headers['x-ratelimit-global'] = 'true';
    return { headers, limited: { retryAfterMs, global, scope: global ? 'global' : 'user' } };
  }

  private headers(
    limit: number,
    remaining: number,
    resetAt: number,
    resetAfterMs: number,
    hash: string,
  ): Record<string, string> {
    return {
      'x-ratelimit-limit': String(limit),
      'x-ratelimit-remaining': String(Math.max(0, remaining)),
      'x-ratelimit-reset': (resetAt / 1000).toFixed(3),
      'x-ratelimit-reset-after': (resetAfterMs / 1000).toFixed(3),
      'x-ratelimit-bucket': hash,
    };
  }
}
