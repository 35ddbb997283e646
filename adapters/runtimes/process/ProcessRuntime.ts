/**
 * The local process runtime: plays the kubelet on this host. It binds pods from the store
 * (at most `maxConcurrentPods` at a time), runs each container's `command` + `args` as a
 * process and writes the pod's status back, as the kubelet would:
 *
 * - Each run of a container has a small supervisor (`supervisorScript.ts`): started detached
 *   with an empty environment, it starts the container's process in its own process group with
 *   exactly the pod's environment, appends its stdout and stderr to the container's log file and
 *   records the exit in a file (`podJournal.ts`). With `stateDirectory`, containers outlive the
 *   runtime: a runtime started later on the same directory adopts the runs that still go and
 *   reports the recorded results of those that ended, as a kubelet does after its own restart;
 *   closing the scope (a graceful stop) leaves them running. Without it the runs live in a
 *   temporary directory and die with the runtime (scope closed, or the process gone).
 * - A pod bound to this node whose containers are gone (their supervisor died without a
 *   record, the machine rebooted, or no earlier runtime left anything to adopt) is a node
 *   failure, not a container failure: it ends `Failed` with `ContainerStatusUnknown` (137) and
 *   the `DisruptionTarget` condition pod GC sets for pods of a lost node (`DeletionByPodGC`), so
 *   a pod failure policy can ignore it.
 * - No shell and no image: `image` is only recorded (`image: perl` with `command: [perl, …]`
 *   runs the host's `perl`). The environment is the container's `env` (values and
 *   `fieldRef`s), `HOSTNAME` and `PATH` (see `env.ts`); `$(NAME)` sees only spec variables.
 * - Init containers run first, one by one; then the app containers together. At most
 *   `maxConcurrentContainerStarts` containers (of all pods) are being started at once.
 * - The pod's status is written whole, as the kubelet writes it, but at most one write per pod is
 *   in flight: changes made meanwhile (or within `statusBatchMs`, or while a batch of its
 *   containers is being started) go into the next write, so a wide pod costs the store in
 *   proportion to its size, not to its size squared. The final status is always written.
 * - stdout and stderr are kept together as the container's log, across restarts; `logs` shows
 *   the last 10 MiB by default. Logs live as long as the pod does in the store.
 * - `restartPolicy`: `OnFailure` restarts a failed container in place after 10 s, 20 s, 40 s…
 *   up to 5 minutes; `Never` ends the pod `Failed` once its containers are done.
 * - A container without `command` cannot run here (its image's entrypoint is unknown): it
 *   ends with exit code 127 and reason `RunContainerError`; a program that cannot be started
 *   ends with 127 and `StartError`.
 * - Deletion (`deletionTimestamp`): SIGTERM to each process group, SIGKILL after the grace
 *   period, the final status (143 / 137 for a process a signal ended), then a delete with
 *   grace 0. A pod removed from the store is killed at once, and so is a run left by an earlier
 *   runtime whose pod is no longer in the store: no container runs unseen.
 *
 * Transition times, back-off and grace periods use effect's `Clock`; container start and finish
 * times are the supervisor's.
 */
