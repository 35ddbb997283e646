/**
 * The local process runtime: plays the kubelet on this host. It binds pods from the store
 * (at most `maxConcurrentPods` at a time), runs each container's `command` + `args` as a
 * child process and writes the pod's status back, as the kubelet would:
 *
 * - No shell and no image: `image` is only recorded (`image: perl` with `command: [perl, …]`
 *   runs the host's `perl`). `$(NAME)` references in command, args and env are expanded and
 *   `$$` stands for `$`, as in Kubernetes. The environment is the container's `env` (values
 *   and `fieldRef`s), `HOSTNAME`, and the host's `PATH` and `HOME`; nothing else leaks in.
 * - Init containers run first, one by one; then the app containers together.
 * - stdout and stderr are kept together as the container's log (the last 10 MiB by default),
 *   in the order the runtime reads them, across restarts. Logs live as long as the pod does
 *   in the store.
 * - `restartPolicy`: `OnFailure` restarts a failed container in place after 10 s, 20 s, 40 s…
 *   up to 5 minutes; `Never` ends the pod `Failed` once its containers are done.
 * - A container without `command` cannot run here (its image's entrypoint is unknown): it
 *   ends with exit code 127 and reason `RunContainerError`; a program that cannot be started
 *   ends with 127 and `StartError`.
 * - Deletion (`deletionTimestamp`): SIGTERM to each process group, SIGKILL after the grace
 *   period, the final status (143 / 137 for a process a signal ended), then a delete with
 *   grace 0. A pod removed from the store is killed at once; so is every child when the
 *   scope of `start` closes, or when the host process exits.
 *
 * Timestamps, back-off and grace periods use effect's `Clock`.
 */
import { availableParallelism, hostname } from 'node:os'
import {
  Clock,
  Deferred,
  Duration,
  Effect,
  FiberMap,
  Layer,
  Queue,
  SynchronizedRef,
} from 'effect'
import { NotFound } from '../ports/errors.js'
import { JobStore, type JobStoreService, type ObjectKey } from '../ports/JobStore.js'
import { PodRuntime, type PodRuntimeService } from '../ports/PodRuntime.js'
import type { Container, Pod, PodStatus, RestartPolicy } from '../../core/model/types.js'
import { formatTime } from '../../core/model/time.js'
import { followPods, type PodEvent } from '../kubelet/podEvents.js'
import {
  gracePeriodSeconds,
  initialStatus,
  isTerminalPhase,
  isUnboundAndRunnable,
  keyString,
  podKey,
  restartingContainer,
  restartPolicyOf,
  runningContainer,
  shouldRestart,
  terminatedContainer,
  terminateRemaining,
  terminationReason,
  updateContainer,
  withForeignConditions,
  SIGKILL_EXIT_CODE,
  type ContainerKind,
} from '../kubelet/podStatus.js'
import { deletePodNow, writePodStatus } from '../kubelet/podWrites.js'
import { spawnProcess, type ChildProcessHandle } from './childProcess.js'
import { resolveContainer } from './env.js'
import { DEFAULT_LOG_LIMIT_BYTES, makeLogBuffer, type LogBuffer } from './logBuffer.js'

/** How the process runtime behaves; every field has a default. */
export interface ProcessRuntimeOptions {
  /** Pods running at once; the others stay `Pending` and unbound until a slot frees. Default: 4 × CPU count. */
  readonly maxConcurrentPods?: number
  /** The node name written to `spec.nodeName`. Default: this host's name. */
  readonly nodeName?: string
  /** The first back-off before restarting a failed container (`OnFailure`); it doubles per restart. Default: 10 s, as the kubelet. */
  readonly restartBackoffBaseMs?: number
  /** The longest back-off. Default: 5 minutes, as the kubelet. */
  readonly restartBackoffMaxMs?: number
  /** Output kept per container; older output is dropped with a note. Default: 10 MiB. */
  readonly maxLogBytesPerContainer?: number
  /** Working directory of containers without `workingDir`. Default: this process's. */
  readonly workingDirectory?: string
  /**
   * Whether to take an unbound pod. Default: every one, as the only node of an embedded store.
   * Beside a cluster's scheduler, a runtime must take only the pods meant for it.
   */
  readonly takesPod?: (pod: Pod) => Effect.Effect<boolean>
}

/** Pods running at once when not told: four per CPU. */
export const defaultMaxConcurrentPods = (): number => 4 * availableParallelism()

