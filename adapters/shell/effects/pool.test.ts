import { describe, expect, it } from '@effect/vitest'
import { Effect, Fiber, TestClock } from 'effect'
import { forEachConcurrently } from './pool.js'

describe('forEachConcurrently', () => {
  it.effect('runs at most `concurrency` at once, starts in order, and returns the results in order', () =>
    Effect.gen(function* () {
      let running = 0
      let most = 0
      const started: number[] = []
      const fiber = yield* Effect.fork(
        forEachConcurrently(
          [50, 10, 30, 20, 40],
          (ms) =>
            Effect.gen(function* () {
              started.push(ms)
              running++
              most = Math.max(most, running)
              yield* Effect.sleep(ms)
              running--
              return ms * 2
            }),
          2,
        ),
      )
      yield* TestClock.adjust(1000)
      expect(yield* Fiber.join(fiber)).toEqual([100, 20, 60, 40, 80])
      expect(started).toEqual([50, 10, 30, 20, 40])
      expect(most).toBe(2)
    }),
  )

  it.effect('nothing to do is an empty result', () =>
    Effect.gen(function* () {
      expect(yield* forEachConcurrently([], () => Effect.succeed(1), 4)).toEqual([])
    }),
  )

  it.effect('interrupting it interrupts every worker', () =>
    Effect.gen(function* () {
      let finished = 0
      const fiber = yield* Effect.fork(forEachConcurrently([1, 2, 3], () => Effect.sleep(100).pipe(Effect.tap(() => void finished++)), 3))
      yield* TestClock.adjust(50)
      yield* Fiber.interrupt(fiber)
      yield* TestClock.adjust(100)
      expect(finished).toBe(0)
    }),
  )
})
