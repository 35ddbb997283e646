/**
 * A token bucket on caller-given time (client-go's `flowcontrol` token bucket, as its event
 * spam filter uses it): it starts full with `burst` tokens and refills one every `refillMs`,
 * never beyond `burst`.
 */
export class TokenBucket {
  /** The tokens held, in milliseconds of refill (a token is `refillMs`): whole numbers, no rounding drift. */
  private creditMs: number
  private lastMs: number

  constructor(
    private readonly burst: number,
    private readonly refillMs: number,
    nowMs: number,
  ) {
    this.creditMs = burst * refillMs
    this.lastMs = nowMs
  }

  /** Takes a token if there is one at `nowMs` (epoch milliseconds). */
  tryTake(nowMs: number): boolean {
    if (nowMs > this.lastMs) {
      this.creditMs = Math.min(this.burst * this.refillMs, this.creditMs + (nowMs - this.lastMs))
      this.lastMs = nowMs
    }
    if (this.creditMs < this.refillMs) return false
    this.creditMs -= this.refillMs
    return true
  }
}
