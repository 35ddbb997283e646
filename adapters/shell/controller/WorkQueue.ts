import { Effect, Fiber, Queue } from 'effect'

/** Per-key retry delays after errors (R161): 1 s doubling to 60 s. */
export interface RetrySettings {
  readonly baseMs: number
  readonly capMs: number
}

export const upstreamRetry: RetrySettings = { baseMs: 1000, capMs: 60_000 }

/**
 * A work queue with client-go's guarantees: a key is handed to at most one worker at a
 * time, a key added while queued is merged, a key added while in flight is queued again
 * once it is done, delayed adds keep only the earliest deadline, and failures back off per key.
 */
export interface WorkQueue {
  readonly add: (key: string) => Effect.Effect<void>
  readonly addAfter: (key: string, delayMs: number) => Effect.Effect<void>
  /** Requeue after the key's next retry delay (R161). */
  readonly addRateLimited: (key: string) => Effect.Effect<void>
  /** Reset the key's retry delay after a successful sync. */
  readonly forget: (key: string) => void
  /** Waits for the next key; the caller must call `done` when finished with it. */
  readonly take: Effect.Effect<string>
  readonly done: (key: string) => Effect.Effect<void>
  /** Keys queued or in flight, for tests and metrics. */
  readonly size: () => number
}

export const makeWorkQueue = (retry: RetrySettings = upstreamRetry): Effect.Effect<WorkQueue> =>
  Effect.gen(function* () {
    const ready = yield* Queue.unbounded<string>()
    const dirty = new Set<string>()
    const processing = new Set<string>()
    const failures = new Map<string, number>()
    const timers = new Map<string, { readonly dueMs: number; readonly fiber: Fiber.RuntimeFiber<void> }>()

    const add = (key: string): Effect.Effect<void> =>
      Effect.suspend(() => {
        if (dirty.has(key)) return Effect.void
        dirty.add(key)
        return processing.has(key) ? Effect.void : Queue.offer(ready, key).pipe(Effect.asVoid)
      })

    const startTimer = (key: string, delayMs: number, dueMs: number): Effect.Effect<void> =>
      Effect.flatMap(
        Effect.sleep(delayMs).pipe(
          Effect.zipRight(Effect.sync(() => timers.delete(key))),
          Effect.zipRight(add(key)),
          Effect.forkDaemon,
        ),
        (fiber) => Effect.sync(() => void timers.set(key, { dueMs, fiber })),
      )

    // Every pod event wakes its Job through here, and nearly always finds it due earlier
    // already: that check is plain code, with no effect step beyond reading the clock.
    const addAfter = (key: string, delayMs: number): Effect.Effect<void> =>
      delayMs <= 0
        ? add(key)
        : Effect.clockWith((clock) => {
            const dueMs = clock.unsafeCurrentTimeMillis() + delayMs
            const pending = timers.get(key)
            if (pending === undefined) return startTimer(key, delayMs, dueMs)
            if (pending.dueMs <= dueMs) return Effect.void
            return Effect.zipRight(Fiber.interrupt(pending.fiber), startTimer(key, delayMs, dueMs))
          })

    const addRateLimited = (key: string): Effect.Effect<void> =>
      Effect.suspend(() => {
        const attempt = (failures.get(key) ?? 0) + 1
        failures.set(key, attempt)
        const delay = Math.min(retry.baseMs * 2 ** Math.min(attempt - 1, 30), retry.capMs)
        return addAfter(key, delay)
      })

    const take = Queue.take(ready).pipe(
      Effect.tap((key) =>
        Effect.sync(() => {
          dirty.delete(key)
          processing.add(key)
        }),
      ),
    )

    const done = (key: string): Effect.Effect<void> =>
      Effect.suspend(() => {
        processing.delete(key)
        return dirty.has(key) ? Queue.offer(ready, key).pipe(Effect.asVoid) : Effect.void
      })

    return {
      add,
      addAfter,
      addRateLimited,
      forget: (key) => void failures.delete(key),
      take,
      done,
      size: () => new Set([...dirty, ...processing]).size,
    }
  })
