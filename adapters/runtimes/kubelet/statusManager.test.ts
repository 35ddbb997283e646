import { describe, expect, it } from '@effect/vitest'
import { Deferred, Effect, Fiber } from 'effect'
import * as fc from 'fast-check'
import type { PodStatus } from '../../../core/model/types.js'
import * as StatusManager from './statusManager.js'

/** Status number `n`: the test's changes number the statuses they produce. */
const numbered = (n: number): PodStatus => ({ phase: 'Running', message: String(n) })
const numberOf = (status: PodStatus): number => Number(status.message)
const next = (status: PodStatus): PodStatus => numbered(numberOf(status) + 1)

/** A manager whose writes are recorded; each write first waits for `beforeWrite`. */
function recorded(beforeWrite: Effect.Effect<void> = Effect.void, batchMs = 0) {
  return Effect.gen(function* () {
    const writes: PodStatus[] = []
    const manager = yield* StatusManager.make(numbered(0), (status) => Effect.zipRight(beforeWrite, Effect.sync(() => void writes.push(status))), { batchMs })
    return { manager, writes }
  })
}

describe('StatusManager (the kubelet status manager: at most one write per pod in flight, the latest status wins)', () => {
  it.live('changes made while a write is in flight go out together in the next write, the latest winning', () =>
    Effect.gen(function* () {
      const inFlight = yield* Deferred.make<void>()
      const gate = yield* Deferred.make<void>()
      const { manager, writes } = yield* recorded(Effect.zipRight(Deferred.succeed(inFlight, undefined), Deferred.await(gate)))
      yield* Deferred.await(inFlight)
      for (let i = 0; i < 50; i++) yield* manager.update(next)
      yield* Deferred.succeed(gate, undefined)
      yield* manager.flush
      // The first status (its write was in flight), then the last one: nothing in between.
      expect(writes.map(numberOf)).toEqual([0, 50])
    }).pipe(Effect.scoped),
  )

  it.live('nothing is written while a batch of starts holds the writes; the batch goes out in one write when it ends', () =>
    Effect.gen(function* () {
      const { manager, writes } = yield* recorded()
      yield* manager.flush
      const during = yield* manager.holdWhile(
        Effect.gen(function* () {
          for (let i = 0; i < 20; i++) {
            yield* manager.update(next)
            yield* Effect.sleep('1 millis')
          }
          return writes.length
        }),
      )
      expect(during).toBe(1)
      yield* manager.flush
      expect(writes.map(numberOf)).toEqual([0, 20])
    }).pipe(Effect.scoped),
  )

  it.live('nested holds: writes resume only when the last one ends', () =>
    Effect.gen(function* () {
      const { manager, writes } = yield* recorded()
      yield* manager.flush
      const inner = yield* Deferred.make<void>()
      const outer = yield* Effect.fork(manager.holdWhile(Deferred.await(inner)))
      yield* manager.holdWhile(manager.update(next))
      yield* Effect.sleep('30 millis')
      expect(writes).toHaveLength(1)
      yield* Deferred.succeed(inner, undefined)
      yield* Fiber.join(outer)
      yield* manager.flush
      expect(writes.map(numberOf)).toEqual([0, 1])
    }).pipe(Effect.scoped),
  )

  it.live('a write waits batchMs for the changes that come right after the one that called for it', () =>
    Effect.gen(function* () {
      const { manager, writes } = yield* recorded(Effect.void, 200)
      yield* manager.flush
      yield* manager.update(next)
      yield* Effect.sleep('20 millis')
      yield* manager.update(next)
      yield* manager.flush
      expect(writes.map(numberOf)).toEqual([0, 2])
    }).pipe(Effect.scoped),
  )

  it.live('property: whatever the timing of changes and writes, each write is a later status than the one before (none twice, none older), and flush writes the latest', () =>
    Effect.promise(() =>
      fc.assert(
        fc.asyncProperty(
          fc.array(fc.oneof(fc.constant('change' as const), fc.constant('flush' as const), fc.integer({ min: 0, max: 3 })), { maxLength: 40 }),
          fc.integer({ min: 0, max: 3 }),
          (steps, writeYields) =>
            Effect.runPromise(
              Effect.gen(function* () {
                const { manager, writes } = yield* recorded(Effect.repeatN(Effect.yieldNow(), writeYields))
                let last = 0
                for (const step of steps) {
                  if (step === 'change') {
                    yield* manager.update(next)
                    last += 1
                  } else if (step === 'flush') {
                    yield* manager.flush
                    expect(numberOf(writes[writes.length - 1] ?? numbered(-1))).toBe(last)
                  } else yield* Effect.repeatN(Effect.yieldNow(), step)
                }
                yield* manager.flush
                const numbers = writes.map(numberOf)
                expect(numbers[numbers.length - 1]).toBe(last)
                for (let i = 1; i < numbers.length; i++) expect(numbers[i]).toBeGreaterThan(numbers[i - 1] ?? 0)
              }).pipe(Effect.scoped),
            ),
        ),
        { numRuns: 200 },
      ),
    ),
  )
})
