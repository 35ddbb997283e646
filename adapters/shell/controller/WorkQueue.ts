import { Effect, Fiber, Queue } from 'effect'

/** Per-key retry delays after errors (R161): 1 s doubling to 60 s. */
export interface RetrySettings {
  readonly baseMs: number
  readonly capMs: number
}

export const upstreamRetry: RetrySettings = { baseMs: 1000, capMs: 60_000 }

/** How many batching windows are kept before the closed ones are swept out. */
const WINDOW_SWEEP_SIZE = 1024

/**
 * A work queue with client-go's guarantees: a key is handed to at most one worker at a
 * time, a key added while queued is merged, a key added while in flight is queued again
 * once it is done, delayed adds keep only the earliest deadline, and failures back off per key.
 */
export interface WorkQueue {
  readonly add: (key: string) => Effect.Effect<void>
  readonly addAfter: (key: string, delayMs: number) => Effect.Effect<void>
  /**
   * Adds the key at once if it was quiet for `windowMs`; otherwise merges it into one add at
   * the end of the open window, which then opens the next one. A storm of adds for one key
   * over a time T so makes at most T / windowMs + 1 of them, as upstream's fixed delay of
   * `windowMs` does (R158), without making the first one after a quiet spell wait.
   */
  readonly addBatched: (key: string, windowMs: number) => Effect.Effect<void>
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
    /** Per key: when its batching window ends, and whether an add waits for that end. */
    const windows = new Map<string, { endMs: number; readonly windowMs: number; waiting: boolean }>()

    const add = (key: string): Effect.Effect<void> =>
      Effect.suspend(() => {
        if (dirty.has(key)) return Effect.void
        dirty.add(key)
        return processing.has(key) ? Effect.void : Queue.offer(ready, key).pipe(Effect.asVoid)
      })

    /** The add a window waited for is happening: the next window starts now. */
    const windowAddDue = (key: string, nowMs: number): void => {
      const window = windows.get(key)
      if (window === undefined || !window.waiting) return
      window.waiting = false
      window.endMs = nowMs + window.windowMs
    }

    const startTimer = (key: string, delayMs: number, dueMs: number): Effect.Effect<void> =>
      Effect.flatMap(
        Effect.sleep(delayMs).pipe(
          Effect.zipRight(
            Effect.clockWith((clock) =>
              Effect.sync(() => {
                timers.delete(key)
                windowAddDue(key, clock.unsafeCurrentTimeMillis())
              }),
            ),
          ),
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

    const addBatched = (key: string, windowMs: number): Effect.Effect<void> =>
      windowMs <= 0
        ? add(key)
        : Effect.clockWith((clock) => {
            const nowMs = clock.unsafeCurrentTimeMillis()
            const window = windows.get(key)
            if (window !== undefined && nowMs < window.endMs) {
              if (window.waiting) return Effect.void
              window.waiting = true
              return addAfter(key, window.endMs - nowMs)
            }
            if (windows.size >= sweepAt) forgetClosedWindows(nowMs)
            windows.set(key, { endMs: nowMs + windowMs, windowMs, waiting: false })
            return add(key)
          })

    // Keys of Jobs long gone keep no window: the closed ones go once there are many (and
    // the next sweep waits for twice as many, so sweeping stays cheap per add).
    let sweepAt = WINDOW_SWEEP_SIZE
    const forgetClosedWindows = (nowMs: number): void => {
      for (const [key, window] of windows) if (!window.waiting && window.endMs <= nowMs) windows.delete(key)
      sweepAt = Math.max(WINDOW_SWEEP_SIZE, windows.size * 2)
    }

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
      addBatched,
      addRateLimited,
      forget: (key) => void failures.delete(key),
      take,
      done,
      size: () => new Set([...dirty, ...processing]).size,
    }
  })