/** The kubelet's container back-off: 10 s doubling to 5 minutes. */
export const DEFAULT_RESTART_BACKOFF_BASE_MS = 10_000
export const DEFAULT_RESTART_BACKOFF_MAX_MS = 300_000

/** A pod this runtime has bound, from binding until the store forgets it. */
interface OwnedPod {
  readonly key: ObjectKey
  readonly uid: string
  /** The latest version seen in the store. */
  latest: Pod
  readonly logs: Map<string, LogBuffer>
  readonly processes: Set<ChildProcessHandle>
  /** The runtime's live process groups, for the kill of last resort when the host process exits. */
  readonly liveGroups: Set<number>
  /** Completed when the pod gets a `deletionTimestamp`. */
  readonly deletionRequested: Deferred.Deferred<void>
  terminating: boolean
  /** Whether it still holds one of the `maxConcurrentPods` slots (until its containers are done). */
  holdsSlot: boolean
}

interface Settings {
  readonly nodeName: string
  readonly maxConcurrentPods: number
  readonly backoffBaseMs: number
  readonly backoffMaxMs: number
  readonly logLimit: number
  readonly workingDirectory: string | undefined
  readonly takesPod: (pod: Pod) => Effect.Effect<boolean>
}

function settingsOf(options: ProcessRuntimeOptions | undefined): Settings {
  return {
    nodeName: options?.nodeName ?? hostname().toLowerCase(),
    maxConcurrentPods: Math.max(1, options?.maxConcurrentPods ?? defaultMaxConcurrentPods()),
    backoffBaseMs: options?.restartBackoffBaseMs ?? DEFAULT_RESTART_BACKOFF_BASE_MS,
    backoffMaxMs: options?.restartBackoffMaxMs ?? DEFAULT_RESTART_BACKOFF_MAX_MS,
    logLimit: options?.maxLogBytesPerContainer ?? DEFAULT_LOG_LIMIT_BYTES,
    workingDirectory: options?.workingDirectory,
    takesPod: options?.takesPod ?? (() => Effect.succeed(true)),
  }
}

const now = Effect.map(Clock.currentTimeMillis, formatTime)

/** The container `kubectl logs` shows when none is named: the annotated default, else the first. */
function defaultContainer(pod: Pod): string | undefined {
  return pod.metadata.annotations?.['kubectl.kubernetes.io/default-container'] ?? pod.spec.containers[0]?.name
}

function containerNames(pod: Pod): ReadonlyArray<string> {
  return [...(pod.spec.initContainers ?? []), ...pod.spec.containers].map((c) => c.name)
}

function formatDelay(ms: number): string {
  return Duration.format(Duration.millis(ms))
}

