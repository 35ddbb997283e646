/**
 * The work queue's batching on effect's TestClock (R158). Upstream delays every sync after a
 * pod event by the batch period (1 s); ours syncs a burst as soon as it has settled (no event
 * for 100 ms), never later than upstream would, and never more than once per period, so a
 * storm causes no more syncs than upstream's fixed delay allows (about duration / period + 1).
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
  it.scoped('R158: a single event after a quiet spell syncs once it has settled, 100 ms later, not after upstream\'s 1 s', () =>
    Effect.gen(function* () {
      const { queue, syncs } = yield* withWorker()
      yield* TestClock.adjust('1 hour')
      yield* queue.addBatched('ns/pi', WINDOW_MS)
      yield* TestClock.adjust('99 millis')
      expect(syncs).toEqual([])
      yield* TestClock.adjust('1 millis')
      expect(syncs).toEqual([{ key: 'ns/pi', atMs: 3_600_100 }])
      // A window after that sync, the next event again waits only for its burst to settle.
      yield* TestClock.adjust('1001 millis')
      yield* queue.addBatched('ns/pi', WINDOW_MS)
      yield* TestClock.adjust('100 millis')
      expect(syncs.map((s) => s.atMs)).toEqual([3_600_100, 3_601_201])
    }),
  )

  it.scoped('R158: a burst of 10 pod events over 45 ms makes one sync, 100 ms after the last of them', () =>
    Effect.gen(function* () {
      const { queue, syncs } = yield* withWorker()
      for (let i = 0; i < 10; i++) {
        yield* queue.addBatched('ns/ten', WINDOW_MS)
        if (i < 9) yield* TestClock.adjust('5 millis')
      }
      yield* TestClock.adjust('2 seconds')
      expect(syncs).toEqual([{ key: 'ns/ten', atMs: 145 }])
    }),
  )

  it.scoped('R158: events 150 ms apart, each one settling, still make at most one sync per 1 s window', () =>
    Effect.gen(function* () {
      const { queue, syncs } = yield* withWorker()
      for (let i = 0; i < 40; i++) {
        yield* queue.addBatched('ns/drip', WINDOW_MS)
        yield* TestClock.adjust('150 millis')
      }
      yield* TestClock.adjust('2 seconds')
      // 40 events over 5.85 s: upstream's fixed delay allows 5.85 / 1 + 1 syncs.
      expect(syncs.length).toBeLessThanOrEqual(6 + 1)
      for (let i = 1; i < syncs.length; i++) expect(syncs[i]!.atMs - syncs[i - 1]!.atMs).toBeGreaterThanOrEqual(WINDOW_MS)
      expect(syncs.at(-1)!.atMs).toBeGreaterThanOrEqual(39 * 150)
    }),
  )

  it.scoped('R158: a storm of 1,000 pod events for one Job over 10 s causes at most 10 / 1 + 1 syncs, the first no later than upstream\'s 1 s, the last after the storm', () =>
    Effect.gen(function* () {
      const { queue, syncs } = yield* withWorker(5)
      for (let i = 0; i < 1000; i++) {
        yield* queue.addBatched('ns/storm', WINDOW_MS)
        yield* TestClock.adjust('10 millis')
      }
      yield* TestClock.adjust('2 seconds')
      expect(syncs.length).toBeLessThanOrEqual(10 + 1)
      expect(syncs.length).toBeGreaterThanOrEqual(10)
      // The storm never settles: the first sync comes at upstream's delay, a window after the first event.
      expect(syncs[0]?.atMs).toBe(WINDOW_MS)
      // Nothing of the storm is left unsynced: the last sync comes after the last event (at 9.99 s).
      expect(syncs.at(-1)!.atMs).toBeGreaterThanOrEqual(9_990)
      // Syncs are at least a window apart.
      for (let i = 1; i < syncs.length; i++) expect(syncs[i]!.atMs - syncs[i - 1]!.atMs).toBeGreaterThanOrEqual(WINDOW_MS)
    }),
  )

  it.scoped('R158: batches are per key: a storm on one Job does not delay another Job\'s burst', () =>
    Effect.gen(function* () {
      const { queue, syncs } = yield* withWorker()
      for (let i = 0; i < 50; i++) {
        yield* queue.addBatched('ns/storm', WINDOW_MS)
        yield* TestClock.adjust('10 millis')
      }
      yield* queue.addBatched('ns/quiet', WINDOW_MS)
      yield* TestClock.adjust('100 millis')
      expect(syncs.filter((s) => s.key === 'ns/quiet').map((s) => s.atMs)).toEqual([600])
    }),
  )

  it.scoped('R158 property: any event pattern gets at most span / window + 2 syncs, a window apart, and every event is followed by a sync within a window', () =>
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
        for (let i = 1; i < syncs.length; i++) expect(syncs[i]!.atMs - syncs[i - 1]!.atMs).toBeGreaterThanOrEqual(WINDOW_MS)
        for (const at of events) expect(syncs.some((s) => s.atMs >= at && s.atMs <= at + WINDOW_MS)).toBe(true)
        expect(start).toBeLessThanOrEqual(events[0]!)
      }
    }),
  )
})
