import { describe, expect, it } from '@effect/vitest'
import { Effect, Fiber } from 'effect'
import { Signal } from './signal.js'

describe('Signal', () => {
  it.effect('until returns at once when the state is there, else after the notify that brings it', () =>
    Effect.gen(function* () {
      const signal = new Signal()
      let state = 0
      expect(yield* signal.until(() => (state === 0 ? 'zero' : undefined))).toBe('zero')
      const waiting = yield* Effect.fork(signal.until(() => (state >= 2 ? state : undefined)))
      yield* Effect.yieldNow()
      state = 1
      signal.notify()
      yield* Effect.yieldNow()
      expect(waiting.unsafePoll()).toBeNull()
      state = 2
      signal.notify()
      expect(yield* Fiber.join(waiting)).toBe(2)
    }),
  )

  it.effect('a notify wakes every waiter; with none waiting it does nothing', () =>
    Effect.gen(function* () {
      const signal = new Signal()
      signal.notify()
      const waiters = yield* Effect.forEach([1, 2, 3], () => Effect.fork(signal.wait()))
      yield* Effect.yieldNow()
      signal.notify()
      yield* Effect.forEach(waiters, Fiber.join)
    }),
  )

  it.effect('an interrupted waiter leaves the others waiting', () =>
    Effect.gen(function* () {
      const signal = new Signal()
      const first = yield* Effect.fork(signal.wait())
      const second = yield* Effect.fork(signal.wait())
      yield* Effect.yieldNow()
      yield* Fiber.interrupt(first)
      signal.notify()
      yield* Fiber.join(second)
    }),
  )
})
