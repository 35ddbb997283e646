import { describe, expect, it } from '@effect/vitest'
import { Clock, Effect, Either, Fiber, Schedule, TestClock } from 'effect'
import { retryAfterFailure } from './retry.js'

/** An effect failing with 'busy' (retried) or 'broken' (not) per `script`, then succeeding; records when each try ran. */
function flaky(script: ReadonlyArray<'busy' | 'broken'>) {
  const tries: number[] = []
  const effect = Effect.flatMap(Clock.currentTimeMillis, (nowMs) => {
    tries.push(nowMs)
    const outcome = script[tries.length - 1]
    return outcome === undefined ? Effect.succeed(tries.length) : Effect.fail(outcome)
  })
  return { effect, tries }
}

const schedule = Schedule.exponential('100 millis').pipe(Schedule.union(Schedule.spaced('5 seconds')))
const options = { schedule, while: (error: 'busy' | 'broken') => error === 'busy' }

describe('retryAfterFailure', () => {
  it.effect('tries at the times Effect.retry tries, and ends as it does', () =>
    Effect.gen(function* () {
      for (const script of [[], ['busy', 'busy', 'busy'], ['busy', 'broken'], ['broken']] as const) {
        const ours = flaky(script)
        const theirs = flaky(script)
        const oursFiber = yield* Effect.fork(Effect.either(retryAfterFailure(ours.effect, options)))
        const theirsFiber = yield* Effect.fork(Effect.either(Effect.retry(theirs.effect, options)))
        yield* TestClock.adjust('10 seconds')
        const [a, b] = [yield* Fiber.join(oursFiber), yield* Fiber.join(theirsFiber)]
        expect(a).toEqual(b)
        expect(ours.tries).toEqual(theirs.tries)
      }
    }),
  )

  it.effect('stops when the schedule does', () =>
    Effect.gen(function* () {
      const { effect, tries } = flaky(['busy', 'busy', 'busy', 'busy'])
      const result = yield* Effect.either(retryAfterFailure(effect, { schedule: Schedule.recurs(2), while: () => true }))
      expect(result).toEqual(Either.left('busy'))
      expect(tries).toHaveLength(3)
    }),
  )
})
