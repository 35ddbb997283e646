import { Effect, Fiber, Queue } from 'effect'

/** Per-key retry delays after errors (R161): 1 s doubling to 60 s. */
export interface RetrySettings {
  readonly baseMs: number
  readonly capMs: number
}

export const upstreamRetry: RetrySettings = { baseMs: 1000, capMs: 60_000 }

/** How many per-key batching limits are kept before the past ones are swept out. */
const WINDOW_SWEEP_SIZE = 1024

/** A burst has settled when no event came for a tenth of the window (100 ms of upstream's 1 s). */
const BATCH_SETTLE_DIVISOR = 10

/** A batched add waiting for its key's burst to settle. */
interface Batch {
  lastEventMs: number
  readonly settleMs: number
  /** Not before: a window after the key's previous batched add. */
  readonly earliestMs: number
  /** Not after: a window after the batch's first event, as upstream's fixed delay. */
  readonly latestMs: number
  readonly windowMs: number
}

/**
 * A work queue with client-go's guarantees: a key is handed to at most one worker at a
 * time, a key added while queued is merged, a key added while in flight is queued again
 * once it is done, delayed adds keep only the earliest deadline, and failures back off per key.
 */
export interface WorkQueue {
  readonly add: (key: string) => Effect.Effect<void>
  readonly addAfter: (key: string, delayMs: number) => Effect.Effect<void>
  /**
   * Merges the adds of a burst into one: it comes once no add came for a tenth of `windowMs`
   * (the burst settled), but never later than `windowMs` after the burst's first add, and
   * never sooner than `windowMs` after the key's previous batched add. A storm of adds for one
   * key over a time T so makes at most T / windowMs + 1 of them, as upstream's fixed delay of
   * `windowMs` does (R158), while a short burst is synced as soon as it is over.
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
    /** Per key: the batched add that waits for its burst to settle. */
    const pendingBatches = new Map<string, Batch>()
    /** Per key: when the next batched add may come, a window after the last one. */
    const nextBatchAllowedMs = new Map<string, number>()

    const add = (key: string): Effect.Effect<void> =>
      Effect.suspend(() => {
        if (dirty.has(key)) return Effect.void
        dirty.add(key)
        return processing.has(key) ? Effect.void : Queue.offer(ready, key).pipe(Effect.asVoid)
      })

    const startTimer = (key: string, delayMs: number, dueMs: number): Effect.Effect<void> =>
      Effect.flatMap(
        Effect.sleep(delayMs).pipe(
          Effect.zipRight(
            Effect.sync(() => {
              timers.delete(key)
            }),
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

    /**
     * A batch's timer: wakes when the burst has settled (or at `latestMs`), sleeping again
     * while events keep coming, so that a storm costs one timer, not one per event.
     */
    const runBatch = (key: string, batch: Batch): Effect.Effect<void> =>
      Effect.clockWith((clock) =>
        Effect.gen(function* () {
          for (;;) {
            const nowMs = clock.unsafeCurrentTimeMillis()
            const dueMs = Math.min(Math.max(batch.lastEventMs + batch.settleMs, batch.earliestMs), batch.latestMs)
            if (dueMs <= nowMs) break
            yield* Effect.sleep(dueMs - nowMs)
          }
          const firedMs = clock.unsafeCurrentTimeMillis()
          pendingBatches.delete(key)
          nextBatchAllowedMs.set(key, firedMs + batch.windowMs)
          yield* add(key)
        }),
      )

    const addBatched = (key: string, windowMs: number): Effect.Effect<void> =>
      windowMs <= 0
        ? add(key)
        : Effect.clockWith((clock) => {
            const nowMs = clock.unsafeCurrentTimeMillis()
            const pending = pendingBatches.get(key)
            if (pending !== undefined) {
              pending.lastEventMs = nowMs
              return Effect.void
            }
            if (nextBatchAllowedMs.size >= sweepAt) forgetPastBatches(nowMs)
            const batch: Batch = {
              lastEventMs: nowMs,
              settleMs: windowMs / BATCH_SETTLE_DIVISOR,
              earliestMs: nextBatchAllowedMs.get(key) ?? nowMs,
              latestMs: nowMs + windowMs,
              windowMs,
            }
            pendingBatches.set(key, batch)
            return Effect.asVoid(Effect.forkDaemon(runBatch(key, batch)))
          })

    // Keys of Jobs long gone keep nothing: the past limits go once there are many (and the
    // next sweep waits for twice as many, so sweeping stays cheap per add).
    let sweepAt = WINDOW_SWEEP_SIZE
    const forgetPastBatches = (nowMs: number): void => {
      for (const [key, allowedMs] of nextBatchAllowedMs) if (allowedMs <= nowMs) nextBatchAllowedMs.delete(key)
      sweepAt = Math.max(WINDOW_SWEEP_SIZE, nextBatchAllowedMs.size * 2)
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
