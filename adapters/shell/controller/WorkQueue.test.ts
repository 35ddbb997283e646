/**
 * The work queue's batching window on effect's TestClock (R158): the first event after a quiet
 * spell syncs at once; a storm is merged into one sync per window, so it causes no more syncs
 * than upstream's fixed 1 s delay allows (about duration / window + 1).
 */
import { describe, expect, it } from '@effect/vitest'
import { Clock, Effect, TestClock } from 'effect'
import fc from 'fast-check'
import { makeWorkQueue } from './WorkQueue.js'

const WINDOW_MS = 1000

/** A queue with one worker that notes when each key was taken; a sync takes `syncMs`. */
const withWorker = (syncMs = 0) =>
  Effect.gen(function* () {
    const queue = yield* makeWorkQueue()
    const syncs: Array<{ readonly key: string; readonly atMs: number }> = []
    yield* Effect.forkScoped(
      Effect.forever(
        Effect.gen(function* () {
          const key = yield* queue.take
          syncs.push({ key, atMs: yield* Clock.currentTimeMillis })
          if (syncMs > 0) yield* Effect.sleep(syncMs)
          yield* queue.done(key)
        }),
      ),
    )
    return { queue, syncs }
  })

describe('WorkQueue.addBatched (R158)', () => {
  it.scoped('a single event after a quiet spell syncs at once, with no delay', () =>
    Effect.gen(function* () {
      const { queue, syncs } = yield* withWorker()
      yield* TestClock.adjust('1 hour')
      yield* queue.addBatched('ns/pi', WINDOW_MS)
      yield* Effect.yieldNow()
      expect(syncs).toEqual([{ key: 'ns/pi', atMs: 3_600_000 }])
      // Quiet for a whole window again: the next event is again synced at once.
      yield* TestClock.adjust('1001 millis')
      yield* queue.addBatched('ns/pi', WINDOW_MS)
      yield* Effect.yieldNow()
      expect(syncs.map((s) => s.atMs)).toEqual([3_600_000, 3_601_001])
    }),
  )

  it.scoped('a storm of 1,000 pod events for one Job over 10 s causes at most 10 / 1 + 1 syncs, the last one after the storm', () =>
    Effect.gen(function* () {
      const { queue, syncs } = yield* withWorker(5)
      for (let i = 0; i < 1000; i++) {
        yield* queue.addBatched('ns/storm', WINDOW_MS)
        yield* TestClock.adjust('10 millis')
      }
      yield* TestClock.adjust('2 seconds')
      expect(syncs.length).toBeLessThanOrEqual(10 + 1)
      expect(syncs.length).toBeGreaterThanOrEqual(10)
      expect(syncs[0]?.atMs).toBe(0)
      // Nothing of the storm is left unsynced: the last sync comes after the last event (at 9.99 s).
      expect(syncs.at(-1)!.atMs).toBeGreaterThanOrEqual(9_990)
      // Syncs are at least a window apart after the first.
      for (let i = 2; i < syncs.length; i++) expect(syncs[i]!.atMs - syncs[i - 1]!.atMs).toBeGreaterThanOrEqual(WINDOW_MS)
    }),
  )

  it.scoped('windows are per key: a storm on one Job does not delay another Job\'s first event', () =>
    Effect.gen(function* () {
      const { queue, syncs } = yield* withWorker()
      for (let i = 0; i < 50; i++) {
        yield* queue.addBatched('ns/storm', WINDOW_MS)
        yield* TestClock.adjust('10 millis')
      }
      yield* queue.addBatched('ns/quiet', WINDOW_MS)
      yield* Effect.yieldNow()
      expect(syncs.filter((s) => s.key === 'ns/quiet').map((s) => s.atMs)).toEqual([500])
    }),
  )

  it.scoped('property: any event pattern gets at most span / window + 2 syncs, and every event is followed by a sync within a window', () =>
    Effect.gen(function* () {
      const patterns = fc.sample(fc.array(fc.integer({ min: 0, max: 1500 }), { minLength: 1, maxLength: 60 }), 25)
      for (const gaps of patterns) {
        const { queue, syncs } = yield* withWorker()
        const start = yield* Clock.currentTimeMillis
        const events: number[] = []
        for (const gap of gaps) {
          yield* TestClock.adjust(gap)
          events.push(yield* Clock.currentTimeMillis)
          yield* queue.addBatched('ns/pi', WINDOW_MS)
          yield* Effect.yieldNow()
        }
        yield* TestClock.adjust(2 * WINDOW_MS)
        const span = events.at(-1)! - events[0]!
        expect(syncs.length).toBeLessThanOrEqual(Math.floor(span / WINDOW_MS) + 2)
        for (const at of events) expect(syncs.some((s) => s.atMs >= at && s.atMs <= at + WINDOW_MS)).toBe(true)
        expect(start).toBeLessThanOrEqual(events[0]!)
      }
    }),
  )
})
