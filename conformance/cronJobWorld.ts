/**
 * What CronJob scenarios get beside the Job world: the `CronJobStore` of the backend, creating
 * a CronJob (its Jobs' pods played by a script), reading it and the Jobs it controls, and
 * waiting on a schedule: minutes of `TestClock` time, or real minutes on a real API server
 * (where schedules run every minute).
 */
import { Effect } from 'effect'
import type { Duration } from 'effect'
import type { CronJob } from '../core/index.js'
import type { Job } from '../core/model/types.js'
import { parseTime } from '../core/model/time.js'
import { BUILT_IN_CONTROLLER } from '../core/model/wellKnown.js'
import type { CronJobStoreService } from '../adapters/ports/CronJobStore.js'
import type { DeleteOptions, JobStoreService } from '../adapters/ports/JobStore.js'
import type { PodScript } from '../adapters/runtimes/scripted/ScriptedRuntime.js'

/** The CronJob side of a scenario's world. */
export interface CronJobWorld {
  /**
   * Creates a CronJob from a manifest in the scenario's namespace (its job template gets
   * `spec.managedBy` when the Job controller under test has its own name) and plays the pods
   * of its Jobs with `script` (default: each runs until the scenario ends it).
   */
  readonly create: (manifest: Record<string, unknown>, script?: PodScript) => Effect.Effect<CronJob, unknown>
  readonly get: (name: string) => Effect.Effect<CronJob, unknown>
  /** Updates a CronJob's spec/metadata from its current version (retrying on conflicts). */
  readonly update: (name: string, change: (cronJob: CronJob) => CronJob) => Effect.Effect<CronJob, unknown>
  /** Deletes a CronJob (no policy: `Background`, batch/v1's default). */
  readonly delete: (name: string, options?: DeleteOptions) => Effect.Effect<void, unknown>
  /** The Jobs whose controller owner reference names this CronJob, oldest schedule first. */
  readonly jobs: (cronJobName: string) => Effect.Effect<ReadonlyArray<Job>, unknown>
  /**
   * Runs `check` until it succeeds while schedule time passes, for at most `minutes` of it
   * (TestClock: scenario minutes; a real server: real minutes, plus 30 s of slack).
   */
  readonly within: <A>(minutes: number, check: Effect.Effect<A, unknown>) => Effect.Effect<A>
  /** Lets schedule time pass with everything running: TestClock time, or real time on a real server. */
  readonly wait: (duration: Duration.DurationInput) => Effect.Effect<void>
}

/** The schedule time of a Job a CronJob created, from its `batch.kubernetes.io/cronjob-scheduled-timestamp`. */
export function scheduledTimeOf(job: Job): number | undefined {
  return parseTime(job.metadata.annotations?.[SCHEDULED_TIMESTAMP_ANNOTATION])
}

/** Upstream's annotation on every Job a CronJob creates: the schedule time it runs for. */
export const SCHEDULED_TIMESTAMP_ANNOTATION = 'batch.kubernetes.io/cronjob-scheduled-timestamp'

/** The controller owner reference of a Job when it names a CronJob. */
export function cronJobOwnerOf(job: Job) {
  return job.metadata.ownerReferences?.find((ref) => ref.controller === true && ref.kind === 'CronJob')
}

export function makeCronJobWorld(parts: {
  readonly store: CronJobStoreService | undefined
  readonly jobStore: JobStoreService
  readonly namespace: string
  readonly controllerName: string
  readonly testClock: boolean
  readonly setScript: (cronJobName: string, script: PodScript) => void
  readonly eventually: <A>(check: Effect.Effect<A, unknown>, options?: { readonly timeout?: Duration.DurationInput; readonly maxStep?: Duration.DurationInput }) => Effect.Effect<A>
  readonly pass: (duration: Duration.DurationInput, options?: { readonly maxStep?: Duration.DurationInput }) => Effect.Effect<void>
}): CronJobWorld {
  const { namespace, testClock } = parts
  const store = (): Effect.Effect<CronJobStoreService> =>
    parts.store === undefined
      ? Effect.dieMessage('this backend provides no CronJobStore: set `capabilities.cronJobs` only for a layer that provides it')
      : Effect.succeed(parts.store)
  const get = (name: string) => Effect.flatMap(store(), (cronJobs) => cronJobs.getCronJob({ namespace, name }))
  const jobs = (cronJobName: string) =>
    Effect.map(parts.jobStore.listJobs({ namespace }), (listed) =>
      listed.items
        .filter((job) => cronJobOwnerOf(job)?.name === cronJobName)
        .sort((a, b) => (scheduledTimeOf(a) ?? 0) - (scheduledTimeOf(b) ?? 0)),
    )
  return {
    create: (manifest, script) =>
      Effect.gen(function* () {
        const metadata = (manifest['metadata'] ?? {}) as Record<string, unknown>
        const spec = (manifest['spec'] ?? {}) as Record<string, unknown>
        const template = (spec['jobTemplate'] ?? {}) as Record<string, unknown>
        const jobSpec = (template['spec'] ?? {}) as Record<string, unknown>
        const managed = parts.controllerName !== BUILT_IN_CONTROLLER && jobSpec['managedBy'] === undefined ? { managedBy: parts.controllerName } : {}
        if (script !== undefined) parts.setScript(String(metadata['name'] ?? ''), script)
        return yield* (yield* store()).createCronJob({
          ...manifest,
          metadata: { ...metadata, namespace },
          spec: { ...spec, jobTemplate: { ...template, spec: { ...jobSpec, ...managed } } },
        })
      }),
    get,
    update: (name, change) =>
      Effect.gen(function* () {
        const current = yield* get(name)
        return yield* (yield* store()).updateCronJob(change(current))
      }).pipe(Effect.retry({ times: 5, while: (error) => (error as { _tag?: string })._tag === 'Conflict' })),
    delete: (name, options) => Effect.flatMap(store(), (cronJobs) => cronJobs.deleteCronJob({ namespace, name }, options)),
    jobs,
    within: (minutes, check) =>
      // Real time: `eventually` allows a quarter of the timeout it is given, so ask for four times.
      parts.eventually(check, testClock ? { timeout: `${minutes} minutes`, maxStep: '10 seconds' } : { timeout: `${(minutes * 60 + 30) * 4} seconds` }),
    wait: (duration) => (testClock ? parts.pass(duration) : Effect.sleep(duration)),
  }
}