/** Runs one pod from binding to its final status. */
function runPod(
  store: JobStoreService,
  settings: Settings,
  owned: OwnedPod,
): Effect.Effect<void> {
  return Effect.gen(function* () {
    const pod = owned.latest
    const policy: RestartPolicy = restartPolicyOf(pod)
    const terminating = yield* Deferred.make<void>()
    const status = yield* SynchronizedRef.make<PodStatus>(initialStatus(pod, yield* now))

    /** Applies a change to the status and writes it; a pod gone from the store is dropped by the watch. */
    const update = (change: (status: PodStatus, now: string) => PodStatus): Effect.Effect<void> =>
      SynchronizedRef.updateEffect(status, (current) =>
        Effect.gen(function* () {
          const next = change(current, yield* now)
          yield* writePodStatus(store, owned.key, withForeignConditions(next, owned.latest)).pipe(
            Effect.catchTag('Invalid', (error) => Effect.logWarning(`process runtime: ${error.message}`)),
            Effect.catchTag('NotFound', () => Effect.void),
          )
          return next
        }),
      )

    yield* update((s) => s)

    // Deletion: SIGTERM now, SIGKILL after the grace period, no more starts or restarts.
    yield* Effect.forkScoped(
      Effect.gen(function* () {
        yield* Deferred.await(owned.deletionRequested)
        owned.terminating = true
        yield* Deferred.succeed(terminating, undefined)
        for (const child of owned.processes) child.signal('SIGTERM')
        yield* Effect.sleep(Duration.seconds(gracePeriodSeconds(owned.latest)))
        for (const child of owned.processes) child.signal('SIGKILL')
      }),
    )

    const logBuffer = (name: string): LogBuffer => {
      const existing = owned.logs.get(name)
      if (existing !== undefined) return existing
      const created = makeLogBuffer(settings.logLimit)
      owned.logs.set(name, created)
      return created
    }

    /** Runs a container until it ends for good; true when it exited 0. */
    const runContainer = (kind: ContainerKind, container: Container): Effect.Effect<boolean> =>
      Effect.gen(function* () {
        const log = logBuffer(container.name)
        let restartCount = 0
        let backoffStep = 0
        for (;;) {
          if (owned.terminating) return false
          const startedMs = yield* Clock.currentTimeMillis
          const startedAt = formatTime(startedMs)
          const resolved = resolveContainer(owned.latest, container, process.env)
          const workingDir = typeof container['workingDir'] === 'string' ? container['workingDir'] : settings.workingDirectory
          const outcome: { exitCode: number; reason?: string; message?: string } =
            resolved._tag === 'Unresolvable'
              ? { exitCode: 127, reason: resolved.reason, message: resolved.message }
              : yield* Effect.scoped(
                  Effect.gen(function* () {
                    const spawned = yield* Effect.either(
                      spawnProcess({
                        argv: resolved.argv,
                        env: resolved.env,
                        ...(workingDir !== undefined ? { cwd: workingDir } : {}),
                        onOutput: log.append,
                        liveGroups: owned.liveGroups,
                      }),
                    )
                    if (spawned._tag === 'Left') {
                      return { exitCode: 127, reason: 'StartError', message: spawned.left.message }
                    }
                    const child = spawned.right
                    owned.processes.add(child)
                    if (owned.terminating) child.signal('SIGTERM')
                    const count = restartCount
                    yield* update((s, t) =>
                      updateContainer(s, kind, container.name, (c) => runningContainer({ ...c, restartCount: count }, t, kind === 'app'), t),
                    )
                    const exitCode = yield* child.exited
                    owned.processes.delete(child)
                    return { exitCode }
                  }),
                )
          const finishedMs = yield* Clock.currentTimeMillis
          const terminated = {
            exitCode: outcome.exitCode,
            reason: outcome.reason ?? terminationReason(outcome.exitCode),
            ...(outcome.message !== undefined ? { message: outcome.message } : {}),
            startedAt,
            finishedAt: formatTime(finishedMs),
          }
          const count = restartCount
          if (owned.terminating || !shouldRestart(kind, policy, outcome.exitCode)) {
            yield* update((s, t) =>
              updateContainer(s, kind, container.name, (c) => terminatedContainer({ ...c, restartCount: count }, terminated), t),
            )
            return outcome.exitCode === 0
          }
          // A container that ran long enough (twice the cap, as the kubelet) starts its back-off afresh.
          if (finishedMs - startedMs >= 2 * settings.backoffMaxMs) backoffStep = 0
          const delay = Math.min(settings.backoffBaseMs * 2 ** backoffStep, settings.backoffMaxMs)
          backoffStep += 1
          const message = `back-off ${formatDelay(delay)} restarting failed container=${container.name} pod=${owned.key.name}_${owned.key.namespace}(${owned.uid})`
          yield* update((s, t) =>
            updateContainer(s, kind, container.name, (c) => restartingContainer({ ...c, restartCount: count }, terminated, message), t),
          )
          yield* Effect.raceFirst(Effect.sleep(Duration.millis(delay)), Deferred.await(terminating))
          restartCount += 1
        }
      })

    let initialized = true
    for (const container of pod.spec.initContainers ?? []) {
      if (!(yield* runContainer('init', container))) {
        initialized = false
        break
      }
    }
    if (initialized) {
      yield* Effect.forEach(pod.spec.containers, (container) => runContainer('app', container), {
        concurrency: 'unbounded',
        discard: true,
      })
    }
    if (owned.terminating) {
      yield* update((s, t) => terminateRemaining(s, t, () => ({ exitCode: SIGKILL_EXIT_CODE, reason: 'Error' })))
    }
  }).pipe(Effect.scoped)
}

/** The process runtime as a `PodRuntime`, taking pods from the `JobStore` it is given. */
export function layer(options?: ProcessRuntimeOptions): Layer.Layer<PodRuntime, never, JobStore> {
  return Layer.effect(PodRuntime, make(options))
}

