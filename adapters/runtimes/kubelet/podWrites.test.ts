import { describe, expect, it } from '@effect/vitest'
import { Effect, Fiber, Logger, TestClock } from 'effect'
import type { Pod, PodStatus } from '../../../core/model/types.js'
import { Conflict, NotFound, StoreUnavailable } from '../../ports/errors.js'
import type { JobStoreService } from '../../ports/JobStore.js'
import { writePodStatus } from './podWrites.js'

const key = { namespace: 'default', name: 'p' }
const written: Pod = { metadata: { name: 'p', namespace: 'default' }, spec: { containers: [] } }
const unavailable = new StoreUnavailable({ reason: 'down' })
const conflict = new Conflict({ kind: 'Pod', namespace: 'default', name: 'p', detail: 'raced' })
const notFound = new NotFound({ kind: 'Pod', namespace: 'default', name: 'p' })

/** A store whose status writes fail as `failures` says, one per try, then succeed; records when each try ran. */
function flakyStore(failures: ReadonlyArray<StoreUnavailable | Conflict | NotFound>) {
  const tries: number[] = []
  const store = {
    updatePodStatus: (_key: unknown, _status: PodStatus) =>
      Effect.flatMap(TestClock.currentTimeMillis, (nowMs) => {
        tries.push(nowMs)
        const failure = failures[tries.length - 1]
        return failure === undefined ? Effect.succeed(written) : Effect.fail(failure)
      }),
  } as unknown as JobStoreService
  return { store, tries }
}

/** The messages logged while `effect` runs. */
function withLogs<A, E>(effect: Effect.Effect<A, E>) {
  const messages: string[] = []
  const logger = Logger.make(({ message }) => void messages.push(String(message)))
  return { run: effect.pipe(Effect.provide(Logger.replace(Logger.defaultLogger, logger))), messages }
}

describe('writePodStatus', () => {
  it.effect('waits out an unavailable store and a raced write: 100 ms, then 200 ms, a warning for each failure', () =>
    Effect.gen(function* () {
      const { store, tries } = flakyStore([unavailable, conflict])
      const { run, messages } = withLogs(writePodStatus(store, key, { phase: 'Running' }))
      const fiber = yield* Effect.fork(run)
      yield* TestClock.adjust('1 second')
      expect(yield* Fiber.join(fiber)).toBe(written)
      expect(tries).toEqual([0, 100, 300])
      expect(messages).toHaveLength(2)
      expect(messages[0]).toContain('writing the status of pod default/p failed, retrying')
    }),
  )

  it.effect('a pod that is gone is not retried, even after a retried failure', () =>
    Effect.gen(function* () {
      const { store, tries } = flakyStore([notFound])
      expect((yield* Effect.flip(writePodStatus(store, key, {})))._tag).toBe('NotFound')
      expect(tries).toEqual([0])
      const later = flakyStore([unavailable, notFound])
      const fiber = yield* Effect.fork(Effect.flip(writePodStatus(later.store, key, {})))
      yield* TestClock.adjust('1 second')
      expect((yield* Fiber.join(fiber))._tag).toBe('NotFound')
      expect(later.tries).toEqual([0, 100])
    }),
  )
})