import * as fs from 'node:fs'
import { availableParallelism, hostname, tmpdir } from 'node:os'
import * as path from 'node:path'
import { Clock, Deferred, Duration, Effect, FiberMap, Layer, Queue, Schedule } from 'effect'
import { NotFound } from '../../ports/errors.js'
import { JobStore, type JobStoreService, type ObjectKey } from '../../ports/JobStore.js'
import { PodRuntime, type PodRuntimeService } from '../../ports/PodRuntime.js'
import type { Container, ContainerStatus, Pod, PodStatus, RestartPolicy } from '../../../core/model/types.js'
import { isDns1123Label } from '../../../core/model/names.js'
import { formatTime } from '../../../core/model/time.js'
import { followPods, type PodEvent } from '../kubelet/podEvents.js'
import {
  gracePeriodSeconds,
  initialStatus,
  isTerminalPhase,
  isUnboundAndRunnable,
  keyString,
  lostPodStatus,
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
import * as StatusManager from '../kubelet/statusManager.js'
import { resolveContainer } from './env.js'
import {
  abandon,
  DEFAULT_LOG_LIMIT_BYTES,
  hasPodDirectory,
  installSupervisor,
  killOrphanedContainer,
  latestRun,
  logFileOf,
  podUids,
  readLogTail,
  readRun,
  readSpec,
  removePodDirectory,
  runRef,
  runsOf,
  supervisorAlive,
  type RunRef,
  type RunSpec,
} from './podJournal.js'
import { adoptRun, describeStartError, startRun, type RunEnd, type RunHandle, type SupervisorSettings } from './supervisedRun.js'

/** How the process runtime behaves; every field has a default. */
export interface ProcessRuntimeOptions {
  /** Pods running at once; the others stay `Pending` and unbound until a slot frees. Default: 4 × CPU count. */
  readonly maxConcurrentPods?: number
  /**
   * Containers being started at once, across all pods: a start lasts from preparing the run until
   * its supervisor has claimed it (a process is being launched); the other starts wait their
   * turn. Running containers do not count. Default: 2 × CPU count.
   */
  readonly maxConcurrentContainerStarts?: number
  /**
   * How long a pod's status write waits for more changes to go with it; at most one write per pod
   * is in flight, and changes made meanwhile go into the next. Default: 100 ms.
   */
  readonly statusBatchMs?: number
  /** The node name written to `spec.nodeName`. Default: this host's name. */
  readonly nodeName?: string
  /** The first back-off before restarting a failed container (`OnFailure`); it doubles per restart. Default: 10 s, as the kubelet. */
  readonly restartBackoffBaseMs?: number
  /** The longest back-off. Default: 5 minutes, as the kubelet. */
  readonly restartBackoffMaxMs?: number
  /** Output `logs` shows per container; older output is left out with a note. Default: 10 MiB. */
  readonly maxLogBytesPerContainer?: number
  /** Working directory of containers without `workingDir`. Default: this process's. */
  readonly workingDirectory?: string
  /**
   * Where the runs of containers and their logs are kept. Given, containers outlive the runtime
   * (a crash or a graceful stop), and a runtime started later on the same directory and store
   * adopts them. Default: a temporary directory, removed at the end; containers die with the runtime.
   */
  readonly stateDirectory?: string
  /**
   * Whether to take an unbound pod. Default: every one, as the only node of an embedded store.
   * Beside a cluster's scheduler, a runtime must take only the pods meant for it.
   */
  readonly takesPod?: (pod: Pod) => Effect.Effect<boolean>
}

/** Pods running at once when not told: four per CPU. */
export const defaultMaxConcurrentPods = (): number => 4 * availableParallelism()

/** Containers being started at once when not told: two per CPU (a start is mostly a process launch, CPU-bound). */
export const defaultMaxConcurrentContainerStarts = (): number => 2 * availableParallelism()

/** The kubelet's container back-off: 10 s doubling to 5 minutes. */
export const DEFAULT_RESTART_BACKOFF_BASE_MS = 10_000
export const DEFAULT_RESTART_BACKOFF_MAX_MS = 300_000

/** A pod this runtime has bound (or adopted), until the store forgets it. */
interface OwnedPod {
  readonly key: ObjectKey
  readonly uid: string
  /** The latest version seen in the store. */
  latest: Pod
  /** Its runs in progress. */
  readonly runs: Set<RunHandle>
  /** Completed when the pod gets a `deletionTimestamp`. */
  readonly deletionRequested: Deferred.Deferred<void>
  terminating: boolean
  /** Whether it still holds one of the `maxConcurrentPods` slots (until its containers are done). */
  holdsSlot: boolean
  /** Bound to this node before this runtime started: its runs are picked up from the journal. */
  readonly resumed: boolean
  /** A run went without a record: the pod is reported lost. */
  lost: boolean
}

interface Settings {
  readonly nodeName: string
  readonly maxConcurrentPods: number
  readonly maxConcurrentContainerStarts: number
  readonly statusBatchMs: number
  readonly backoffBaseMs: number
  readonly backoffMaxMs: number
  readonly logLimit: number
  readonly workingDirectory: string | undefined
  readonly stateDirectory: string | undefined
  readonly takesPod: (pod: Pod) => Effect.Effect<boolean>
}

/** Where the runs of one `start` live and how they are started. */
interface Host {
  readonly root: string
  readonly supervisor: SupervisorSettings
  /** One permit per container start in progress, shared by every pod (`maxConcurrentContainerStarts`). */
  readonly startPermits: Effect.Semaphore
  /** Whether closing a run's scope kills it: always without a state directory, else unless the runtime is stopping. */
  readonly stopWithScope: () => boolean
}

function settingsOf(options: ProcessRuntimeOptions | undefined): Settings {
  return {
    nodeName: options?.nodeName ?? hostname().toLowerCase(),
    maxConcurrentPods: Math.max(1, options?.maxConcurrentPods ?? defaultMaxConcurrentPods()),
    maxConcurrentContainerStarts: Math.max(1, options?.maxConcurrentContainerStarts ?? defaultMaxConcurrentContainerStarts()),
    statusBatchMs: options?.statusBatchMs ?? StatusManager.DEFAULT_STATUS_BATCH_MS,
    backoffBaseMs: options?.restartBackoffBaseMs ?? DEFAULT_RESTART_BACKOFF_BASE_MS,
    backoffMaxMs: options?.restartBackoffMaxMs ?? DEFAULT_RESTART_BACKOFF_MAX_MS,
    logLimit: options?.maxLogBytesPerContainer ?? DEFAULT_LOG_LIMIT_BYTES,
    workingDirectory: options?.workingDirectory,
    stateDirectory: options?.stateDirectory,
    takesPod: options?.takesPod ?? (() => Effect.succeed(true)),
  }
}

const now = Effect.map(Clock.currentTimeMillis, formatTime)

/** The container `kubectl logs` shows when none is named: the annotated default, else the first. */
function defaultContainer(pod: Pod): string | undefined {
  return pod.metadata.annotations?.['kubectl.kubernetes.io/default-container'] ?? pod.spec.containers[0]?.name
}

function containersOf(pod: Pod): ReadonlyArray<{ readonly kind: ContainerKind; readonly name: string }> {
  return [
    ...(pod.spec.initContainers ?? []).map((c) => ({ kind: 'init' as const, name: c.name })),
    ...pod.spec.containers.map((c) => ({ kind: 'app' as const, name: c.name })),
  ]
}

function formatDelay(ms: number): string {
  return Duration.format(Duration.millis(ms))
}

/** Whether a container's files can be named after it: the API server allows only DNS-1123 labels, a store's bare pod may not have one. */
const hasFileName = (name: string): boolean => isDns1123Label(name).length === 0

/** Whether the status shows a container that has run: its process existed on this node. */
function hasStarted(status: PodStatus | undefined): boolean {
  const started = (c: ContainerStatus): boolean =>
    c.state?.running !== undefined || c.state?.terminated !== undefined || c.lastState?.terminated !== undefined
  return [...(status?.initContainerStatuses ?? []), ...(status?.containerStatuses ?? [])].some(started)
}

/**
 * Whether an earlier runtime left this pod without a way to know what its containers did: a
 * run whose supervisor is gone without a record (killed, or another boot of the machine), or a
 * pod that had started with no journal at all here.
 */
function leftWithoutRecord(root: string, pod: Pod): boolean {
  const uid = pod.metadata.uid ?? ''
  if (!hasPodDirectory(root, uid)) return hasStarted(pod.status)
  return containersOf(pod).some(({ kind, name }) => {
    const run = latestRun(root, uid, kind, name)
    if (run === undefined) return false
    const state = readRun(run)
    return state._tag === 'Claimed' && !supervisorAlive(run, state)
  })
}

/**
 * Kills every run of the pod that may still go: through its supervisor (SIGKILL to the
 * container's group), or, with the supervisor gone, the container's group itself.
 */
function killLiveRuns(root: string, uid: string): void {
  for (const run of runsOf(root, uid)) {
    const state = readRun(run)
    if (state._tag !== 'Claimed') continue
    if (!supervisorAlive(run, state)) {
      killOrphanedContainer(run, state)
      continue
    }
    try {
      process.kill(state.pid, 'SIGUSR2')
    } catch {
      // Gone in between.
    }
  }
}

function removePodFiles(root: string, uid: string): void {
  try {
    removePodDirectory(root, uid)
  } catch {
    // Left for the next start's clean-up.
  }
}

/** Whether a supervisor may still write into the pod's directory (its exit record comes after the kill). */
function hasLiveSupervisor(root: string, uid: string): boolean {
  return runsOf(root, uid).some((run) => {
    const state = readRun(run)
    return state._tag === 'Claimed' && supervisorAlive(run, state)
  })
}

/** How long a killed supervisor gets to write its exit record and end before its files go anyway. */
const SUPERVISOR_EXIT_WAIT = Duration.seconds(30)

/**
 * Kills what still runs for a pod the store no longer has, then removes its files once every
 * supervisor has ended: removing them while a supervisor writes its exit record would leave the
 * directory behind (the record lands in the middle of the removal).
 */
function killAndRemovePodFiles(root: string, uid: string): Effect.Effect<void> {
  return Effect.sync(() => killLiveRuns(root, uid)).pipe(
    Effect.zipRight(
      Effect.sync(() => hasLiveSupervisor(root, uid)).pipe(
        Effect.repeat({ while: (live) => live, schedule: Schedule.spaced('50 millis') }),
        Effect.timeout(SUPERVISOR_EXIT_WAIT),
        Effect.ignore,
      ),
    ),
    Effect.zipRight(Effect.sync(() => removePodFiles(root, uid))),
  )
}

/** How a run ended, as the status needs it. */
type Outcome =
  | {
      readonly _tag: 'Exited'
      readonly exitCode: number
      readonly reason?: string
      readonly message?: string
      readonly startedAtMs: number
      readonly finishedAtMs: number
    }
  | { readonly _tag: 'Lost' }
  /** The pod was deleted (or lost) while the run waited for its turn to start: it never started. */
  | { readonly _tag: 'NotStarted' }

function outcomeOf(end: RunEnd, spec: Pick<RunSpec, 'argv' | 'cwd'> | undefined): Outcome {
  if (end._tag === 'Lost') return end
  const base = { _tag: 'Exited' as const, exitCode: end.exitCode, startedAtMs: end.startedAtMs, finishedAtMs: end.finishedAtMs }
  if (end.startError === undefined) return base
  return { ...base, reason: 'StartError', message: describeStartError(spec?.argv[0] ?? '', end.startError, spec?.cwd) }
}

/** Runs one pod from binding (or adoption) to its final status. */
function runPod(store: JobStoreService, settings: Settings, host: Host, owned: OwnedPod): Effect.Effect<void> {
  return Effect.gen(function* () {
    const pod = owned.latest
    const policy: RestartPolicy = restartPolicyOf(pod)
    const terminating = yield* Deferred.make<void>()
    const first = owned.resumed && pod.status?.containerStatuses !== undefined ? pod.status : initialStatus(pod, yield* now)
    // Written at once, then at most one write in flight with later changes merged (statusManager.ts).
    const statuses = yield* StatusManager.make(first, (next) =>
      writePodStatus(store, owned.key, withForeignConditions(next, owned.latest)).pipe(
        Effect.catchTags({
          Invalid: (error) => Effect.logWarning(`process runtime: ${error.message}`),
          TooLarge: (error) => Effect.logWarning(`process runtime: the status of pod ${keyString(owned.key)} was refused: ${error.message}`),
        }),
        Effect.catchTag('NotFound', () => Effect.void), // gone from the store: the watch drops the pod
        Effect.asVoid,
      ),
      { batchMs: settings.statusBatchMs },
    )

    /** Applies a change to the pod's status; its write follows. */
    const update = (change: (status: PodStatus, now: string) => PodStatus): Effect.Effect<void> =>
      Effect.flatMap(now, (t) => statuses.update((current) => change(current, t)))

    // Deletion: SIGTERM now, SIGKILL after the grace period, no more starts or restarts.
    yield* Effect.forkScoped(
      Effect.gen(function* () {
        yield* Deferred.await(owned.deletionRequested)
        owned.terminating = true
        yield* Deferred.succeed(terminating, undefined)
        for (const run of owned.runs) run.signal('SIGTERM')
        yield* Effect.sleep(Duration.seconds(gracePeriodSeconds(owned.latest)))
        for (const run of owned.runs) run.signal('SIGKILL')
      }),
    )

    /** Follows a run that has started until it ends, with the container shown running meanwhile. */
    const follow = (kind: ContainerKind, name: string, restartCount: number, spec: Pick<RunSpec, 'argv' | 'cwd'> | undefined) => (handle: RunHandle) =>
      Effect.gen(function* () {
        owned.runs.add(handle)
        if (owned.terminating) handle.signal('SIGTERM')
        if (owned.lost) handle.signal('SIGKILL')
        const startedAt = formatTime(handle.startedAtMs)
        yield* update((s, t) => updateContainer(s, kind, name, (c) => runningContainer({ ...c, restartCount }, startedAt, kind === 'app'), t))
        const end = yield* handle.ended
        owned.runs.delete(handle)
        return outcomeOf(end, spec)
      })

    /** Starts a new run of the container. */
    const newRun = (kind: ContainerKind, container: Container, seq: number, restartCount: number): Effect.Effect<Outcome> =>
      Effect.gen(function* () {
        const resolved = hasFileName(container.name)
          ? resolveContainer(owned.latest, container, process.env['PATH'])
          : ({ _tag: 'Unresolvable', reason: 'CreateContainerConfigError', message: `container name "${container.name}" is not a DNS-1123 label` } as const)
        if (resolved._tag === 'Unresolvable') {
          const at = yield* Clock.currentTimeMillis
          return { _tag: 'Exited', exitCode: 127, reason: resolved.reason, message: resolved.message, startedAtMs: at, finishedAtMs: at } as const
        }
        const workingDir = typeof container['workingDir'] === 'string' ? container['workingDir'] : settings.workingDirectory
        const spec: RunSpec = {
          argv: resolved.argv,
          env: resolved.env,
          ...(workingDir !== undefined ? { cwd: workingDir } : {}),
          logFile: logFileOf(host.root, owned.uid, container.name),
          restartCount,
        }
        const run = runRef(host.root, owned.uid, kind, container.name, seq)
        // The permit covers the launch only: it is given back once the run is claimed (or ended).
        // A pod deleted (or lost) while its start waited for a permit starts nothing more.
        const launched = host.startPermits.withPermits(1)(
          Effect.suspend(() => (owned.terminating || owned.lost ? Effect.succeed(undefined) : startRun(host.supervisor, run, spec, host.stopWithScope))),
        )
        return yield* Effect.scoped(
          Effect.flatMap(statuses.holdWhile(launched), (started): Effect.Effect<Outcome> => {
            if (started === undefined) return Effect.succeed({ _tag: 'NotStarted' })
            return 'ended' in started ? follow(kind, container.name, restartCount, spec)(started) : Effect.succeed(outcomeOf(started, spec))
          }),
        )
      })

    /** Picks up the latest run an earlier runtime prepared; `undefined` when it never ran. */
    const resumeRun = (kind: ContainerKind, name: string, run: RunRef, restartCount: number): Effect.Effect<Outcome | undefined> =>
      Effect.gen(function* () {
        const spec = readSpec(run)
        for (;;) {
          const state = readRun(run)
          switch (state._tag) {
            case 'Exited':
              return outcomeOf(state, spec)
            case 'Abandoned':
              return undefined
            case 'Unclaimed':
              // No supervisor claimed it (the runtime went right after preparing it): make sure none will.
              if (abandon(run)) return undefined
              continue
            case 'Claimed':
              if (!supervisorAlive(run, state)) {
                killOrphanedContainer(run, state)
                return { _tag: 'Lost' } as const
              }
              return yield* Effect.scoped(Effect.flatMap(adoptRun(run, state, host.stopWithScope), follow(kind, name, restartCount, spec)))
          }
        }
      })

    /** Runs a container until it ends for good; true when it exited 0. */
    const runContainer = (kind: ContainerKind, container: Container): Effect.Effect<boolean> =>
      Effect.gen(function* () {
        let pending = owned.resumed ? latestRun(host.root, owned.uid, kind, container.name) : undefined
        let seq = pending === undefined ? 0 : pending.seq + 1
        let restartCount = pending === undefined ? 0 : (readSpec(pending)?.restartCount ?? 0)
        let backoffStep = restartCount
        for (;;) {
          let outcome: Outcome
          if (pending !== undefined) {
            const resumed = yield* resumeRun(kind, container.name, pending, restartCount)
            pending = undefined
            if (resumed === undefined) continue
            outcome = resumed
          } else {
            if (owned.terminating || owned.lost) return false
            outcome = yield* newRun(kind, container, seq, restartCount)
            seq += 1
          }
          if (outcome._tag === 'NotStarted') return false
          if (outcome._tag === 'Lost') {
            // Its fate is unknown: the whole pod is reported lost, its other containers stopped.
            owned.lost = true
            for (const run of owned.runs) run.signal('SIGKILL')
            return false
          }
          const terminated = {
            exitCode: outcome.exitCode,
            reason: outcome.reason ?? terminationReason(outcome.exitCode),
            ...(outcome.message !== undefined ? { message: outcome.message } : {}),
            startedAt: formatTime(outcome.startedAtMs),
            finishedAt: formatTime(outcome.finishedAtMs),
          }
          const count = restartCount
          if (owned.terminating || owned.lost || !shouldRestart(kind, policy, outcome.exitCode)) {
            yield* update((s, t) =>
              updateContainer(s, kind, container.name, (c) => terminatedContainer({ ...c, restartCount: count }, terminated), t),
            )
            return outcome.exitCode === 0
          }
          // A container that ran long enough (twice the cap, as the kubelet) starts its back-off afresh.
          if (outcome.finishedAtMs - outcome.startedAtMs >= 2 * settings.backoffMaxMs) backoffStep = 0
          const delay = Math.min(settings.backoffBaseMs * 2 ** backoffStep, settings.backoffMaxMs)
          backoffStep += 1
          const message = `back-off ${formatDelay(delay)} restarting failed container=${container.name} pod=${owned.key.name}_${owned.key.namespace}(${owned.uid})`
          yield* update((s, t) =>
            updateContainer(s, kind, container.name, (c) => restartingContainer({ ...c, restartCount: count }, terminated, message), t),
          )
          // Counted from the exit, which may have been seen by an earlier runtime.
          const waited = Math.max(0, (yield* Clock.currentTimeMillis) - outcome.finishedAtMs)
          const remaining = Math.max(0, Math.min(delay, delay - waited))
          yield* Effect.raceFirst(Effect.sleep(Duration.millis(remaining)), Deferred.await(terminating))
          restartCount += 1
        }
      })

    if (owned.resumed && leftWithoutRecord(host.root, pod)) {
      owned.lost = true
      killLiveRuns(host.root, owned.uid)
    } else {
      let initialized = true
      for (const container of pod.spec.initContainers ?? []) {
        if (!(yield* runContainer('init', container))) {
          initialized = false
          break
        }
      }
      if (initialized && !owned.lost) {
        yield* Effect.forEach(pod.spec.containers, (container) => runContainer('app', container), {
          concurrency: 'unbounded',
          discard: true,
        })
      }
    }
    if (owned.lost) {
      yield* Effect.logWarning(`process runtime: the containers of pod ${keyString(owned.key)} are gone (their supervisor went without a record); the pod failed as on a lost node`)
      yield* update((s, t) => lostPodStatus(s, t))
    } else if (owned.terminating) {
      yield* update((s, t) => terminateRemaining(s, t, () => ({ exitCode: SIGKILL_EXIT_CODE, reason: 'Error' })))
    }
    // The final status is in the store before the pod counts as done (and before its final delete).
    yield* statuses.flush
  }).pipe(Effect.scoped)
}

/** The process runtime as a `PodRuntime`, taking pods from the `JobStore` it is given. */
export function layer(options?: ProcessRuntimeOptions): Layer.Layer<PodRuntime, never, JobStore> {
  return Layer.effect(PodRuntime, make(options))
}

/** A temporary state directory, removed with the scope (after the runs, which close first). */
const temporaryRoot = Effect.acquireRelease(
  Effect.sync(() => fs.mkdtempSync(path.join(tmpdir(), 'job-reconciler-pods-'))),
  (dir) => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true })),
)

