/**
 * Events never hold up the Job controller (client-go's recorder sends them in the background):
 * with the event sink stalled, every pod of a Job's slow-start batches is still created, and
 * the sync completes.
 */
import { describe, expect, it } from '@effect/vitest'
import { Deferred, Effect, TestClock } from 'effect'
import type { JobStoreService } from '../../ports/JobStore.js'
import { JobStore } from '../../ports/JobStore.js'
import * as MemoryStore from '../../stores/memory/MemoryStore.js'
import * as Controller from './Controller.js'

const manifest = {
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name: 'pi', namespace: 'ns' },
  spec: { completions: 20, parallelism: 20, template: { spec: { containers: [{ name: 'pi', image: 'perl:5.34' }], restartPolicy: 'Never' } } },
}

describe('Controller: events in the background', () => {
  it.scoped('R101 R106: with the event sink stalled, the first sync still creates all 20 pods (slow start 1, 2, 4, 8, 5) and finishes', () =>
    Effect.gen(function* () {
      const inner = yield* MemoryStore.make
      const release = yield* Deferred.make<void>()
      let eventWrites = 0
      const stalled: JobStoreService = {
        ...inner,
        createEvent: (event) =>
          Effect.suspend(() => {
            eventWrites++
            return Effect.zipRight(Deferred.await(release), inner.createEvent(event))
          }),
      }
      const controller = yield* Controller.start({}).pipe(Effect.provideService(JobStore, stalled))
      yield* inner.createJob(manifest)
      for (let step = 0; step < 50 && (yield* inner.listPods({ namespace: 'ns' })).items.length < 20; step++) yield* TestClock.adjust('10 millis')
      expect((yield* inner.listPods({ namespace: 'ns' })).items).toHaveLength(20)
      // The first event is stuck in the store; none of the pods waited for it.
      expect(eventWrites).toBe(1)
      const syncs = (yield* Effect.promise(() => controller.metrics.syncs.get())).values.filter((v) => v.labels.action === 'pods_created')
      expect(syncs.reduce((sum, v) => sum + v.value, 0)).toBeGreaterThanOrEqual(1)
      yield* Deferred.succeed(release, undefined)
      yield* controller.eventsSettled
      const events = yield* inner.listEvents({ namespace: 'ns', involvedObjectName: 'pi' })
      // 9 pods by name, then the aggregate counting the other 11 (client-go's correlator).
      expect(events.map((e) => e.count).sort((a, b) => a - b)).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1, 11])
    }),
  )
})
