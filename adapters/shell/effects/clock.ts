import { Effect } from 'effect'

/**
 * `f` given the `Clock`'s time, read in the same step: one effect step where
 * `Effect.flatMap(Clock.currentTimeMillis, f)` takes several (for hot paths such as a store's
 * writes). Works with any `Clock`, `TestClock` included.
 */
export function withNowMs<A, E, R>(f: (nowMs: number) => Effect.Effect<A, E, R>): Effect.Effect<A, E, R> {
  return Effect.clockWith((clock) => f(clock.unsafeCurrentTimeMillis()))
}