/** Builds the runtime service (what `layer` provides). */
export function make(options?: ProcessRuntimeOptions): Effect.Effect<PodRuntimeService, never, JobStore> {
  return Effect.gen(function* () {
    const store = yield* JobStore
    const settings = settingsOf(options)
    const owned = new Map<string, OwnedPod>()
    /** Pods bound to this node that it does not run (finished before it started): their logs are still here. */
    const others = new Map<string, Pod>()
    let running = false
    let root: string | undefined

    const logs: PodRuntimeService['logs'] = (key, logOptions) =>
      Effect.suspend(() => {
        const k = keyString(key)
        const pod = owned.get(k)?.latest ?? others.get(k)
        const uid = pod?.metadata.uid ?? ''
        if (pod === undefined || root === undefined || (!owned.has(k) && !hasPodDirectory(root, uid))) {
          return Effect.fail(new NotFound({ kind: 'Pod', namespace: key.namespace, name: key.name }))
        }
        const name = logOptions?.container ?? defaultContainer(pod)
        if (name === undefined || !hasFileName(name) || !containersOf(pod).some((c) => c.name === name)) {
          return Effect.fail(new NotFound({ kind: 'Pod', namespace: key.namespace, name: `${key.name}/${name ?? ''}` }))
        }
        return Effect.succeed(readLogTail(logFileOf(root, uid, name), settings.logLimit) ?? '')
      })

    const start: PodRuntimeService['start'] = Effect.gen(function* () {
      if (running) return yield* Effect.logWarning('process runtime: start called while already running; ignored')
      running = true
      yield* Effect.addFinalizer(() => Effect.sync(() => void (running = false)))

      const persistent = settings.stateDirectory !== undefined
      const stateRoot = settings.stateDirectory ?? (yield* temporaryRoot)
      const program = yield* Effect.try(() => installSupervisor(stateRoot)).pipe(Effect.orDie)
      root = stateRoot
      let stopping = false
      const host: Host = {
        root: stateRoot,
        supervisor: { program, attached: !persistent },
        startPermits: yield* Effect.makeSemaphore(settings.maxConcurrentContainerStarts),
        stopWithScope: () => !persistent || !stopping,
      }

      const runtimeScope = yield* Effect.scope
      const workers = yield* FiberMap.make<string>()
      // Runs first when the scope closes (finalizers run in reverse): the workers are then
      // interrupted as a graceful stop, which leaves the containers of a persistent runtime alone.
      yield* Effect.addFinalizer(() => Effect.sync(() => void (stopping = true)))
      const permits = yield* Effect.makeSemaphore(settings.maxConcurrentPods)
      const lock = yield* Effect.makeSemaphore(1)
      const candidates = new Map<string, Pod>()
      /** The uids of pods `takesPod` turned down: left to another node. */
      const declined = new Set<string>()
      const queue = yield* Queue.unbounded<string>()
      /** Completed once the first listing has been taken over; the scheduler waits for it. */
      const adopted = yield* Deferred.make<void>()

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
          removePodFiles(stateRoot, pod.uid)
        })

      /** Stops and clears a pod the store no longer has; the waiting for its supervisors runs beside the event handling. */
      const forget = (k: string, uid: string): Effect.Effect<void> =>
        Effect.suspend(() => {
          others.delete(k)
          return Effect.asVoid(Effect.forkIn(killAndRemovePodFiles(stateRoot, uid), runtimeScope))
        })

      /**
       * A pod bound to this node, not finished, that this runtime did not take and an earlier
       * one did not leave to adopt (it showed up bound after the first listing): nothing here
       * runs it, as after losing a node, so it fails as pod GC fails the pods of a lost node
       * (`DisruptionTarget`), and a pod being deleted goes.
       */
      const reportLost = (pod: Pod): Effect.Effect<void> =>
        Effect.gen(function* () {
          const now = formatTime(yield* Clock.currentTimeMillis)
          const known = pod.status?.containerStatuses === undefined ? initialStatus(pod, now) : pod.status
          yield* Effect.logWarning(`process runtime: pod ${keyString(podKey(pod))} is bound to this node but nothing here runs it; it failed as on a lost node`)
          yield* Effect.ignore(writePodStatus(store, podKey(pod), withForeignConditions(lostPodStatus(known, now), pod)))
          if (pod.metadata.deletionTimestamp !== undefined) yield* deletePodNow(store, podKey(pod), pod.metadata.uid)
        })

      const worker = (pod: OwnedPod): Effect.Effect<void> =>
        Effect.gen(function* () {
          yield* runPod(store, settings, host, pod).pipe(Effect.ensuring(releaseSlot(pod)))
          yield* Deferred.await(pod.deletionRequested)
          yield* deletePodNow(store, pod.key, pod.uid)
        })

      const own = (pod: Pod, resumed: boolean, holdsSlot: boolean): Effect.Effect<void> =>
        Effect.gen(function* () {
          const key = podKey(pod)
          const mine: OwnedPod = {
            key,
            uid: pod.metadata.uid ?? '',
            latest: pod,
            runs: new Set(),
            deletionRequested: yield* Deferred.make<void>(),
            terminating: false,
            holdsSlot,
            resumed,
            lost: false,
          }
          owned.set(keyString(key), mine)
          if (pod.metadata.deletionTimestamp !== undefined) yield* Deferred.succeed(mine.deletionRequested, undefined)
          yield* FiberMap.run(workers, mine.uid, worker(mine))
        })

      /**
       * The first listing: takes over the pods an earlier runtime bound to this node (each
       * holds a slot, as far as there are slots), and stops what runs for pods the store no
       * longer has or that are finished.
       */
      const adopt = (pods: ReadonlyArray<Pod>): Effect.Effect<void> =>
        Effect.gen(function* () {
          const byUid = new Map(pods.map((p) => [p.metadata.uid ?? '', p]))
          for (const uid of podUids(stateRoot)) {
            const pod = byUid.get(uid)
            if (pod === undefined) yield* forget('', uid)
            else if (isTerminalPhase(pod.status?.phase) || pod.spec.nodeName !== settings.nodeName) killLiveRuns(stateRoot, uid)
          }
          let slots = settings.maxConcurrentPods
          for (const pod of pods) {
            if (pod.spec.nodeName !== settings.nodeName || isTerminalPhase(pod.status?.phase)) continue
            const holdsSlot = slots > 0
            if (holdsSlot) {
              slots -= 1
              yield* permits.take(1)
            }
            yield* own(pod, true, holdsSlot)
          }
          yield* Deferred.succeed(adopted, undefined)
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
          if (pod.spec.nodeName === settings.nodeName) {
            if (!isTerminalPhase(pod.status?.phase)) return yield* reportLost(pod)
            others.set(k, pod)
            // Finished while a graceful deletion waited for it: the kubelet's final delete.
            if (pod.metadata.deletionTimestamp !== undefined && (pod.metadata.deletionGracePeriodSeconds ?? 0) > 0) {
              yield* deletePodNow(store, podKey(pod), pod.metadata.uid)
            }
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
                if (!(yield* Deferred.isDone(adopted))) yield* adopt(event.pods)
                const present = new Set(event.pods.map((p) => keyString(podKey(p))))
                for (const [k, pod] of owned) if (!present.has(k)) yield* drop(pod)
                for (const [k, pod] of others) if (!present.has(k)) yield* forget(k, pod.metadata.uid ?? '')
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
                const other = others.get(k)
                if (other !== undefined && other.metadata.uid === event.pod.metadata.uid) yield* forget(k, other.metadata.uid ?? '')
                return
              }
            }
          }),
        )

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
            yield* own(pod2, false, true)
            return true
          }),
        )

      const scheduler = Effect.gen(function* () {
        yield* Deferred.await(adopted)
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
