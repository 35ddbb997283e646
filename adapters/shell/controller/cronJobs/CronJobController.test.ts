/**
 * Where the controller runs CronJobs, end to end on the memory store and effect's TestClock:
 * by default on a store of its own (memory, file); on a store shared with a cluster's own
 * controllers (the Kubernetes store: the built-in cronjob-controller acts on every CronJob,
 * CronJob having no `managedBy`) only when told it is the cluster's CronJob controller; never
 * with `cronJobController: false`; and not at all on a backend without `CronJobStore`.
 */
import { describe, expect, it } from '@effect/vitest'
import { Context, Effect, Layer } from 'effect'
import { cronJobManifest } from '../../../../conformance/scenarios/cronJobs.js'
import { runScenario } from '../../../../conformance/toolkit.js'
import type { World } from '../../../../conformance/toolkit.js'
import { CronJobStore } from '../../../ports/CronJobStore.js'
import { JobStore } from '../../../ports/JobStore.js'
import * as MemoryStore from '../../../stores/memory/MemoryStore.js'
import type { ControllerOptions } from '../Controller.js'

/** A memory store that says it is shared with a cluster's controllers, as the Kubernetes store does. */
const clusterSharedLayer = Layer.effectContext(
  Effect.map(MemoryStore.make, (store) => Context.make(JobStore, store).pipe(Context.add(CronJobStore, { ...store, clusterShared: true }))),
)

/** A backend of Jobs alone (as a custom backend written before CronJobs). */
const jobsOnlyLayer = Layer.effect(JobStore, MemoryStore.make)

const run = (layer: Layer.Layer<JobStore>, controller: ControllerOptions, body: (w: World) => Effect.Effect<void, unknown>) =>
  runScenario({ name: 'cronjob controller', layer, controller }, 1, body)

/** Creates `* * * * *` CronJob `hello` and lets 90 s pass: long enough for its first run. */
const firstMinute = (w: World) =>
  Effect.gen(function* () {
    yield* w.cronJobs.create(cronJobManifest('hello'))
    yield* w.pass('90 seconds')
    return yield* w.cronJobs.jobs('hello')
  })

describe('Controller: which CronJobs it runs', () => {
  it.effect('on its own store (memory) it runs CronJobs by default, and its Job controller runs the Jobs they create', () =>
    run(MemoryStore.layer, {}, (w) =>
      Effect.gen(function* () {
        const jobs = yield* firstMinute(w)
        expect(jobs.map((job) => job.metadata.name)).toEqual(['hello-1'])
        expect(yield* w.activePods('hello-1')).toHaveLength(1)
      }),
    ),
  )

  it.effect('on a store shared with a cluster (a built-in cronjob-controller may run) it leaves CronJobs alone by default', () =>
    run(clusterSharedLayer, {}, (w) =>
      Effect.gen(function* () {
        expect(yield* firstMinute(w)).toEqual([])
        expect((yield* w.cronJobs.get('hello')).status ?? {}).toEqual({})
      }),
    ),
  )

  it.effect('on a store shared with a cluster, cronJobController: true makes it the cluster’s CronJob controller', () =>
    run(clusterSharedLayer, { cronJobController: true }, (w) =>
      Effect.gen(function* () {
        expect((yield* firstMinute(w)).map((job) => job.metadata.name)).toEqual(['hello-1'])
      }),
    ),
  )

  it.effect('cronJobController: false leaves CronJobs alone on any store', () =>
    run(MemoryStore.layer, { cronJobController: false }, (w) =>
      Effect.gen(function* () {
        expect(yield* firstMinute(w)).toEqual([])
      }),
    ),
  )

  it.effect('a backend without CronJobStore still runs its Jobs (the CronJob controller is simply absent)', () =>
    run(jobsOnlyLayer, {}, (w) =>
      Effect.gen(function* () {
        yield* w.create({
          apiVersion: 'batch/v1',
          kind: 'Job',
          metadata: { name: 'pi' },
          spec: { template: { spec: { containers: [{ name: 'main', image: 'busybox:1.36' }], restartPolicy: 'Never' } } },
        })
        expect(yield* w.waitForActive('pi', 1)).toHaveLength(1)
      }),
    ),
  )
})
