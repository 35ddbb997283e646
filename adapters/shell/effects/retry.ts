import { Effect, type Schedule } from 'effect'

/**
 * `Effect.retry(effect, { schedule, while })`, except that the schedule is started only
 * after a first failure it retries: `Effect.retry` builds its schedule driver on every run,
 * which a write that almost always succeeds at once (a kubelet's status write, thousands a
 * second) pays for nothing. The first failure is handed to the schedule as if the retry had
 * seen it, so delays and attempts are those of `Effect.retry`.
 */
export function retryAfterFailure<A, E, R, Out, R2>(
  effect: Effect.Effect<A, E, R>,
  options: { readonly schedule: Schedule.Schedule<Out, E, R2>; readonly while: (error: E) => boolean },
): Effect.Effect<A, E, R | R2> {
  return Effect.catchIf(effect, options.while, (first) => retryAfter(first, effect, options))
}

/** `Effect.retry(effect, options)` where the first try has already failed with `first`. */
export function retryAfter<A, E, R, Out, R2>(
  first: E,
  effect: Effect.Effect<A, E, R>,
  options: { readonly schedule: Schedule.Schedule<Out, E, R2>; readonly while: (error: E) => boolean },
): Effect.Effect<A, E, R | R2> {
  let replayed = false
  const again = Effect.suspend(() => {
    if (replayed) return effect
    replayed = true
    return Effect.fail(first)
  })
  return Effect.retry(again, options)
}
