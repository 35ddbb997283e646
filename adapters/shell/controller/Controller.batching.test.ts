/**
 * R158's batching, end to end on the memory store and effect's TestClock: a 10-pod Job whose
 * pods succeed as soon as they start. Upstream delays every sync after a pod event by 1 s, so
 * such a Job sits idle most of its life; syncing a burst of pod events as soon as it has
 * settled finishes it in well under half that time, with no more writes, also when the pods'
 * events come spread out, as they do from a real API server.
 */
import { describe, expect, it } from '@effect/vitest'
import { Clock, Effect, Layer, TestClock } from 'effect'
import { isFinished } from '../../../core/reconcile/conditions.js'
import type { JobStoreService } from '../../ports/JobStore.js'
import { JobStore } from '../../ports/JobStore.js'
import { PodRuntime } from '../../ports/PodRuntime.js'
import * as ScriptedRuntime from '../../runtimes/scripted/ScriptedRuntime.js'
import * as MemoryStore from '../../stores/memory/MemoryStore.js'
import * as Controller from './Controller.js'

type Writes = Record<'createPod' | 'updateJobStatus' | 'patchPodMetadata' | 'deletePod' | 'createEvent' | 'patchEvent', number>

/** The memory store, counting the controller's writes (the kubelet's pod status writes are not among them). */
function counting(inner: JobStoreService): { readonly store: JobStoreService; readonly writes: Writes } {
  const writes: Writes = { createPod: 0, updateJobStatus: 0, patchPodMetadata: 0, deletePod: 0, createEvent: 0, patchEvent: 0 }
  const count = <A extends unknown[], R>(name: keyof Writes, call: (...args: A) => R) => (...args: A): R => {
    writes[name]++
    return call(...args)
  }
  return {
    writes,
    store: {
      ...inner,
      createPod: count('createPod', inner.createPod),
      updateJobStatus: count('updateJobStatus', inner.updateJobStatus),
      patchPodMetadata: count('patchPodMetadata', inner.patchPodMetadata),
      deletePod: count('deletePod', inner.deletePod),
      createEvent: count('createEvent', inner.createEvent),
      patchEvent: count('patchEvent', inner.patchEvent),
    },
  }
}

/** Runs the 10-pod Job to `Complete`; how long it took in scenario time, and the controller's writes. */
const tenPodJob = (eventBatching: 'bursts' | 'upstream', script: ScriptedRuntime.PodScript = ScriptedRuntime.succeedAfter(0)) =>
  Effect.gen(function* () {
    const { store, writes } = counting(yield* MemoryStore.make)
    return yield* Effect.gen(function* () {
      yield* (yield* PodRuntime).start
      const controller = yield* Controller.start({ eventBatching })
      const startedMs = yield* Clock.currentTimeMillis
      yield* store.createJob({
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: { name: 'ten', namespace: 'ns' },
        spec: { completions: 10, parallelism: 10, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } },
      })
      for (let step = 0; step < 1000; step++) {
        const job = yield* store.getJob({ namespace: 'ns', name: 'ten' })
        if (isFinished(job.status)) break
        yield* TestClock.adjust('10 millis')
      }
      const job = yield* store.getJob({ namespace: 'ns', name: 'ten' })
      expect(job.status).toMatchObject({ succeeded: 10, active: 0 })
      expect(isFinished(job.status)).toBe(true)
      const tookMs = (yield* Clock.currentTimeMillis) - startedMs
      yield* controller.eventsSettled
      return { tookMs, writes: { ...writes } }
    }).pipe(Effect.provide(ScriptedRuntime.layer(script).pipe(Layer.provideMerge(Layer.succeed(JobStore, store)))))
  })

/** The pods start one after another, 8 ms apart, and succeed as they start: the events of one burst spread over 72 ms. */
const spreadOut = (): ScriptedRuntime.PodScript => {
  let started = 0
  return () => ({ startAfter: `${8 * started++} millis`, outcome: { after: 0, result: 'Succeeded' } })
}

describe('Controller: batching only bursts (R158)', () => {
  it.scoped('R158: a 10-pod Job completes in at most half the time of upstream\'s 1 s delay, with no more writes', () =>
    Effect.gen(function* () {
      const upstream = yield* tenPodJob('upstream')
      const bursts = yield* tenPodJob('bursts')
      expect(upstream.tookMs).toBeGreaterThanOrEqual(1000)
      expect(bursts.tookMs).toBeLessThanOrEqual(upstream.tookMs / 2)
      const total = (writes: Writes) => Object.values(writes).reduce((sum, n) => sum + n, 0)
      expect(total(bursts.writes)).toBeLessThanOrEqual(total(upstream.writes))
      expect(bursts.writes.createPod).toBe(10)
      expect(bursts.writes.patchPodMetadata).toBe(10)
    }),
  )

  it.scoped('R158: with the pods\' events spread over 72 ms, the Job still completes in half of upstream\'s time, with no more status writes', () =>
    Effect.gen(function* () {
      const upstream = yield* tenPodJob('upstream', spreadOut())
      const bursts = yield* tenPodJob('bursts', spreadOut())
      expect(upstream.tookMs).toBeGreaterThanOrEqual(1000)
      expect(bursts.tookMs).toBeLessThanOrEqual(upstream.tookMs / 2)
      const total = (writes: Writes) => Object.values(writes).reduce((sum, n) => sum + n, 0)
      expect(total(bursts.writes)).toBeLessThanOrEqual(total(upstream.writes))
      expect(bursts.writes.updateJobStatus).toBeLessThanOrEqual(upstream.writes.updateJobStatus)
      expect(bursts.writes.createPod).toBe(10)
      expect(bursts.writes.patchPodMetadata).toBe(10)
    }),
  )
})
