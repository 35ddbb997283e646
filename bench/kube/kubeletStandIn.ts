/**
 * The bench's kubelet: every pod it sees succeeds at once. One status write per pod (phase
 * `Succeeded`, each container terminated with exit code 0), no binding, no start: the engines
 * are measured, not a node. It follows the pods through the `JobStore` port, as the runtimes
 * in adapters/runtimes do, under a user of its own so that its requests are not counted.
 */
import { Cause, Deferred, Effect, Exit, Fiber, FiberId, FiberSet, LogLevel, Logger } from 'effect'
import type { Pod, PodStatus, Time } from '../../core/model/types.js'
import { formatTime } from '../../core/model/time.js'
import { JobStore } from '../../adapters/ports/JobStore.js'
import { followPods, type PodEvent } from '../../adapters/runtimes/kubelet/podEvents.js'
import { initialStatus, isTerminalPhase, podKey, recompute, terminatedContainer } from '../../adapters/runtimes/kubelet/podStatus.js'
import { writePodStatus } from '../../adapters/runtimes/kubelet/podWrites.js'
import * as KubernetesStore from '../../adapters/stores/kubernetes/KubernetesStore.js'

/** The status of a pod whose containers all ran and exited 0 at `now`. */
export function succeededStatus(pod: Pod, now: Time): PodStatus {
  const waiting = initialStatus(pod, now)
  const exitedZero = { exitCode: 0, reason: 'Completed', startedAt: now, finishedAt: now }
  return recompute({ ...waiting, containerStatuses: (waiting.containerStatuses ?? []).map((c) => terminatedContainer(c, exitedZero)) }, now)
}

/** A running stand-in. */
export interface KubeletStandIn {
  /** Pods it has marked `Succeeded` so far. */
  readonly succeeded: () => number
  readonly stop: () => Promise<void>
}

/** Starts following the pods of `config`'s namespace; resolves once it has listed them. */
export async function startKubeletStandIn(config: KubernetesStore.KubernetesStoreConfig): Promise<KubeletStandIn> {
  let succeeded = 0
  const listed = Deferred.unsafeMake<void, Error>(FiberId.none)
  const program = Effect.gen(function* () {
    const store = yield* JobStore
    const writes = yield* FiberSet.make()
    /** Pods written or being written, by uid: each is written once. */
    const marked = new Set<string>()

    const succeed = (pod: Pod): Effect.Effect<void> => {
      const uid = pod.metadata.uid ?? ''
      if (marked.has(uid) || pod.metadata.deletionTimestamp !== undefined || isTerminalPhase(pod.status?.phase)) return Effect.void
      marked.add(uid)
      const write = writePodStatus(store, podKey(pod), succeededStatus(pod, formatTime(Date.now()))).pipe(
        Effect.tap(() => Effect.sync(() => void (succeeded += 1))),
        Effect.catchAll((error) => Effect.logWarning(`kubelet stand-in: pod ${pod.metadata.name}: ${error.message}`)),
      )
      // Writes run beside each other: a burst of 100 new pods must not wait in one line.
      return Effect.asVoid(FiberSet.run(writes, write))
    }

    const handle = (event: PodEvent): Effect.Effect<void> => {
      switch (event._tag) {
        case 'Listed':
          return Effect.zipRight(Effect.forEach(event.pods, succeed, { discard: true }), Deferred.succeed(listed, undefined))
        case 'Changed':
          return succeed(event.pod)
        case 'Deleted':
          marked.delete(event.pod.metadata.uid ?? '')
          return Effect.void
      }
    }
    return yield* followPods(store, handle)
  })
  const fiber = Effect.runFork(
    program.pipe(
      Effect.scoped,
      Effect.provide(KubernetesStore.layer(config)),
      Effect.tapError((error) => Deferred.fail(listed, new Error(`kubelet stand-in: ${error.reason}`))),
      Logger.withMinimumLogLevel(LogLevel.Warning),
    ),
  )
  const stop = async (): Promise<void> => {
    await Effect.runPromise(Fiber.interrupt(fiber))
  }
  const outcome = await Effect.runPromise(Effect.exit(Deferred.await(listed)))
  if (Exit.isFailure(outcome)) {
    await stop()
    const error = Cause.squash(outcome.cause)
    throw new Error(error instanceof Error ? error.message : `kubelet stand-in could not start: ${String(error)}`)
  }
  return { succeeded: () => succeeded, stop }
}
