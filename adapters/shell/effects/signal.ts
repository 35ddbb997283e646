import { Deferred, Effect, Exit, FiberId } from 'effect'

/**
 * A wake-up call for fibers waiting until some plain, synchronously updated state changes:
 * the updater calls `notify`, each waiter looks at the state again. Costs one field while
 * nobody waits, so it can sit on every object of a hot path where a `SubscriptionRef` (a
 * PubSub and a semaphore each) would not. Waiters see the state as it is when they wake, not
 * each intermediate value.
 */
export class Signal {
  private waiting: Deferred.Deferred<void> | undefined = undefined

  /** Wakes every fiber waiting right now. Synchronous; nothing happens when none waits. */
  notify(): void {
    const waiting = this.waiting
    if (waiting === undefined) return
    this.waiting = undefined
    Deferred.unsafeDone(waiting, Exit.void)
  }

  /** Waits for the next `notify`. */
  wait(): Effect.Effect<void> {
    return Effect.suspend(() => Deferred.await((this.waiting ??= Deferred.unsafeMake<void>(FiberId.none))))
  }

  /** `check` until it gives a value, waiting for a `notify` between two tries. */
  until<A>(check: () => A | undefined): Effect.Effect<A> {
    const attempt: Effect.Effect<A> = Effect.suspend(() => {
      const value = check()
      return value !== undefined ? Effect.succeed(value) : Effect.zipRight(this.wait(), attempt)
    })
    return attempt
  }
}
