/**
 * `jobctl run -f FILE`: the zero-setup path. Starts the engine in-process (the controller and
 * the local process runtime) on the store (memory by default), applies the Jobs, shows their
 * progress until every one has finished, then prints the logs (`--logs`) and the `describe`
 * view. Exit code 0 when every Job completed, 1 when one failed. SIGINT/SIGTERM suspend the
 * Jobs, so their pods are stopped with SIGTERM and their grace period, before exiting.
 */
import { Clock, Effect, Fiber, Option, Stream } from 'effect'
import type { Job, Pod } from '../../../core/model/types.js'
import { isFinished } from '../../../core/reconcile/conditions.js'
import { JobStore, type ObjectKey } from '../../ports/JobStore.js'
import { PodRuntime } from '../../ports/PodRuntime.js'
import { booleanFlag } from '../args.js'
import { FILENAME_FLAG, RECURSIVE_FLAG, type Command, type CommandContext } from '../command.js'
import { ExitCode, InputError, StoreUnavailableError, type CliError } from '../errors.js'
import { startEngine, type Engine } from '../engine.js'
import { CliIO, print, printErrorLine } from '../io.js'
import { jobStates } from '../observe.js'
import { progressCounts, progressPrinter, TTY_REFRESH_MS, type ProgressPrinter } from '../progress.js'
import { jobStatusWord } from '../printers/tables.js'
import { listenForStopSignal, signalExitCode, type StopSignal } from '../signals.js'
import { formatStoreSpec, type StoreSpec } from '../store.js'
import { applyManifests, loadWorkloadManifests } from './apply.js'
import { describeJobNow } from './describe.js'
import { podLogs, podsOfJob, withFinalNewline } from './logs.js'
import { setSuspend } from './patch.js'
import { runCronJobs } from './runCronJobs.js'
import { api, keyOf } from './shared.js'

/** The controller's event batching in `run`: short, so a run reacts at once. */
export const RUN_EVENT_BATCH_MS = 50

/** How long `run` gives the controller to record its last events before describing. */
const SETTLE_LIMIT_MS = 2000

/** The stop signals' grace: the longest pod grace period of the Jobs, plus a margin. */
const STOP_MARGIN_MS = 5000

/** The latest state seen of each Job of the run. */
type States = Map<string, Job | undefined>

/** Follows every Job until it has finished (or is gone), keeping its latest state in `states`. */
function untilFinished(keys: ReadonlyArray<ObjectKey>, states: States): Effect.Effect<void, CliError, JobStore> {
  return Effect.forEach(
    keys,
    (key) =>
      Stream.runForEach(
        Stream.takeUntil(jobStates(key), (job) => job === undefined || isFinished(job.status)),
        // A Job deleted when it finished (ttlSecondsAfterFinished) keeps its last state.
        (job) => Effect.sync(() => void (job !== undefined && states.set(key.name, job))),
      ),
    { concurrency: 'unbounded', discard: true },
  )
}

/** Redraws (terminal) or prints (plain) the progress line until interrupted. */
function showProgress(printer: ProgressPrinter, names: ReadonlyArray<string>, states: States, startedMs: number): Effect.Effect<never, never, CliIO> {
  return Effect.gen(function* () {
    const io = yield* CliIO
    for (;;) {
      const elapsed = (yield* Clock.currentTimeMillis) - startedMs
      const text = printer.update(progressCounts(names.map((n) => [n, states.get(n)])), elapsed)
      if (text !== undefined) yield* io.err(text)
      yield* Effect.sleep(io.stderrIsTTY ? TTY_REFRESH_MS : 500)
    }
  })
}

/** Waits (briefly) until the controller has no work left, so the last events are recorded. */
function settle(engine: Engine): Effect.Effect<void> {
  return Effect.gen(function* () {
    for (let waited = 0; waited < SETTLE_LIMIT_MS && engine.controller.pendingWork() > 0; waited += 20) yield* Effect.sleep('20 millis')
    // Events go out in the background: the describe views below should show them.
    yield* Effect.ignore(Effect.timeout(engine.controller.eventsSettled, SETTLE_LIMIT_MS))
  })
}

/** Prints the output of every pod of the Job; lines are prefixed when there is more than one pod. */
function printJobLogs(job: Job): Effect.Effect<void, CliError, JobStore | PodRuntime | CliIO> {
  return Effect.gen(function* () {
    const pods = yield* podsOfJob(job)
    const prefixed = pods.length > 1
    for (const pod of pods) {
      const text = yield* Effect.either(podLogs(pod, undefined))
      if (text._tag === 'Left') {
        yield* printErrorLine(`no logs for pod/${pod.metadata.name ?? ''}`)
        continue
      }
      yield* print(prefixed ? prefixLines(pod, text.right) : withFinalNewline(text.right))
    }
  })
}

function prefixLines(pod: Pod, text: string): string {
  const prefix = `[pod/${pod.metadata.name ?? ''}/${pod.spec.containers[0]?.name ?? ''}] `
  const lines = withFinalNewline(text).split('\n').slice(0, -1)
  return lines.map((line) => `${prefix}${line}\n`).join('')
}

/** Suspends the Jobs and waits until their pods are stopped (bounded by their grace periods). */
function stopJobs(jobs: ReadonlyArray<Job>, context: CommandContext): Effect.Effect<void, never, JobStore> {
  return Effect.gen(function* () {
    yield* Effect.forEach(jobs, (job) => Effect.ignore(setSuspend('Job', keyOf(job), true, context)), { discard: true })
    const grace = Math.max(30, ...jobs.map((j) => Number(j.spec.template.spec.terminationGracePeriodSeconds ?? 30))) * 1000 + STOP_MARGIN_MS
    const stopped = Effect.gen(function* () {
      for (;;) {
        const pods = (yield* Effect.forEach(jobs, podsOfJob)).flat()
        if (!pods.some((p) => p.status?.phase === 'Running' || p.status?.phase === 'Pending')) return
        yield* Effect.sleep('100 millis')
      }
    })
    yield* Effect.ignore(Effect.timeout(stopped, grace))
  })
}

