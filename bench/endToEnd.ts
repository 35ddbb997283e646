import { Effect, Layer, LogLevel, Logger } from 'effect'
import type { Job } from '../core/model/types.js'
import { isFinished } from '../core/reconcile/conditions.js'
import * as Controller from '../adapters/shell/controller/Controller.js'
import { JobStore } from '../adapters/ports/JobStore.js'
import type { JobStoreService } from '../adapters/ports/JobStore.js'
import { PodRuntime } from '../adapters/ports/PodRuntime.js'
import { immediateScheduler } from '../adapters/shell/effects/scheduler.js'
import * as ScriptedRuntime from '../adapters/runtimes/scripted/ScriptedRuntime.js'

export interface EndToEndFigures {
  readonly completions: number
  readonly wallMs: number
  readonly podLifecyclesPerSecond: number
  readonly syncs: number
}

export interface EndToEndOptions {
  readonly completions: number
  readonly parallelism: number
  /** The controller's event batching window (upstream: 1 s, R158). */
  readonly eventBatchMs: number
}

/**
 * A Job run end to end on a store: the controller creates pods, the scripted runtime makes
 * each succeed at once, the controller counts them until `Complete`. Real time, no TestClock.
 */
export function benchEndToEnd(storeLayer: Layer.Layer<JobStore>, options: EndToEndOptions): Promise<EndToEndFigures> {
  const program = Effect.gen(function* () {
    const store = yield* JobStore
    const runtime = yield* PodRuntime
    yield* runtime.start
    const controller = yield* Controller.start({ eventBatchMs: options.eventBatchMs })
    const started = performance.now()
    yield* Effect.orDie(
      store.createJob({
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: { name: 'bench', namespace: 'default' },
        spec: {
          completions: options.completions,
          parallelism: options.parallelism,
          template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox', command: ['true'] }] } },
        },
      }),
    )
    const job = yield* awaitFinished(store)
    const wallMs = performance.now() - started
    if (job.status?.succeeded !== options.completions) yield* Effect.dieMessage(`bench job ended with ${JSON.stringify(job.status)}`)
    const syncs = (yield* Effect.promise(() => controller.metrics.syncs.get())).values.reduce((sum, sample) => sum + sample.value, 0)
    return { completions: options.completions, wallMs, podLifecyclesPerSecond: (options.completions / wallMs) * 1000, syncs }
  })
  const layer = ScriptedRuntime.layer(ScriptedRuntime.succeedAfter(0)).pipe(Layer.provideMerge(storeLayer))
  return Effect.runPromise(
    program.pipe(Effect.scoped, Effect.provide(layer), Logger.withMinimumLogLevel(LogLevel.Error), Effect.withScheduler(immediateScheduler)),
  )
}

function awaitFinished(store: JobStoreService): Effect.Effect<Job> {
  return Effect.gen(function* () {
    for (;;) {
      const job = yield* Effect.orDie(store.getJob({ namespace: 'default', name: 'bench' }))
      if (isFinished(job.status)) return job
      yield* Effect.sleep('10 millis')
    }
  })
}
