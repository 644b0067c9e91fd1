import { DEFAULT_FRAME_BURST, DEFAULT_MAX_FRAMES_PER_SECOND } from './protocol.constants';

/**
 * Per-connection token bucket for inbound frames (SPEC §4 "per-connection frame rate cap").
 * Refills `ratePerSecond` tokens per second up to `burst`; each accepted frame takes one. Pure
 * and clock-injected: pass the current time (ms) to {@link tryTake}. One instance per socket.
 */
export class FrameRateLimiter {
  private tokens: number;
  private lastRefillMs: number;
  /** Frames refused since the last {@link takeDropped} call. */
  private dropped = 0;

  constructor(
    readonly ratePerSecond: number = DEFAULT_MAX_FRAMES_PER_SECOND,
    readonly burst: number = DEFAULT_FRAME_BURST,
    nowMs: number = Date.now(),
  ) {
    if (!(ratePerSecond > 0) || !(burst >= 1)) {
      throw new RangeError('ratePerSecond must be > 0 and burst ≥ 1');
    }
    this.tokens = burst;
    this.lastRefillMs = nowMs;
  }

  /** True when a frame arriving at `nowMs` is within the cap; false when it must be dropped. */
  tryTake(nowMs: number): boolean {
    const elapsed = nowMs - this.lastRefillMs;
    if (elapsed > 0) {
      this.tokens = Math.min(this.burst, this.tokens + (elapsed * this.ratePerSecond) / 1000);
      this.lastRefillMs = nowMs;
    }
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return true;
    }
    this.dropped += 1;
    return false;
  }

  /** Returns how many frames were dropped since the previous call, and resets the count. */
  takeDropped(): number {
    const dropped = this.dropped;
    this.dropped = 0;
    return dropped;
  }
}