/**
 * `run` on a file store is the store's controller for as long as it runs: it holds the store's
 * controller lock (see `jobctl controller`), and refuses to start beside another controller.
 */
function holdFileStore(store: Extract<StoreSpec, { readonly _tag: 'File' }>) {
  return Effect.gen(function* () {
    // Loaded here: it loads a native module that the memory store never needs.
    const ControllerLock = yield* Effect.promise(() => import('../../stores/file/controllerLock.js'))
    const where = formatStoreSpec(store)
    yield* ControllerLock.holdControllerLock(store.dir, {
      onWaiting: (holder) =>
        Effect.fail(
          new InputError({
            message: `the store ${where} has a controller already (${ControllerLock.describeHolder(holder)}): apply the Jobs with jobctl apply -f FILE and follow them with jobctl get or jobctl wait, or stop that controller first`,
          }),
        ),
    }).pipe(Effect.catchTag('StoreUnavailable', (error) => Effect.fail(new StoreUnavailableError({ store: where, reason: error.reason }))))
  })
}

export const run: Command = {
  name: 'run',
  summary: 'Run Jobs to the end, or CronJobs until interrupted, on this machine, without a cluster.',
  usage: 'run -f FILENAME [--logs] [flags]',
  description:
    'Starts the Job and CronJob controllers and the local process runtime in this process, on the memory store unless --store names another, ' +
    "applies the Jobs, and shows their progress until each has completed or failed. Then it prints the pods' output (--logs) " +
    'and the describe view of each Job. Containers run as local processes: their command and args, their env, no image. ' +
    'A file with CronJobs runs them until SIGINT or SIGTERM (then exit 0): it prints when each runs next, and each Job it starts ' +
    "with its outcome (and with --logs its pods' output); on the signal it suspends the CronJobs and stops their running Jobs.",
  examples: [
    '# Compute 2000 digits of pi, as the Kubernetes docs do',
    'jobctl run -f examples/pi/job.yaml --logs',
    '',
    "# Say hello every minute, as the docs' CronJob does, until Ctrl-C",
    'jobctl run -f examples/cronjob/hello.yaml --logs',
  ],
  flags: [FILENAME_FLAG, RECURSIVE_FLAG, { name: 'logs', kind: 'boolean', help: "Print the pods' output when the Jobs have finished" }],
  defaultStore: 'memory',
  run: (context) =>
    Effect.gen(function* () {
      const manifests = yield* loadWorkloadManifests(context, 'run')
      if (context.store._tag === 'File') yield* holdFileStore(context.store)
      const startedMs = yield* Clock.currentTimeMillis
      // Listening before anything prints: a signal sent once a line appears must find the handlers.
      const stopSignal = yield* listenForStopSignal
      const engine = yield* startEngine({ eventBatchMs: RUN_EVENT_BATCH_MS })
      const applied = yield* applyManifests(manifests, context)
      const cronJobs = applied.flatMap((a) => (a.kind === 'CronJob' ? [a.object] : []))
      if (cronJobs.length > 0) {
        const withLogs = booleanFlag(context.args, 'logs')
        return yield* Effect.provideService(
          runCronJobs({ cronJobs, stopSignal, onFinished: (job) => (withLogs ? printJobLogs(job) : Effect.void), stopJobs: (jobs) => stopJobs(jobs, context) }, context),
          PodRuntime,
          engine.runtime,
        )
      }
      const jobs = applied.flatMap((a) => (a.kind === 'Job' ? [a.object] : []))
      const names = jobs.map((j) => j.metadata.name ?? '')
      const states: States = new Map(jobs.map((j) => [j.metadata.name ?? '', j]))
      const io = yield* CliIO
      const printer = progressPrinter(io.stderrIsTTY, io.columns)

      const progress = yield* Effect.fork(showProgress(printer, names, states, startedMs))
      const outcome = yield* Effect.raceFirst(
        Effect.as(untilFinished(jobs.map(keyOf), states), Option.none<StopSignal>()),
        Effect.map(stopSignal, Option.some),
      )
      yield* Fiber.interrupt(progress)
      const elapsed = (yield* Clock.currentTimeMillis) - startedMs
      yield* io.err(printer.finish(progressCounts(names.map((n) => [n, states.get(n)])), elapsed))

      if (Option.isSome(outcome)) {
        yield* printErrorLine(`jobctl run: ${outcome.value}: stopping the pods`)
        yield* stopJobs(jobs, context)
        return signalExitCode(outcome.value)
      }

      yield* settle(engine)
      const store = yield* JobStore
      const finished: Job[] = []
      for (const job of jobs) {
        const latest = yield* Effect.either(api(store.getJob(keyOf(job))))
        finished.push(latest._tag === 'Right' ? latest.right : (states.get(job.metadata.name ?? '') ?? job))
      }
      if (booleanFlag(context.args, 'logs')) {
        yield* Effect.provideService(Effect.forEach(finished, printJobLogs, { discard: true }), PodRuntime, engine.runtime)
      }
      const views = yield* Effect.forEach(finished, describeJobNow)
      yield* print(views.join('\n\n'))
      return finished.every((job) => jobStatusWord(job) === 'Complete') ? ExitCode.Ok : ExitCode.Failed
    }),
}