/** Builds the runtime service (what `layer` provides). */
export function make(options?: ProcessRuntimeOptions): Effect.Effect<PodRuntimeService, never, JobStore> {
  return Effect.gen(function* () {
    const store = yield* JobStore
    const settings = settingsOf(options)
    const owned = new Map<string, OwnedPod>()
    let running = false

    const logs: PodRuntimeService['logs'] = (key, logOptions) =>
      Effect.suspend(() => {
        const pod = owned.get(keyString(key))
        if (pod === undefined) return Effect.fail(new NotFound({ kind: 'Pod', namespace: key.namespace, name: key.name }))
        const name = logOptions?.container ?? defaultContainer(pod.latest)
        if (name === undefined || !containerNames(pod.latest).includes(name)) {
          return Effect.fail(new NotFound({ kind: 'Pod', namespace: key.namespace, name: `${key.name}/${name ?? ''}` }))
        }
        return Effect.succeed(pod.logs.get(name)?.text() ?? '')
      })

    const start: PodRuntimeService['start'] = Effect.gen(function* () {
      if (running) return yield* Effect.logWarning('process runtime: start called while already running; ignored')
      running = true
      yield* Effect.addFinalizer(() => Effect.sync(() => void (running = false)))

      const liveGroups = new Set<number>()
      const killAll = (): void => {
        for (const pid of liveGroups) {
          try {
            process.kill(-pid, 'SIGKILL')
          } catch {
            // gone already
          }
        }
      }
      // Last resort: if the host process exits without closing the scope, no child outlives it.
      yield* Effect.acquireRelease(
        Effect.sync(() => process.on('exit', killAll)),
        () => Effect.sync(() => {
          process.off('exit', killAll)
          killAll()
        }),
      )

      const workers = yield* FiberMap.make<string>()
      const permits = yield* Effect.makeSemaphore(settings.maxConcurrentPods)
      const lock = yield* Effect.makeSemaphore(1)
      const candidates = new Map<string, Pod>()
      /** The uids of pods `takesPod` turned down: left to another node. */
      const declined = new Set<string>()
      const queue = yield* Queue.unbounded<string>()

      /** Gives the pod's slot back, once: when its containers are done, or when it is dropped. */
      const releaseSlot = (pod: OwnedPod): Effect.Effect<void> =>
        Effect.suspend(() => {
          if (!pod.holdsSlot) return Effect.void
          pod.holdsSlot = false
          return permits.release(1)
        })

      const drop = (pod: OwnedPod): Effect.Effect<void> =>
        Effect.gen(function* () {
          owned.delete(keyString(pod.key))
          yield* FiberMap.remove(workers, pod.uid)
          yield* releaseSlot(pod)
        })

      /**
       * A pod bound to this node that no process of ours runs: an earlier run of the runtime
       * took it and ended (a restart, a crash). Its containers are gone, as after a node
       * reboot, so it ends `Failed` with the kubelet's `ContainerStatusUnknown` (137), and a
       * pod being deleted goes.
       */
      const reportLost = (pod: Pod): Effect.Effect<void> =>
        Effect.gen(function* () {
          const now = formatTime(yield* Clock.currentTimeMillis)
          const known = pod.status?.containerStatuses === undefined ? initialStatus(pod, now) : pod.status
          const lost = terminateRemaining(known, now, () => ({
            exitCode: SIGKILL_EXIT_CODE,
            reason: 'ContainerStatusUnknown',
            message: 'The container could not be located when the pod was terminated',
          }))
          yield* Effect.logWarning(`process runtime: pod ${keyString(podKey(pod))} was running before this runtime started; its containers are gone`)
          yield* Effect.ignore(writePodStatus(store, podKey(pod), withForeignConditions(lost, pod)))
          if (pod.metadata.deletionTimestamp !== undefined) yield* deletePodNow(store, podKey(pod), pod.metadata.uid)
        })

      const changed = (pod: Pod): Effect.Effect<void> =>
        Effect.gen(function* () {
          const k = keyString(podKey(pod))
          const mine = owned.get(k)
          if (mine !== undefined && mine.uid !== pod.metadata.uid) yield* drop(mine)
          else if (mine !== undefined) {
            mine.latest = pod
            if (pod.metadata.deletionTimestamp !== undefined) yield* Deferred.succeed(mine.deletionRequested, undefined)
            return
          }
          if (pod.spec.nodeName === settings.nodeName && !isTerminalPhase(pod.status?.phase)) {
            yield* reportLost(pod)
            return
          }
          if (isUnboundAndRunnable(pod) && !declined.has(pod.metadata.uid ?? '')) {
            const isNew = !candidates.has(k)
            candidates.set(k, pod)
            if (isNew) yield* Queue.offer(queue, k)
          } else candidates.delete(k)
        })

      const handle = (event: PodEvent): Effect.Effect<void> =>
        lock.withPermits(1)(
          Effect.gen(function* () {
            switch (event._tag) {
              case 'Listed': {
                const present = new Set(event.pods.map((p) => keyString(podKey(p))))
                for (const [k, pod] of owned) if (!present.has(k)) yield* drop(pod)
                for (const k of candidates.keys()) if (!present.has(k)) candidates.delete(k)
                const presentUids = new Set(event.pods.map((p) => p.metadata.uid ?? ''))
                for (const uid of declined) if (!presentUids.has(uid)) declined.delete(uid)
                for (const pod of event.pods) yield* changed(pod)
                return
              }
              case 'Changed':
                return yield* changed(event.pod)
              case 'Deleted': {
                const k = keyString(podKey(event.pod))
                candidates.delete(k)
                declined.delete(event.pod.metadata.uid ?? '')
                const mine = owned.get(k)
                if (mine !== undefined && mine.uid === event.pod.metadata.uid) yield* drop(mine)
                return
              }
            }
          }),
        )

      const worker = (pod: OwnedPod): Effect.Effect<void> =>
        Effect.gen(function* () {
          yield* runPod(store, settings, pod).pipe(Effect.ensuring(releaseSlot(pod)))
          yield* Deferred.await(pod.deletionRequested)
          yield* deletePodNow(store, pod.key, pod.uid)
        })

      /** Takes the next pod still waiting for a node. */
      const nextCandidate: Effect.Effect<Pod> = Effect.gen(function* () {
        for (;;) {
          const k = yield* Queue.take(queue)
          const pod = candidates.get(k)
          if (pod !== undefined && !owned.has(k)) return pod
        }
      })

      const bindOne = (pod: Pod): Effect.Effect<boolean> =>
        lock.withPermits(1)(
          Effect.gen(function* () {
            const key = podKey(pod)
            const k = keyString(key)
            const current = candidates.get(k)
            if (current === undefined || owned.has(k)) return false
            candidates.delete(k)
            const bound = yield* Effect.either(store.bindPod(key, settings.nodeName))
            if (bound._tag === 'Left') {
              if (bound.left._tag === 'StoreUnavailable') {
                candidates.set(k, current)
                yield* Queue.offer(queue, k)
              }
              if (bound.left._tag !== 'NotFound' && bound.left._tag !== 'Conflict') {
                yield* Effect.logWarning(`process runtime: binding pod ${k} failed: ${bound.left.message}`)
              }
              return false
            }
            const pod2 = bound.right
            if (pod2.spec.nodeName !== settings.nodeName || pod2.metadata.uid !== current.metadata.uid) return false
            const mine: OwnedPod = {
              key,
              uid: pod2.metadata.uid ?? '',
              latest: pod2,
              logs: new Map(),
              processes: new Set(),
              liveGroups,
              deletionRequested: yield* Deferred.make<void>(),
              terminating: false,
              holdsSlot: true,
            }
            owned.set(k, mine)
            if (pod2.metadata.deletionTimestamp !== undefined) yield* Deferred.succeed(mine.deletionRequested, undefined)
            yield* FiberMap.run(workers, mine.uid, worker(mine))
            return true
          }),
        )

      const scheduler = Effect.gen(function* () {
        for (;;) {
          yield* permits.take(1)
          const pod = yield* nextCandidate
          if (!(yield* settings.takesPod(pod))) {
            declined.add(pod.metadata.uid ?? '')
            candidates.delete(keyString(podKey(pod)))
            yield* permits.release(1)
            continue
          }
          const taken = yield* bindOne(pod)
          if (!taken) {
            yield* permits.release(1)
            if (candidates.has(keyString(podKey(pod)))) {
              // The store was unavailable: give it a moment before the next try.
              yield* Effect.sleep('1 second')
            }
          }
        }
      })

      yield* Effect.forkScoped(followPods(store, handle))
      yield* Effect.forkScoped(scheduler)
    })

    return { nodeName: settings.nodeName, start, logs }
  })
}
