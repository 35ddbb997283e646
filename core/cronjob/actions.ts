/**
 * What `reconcileCronJob` asks the world to do: data, applied in order (C40–C44).
 *
 * A plan is at most: the decision events (`RecordEvent`), the history clean-up deletions
 * (`DeleteJob`, reason `History`), the deletions of the active Jobs a `Replace` policy replaces
 * (`DeleteJob`, reason `Replace`), one `CreateJob`, and one `UpdateCronJobStatus`, last.
 * How the applier treats each call's outcome is on each action; the events of a call's outcome
 * (`SuccessfulCreate`, `FailedCreate`, `SuccessfulDelete`, `FailedDelete`) are the applier's to
 * record, with the messages `cronJobEvents` builds, because only it knows the outcome.
 */
import type { JobManifest } from '../model/manifest.js'
import type { CronJobStatus } from './types.js'

export type CronJobAction = CreateJob | DeleteChildJob | UpdateCronJobStatus | RecordCronJobEvent

/**
 * Create this Job (C23–C27): named `<cronjob>-<scheduled time in minutes>`, so that a second
 * attempt for one scheduled time is refused as `AlreadyExists`. On success the applier records
 * `SuccessfulCreate`; on `AlreadyExists` it stops the plan without an error (a Job of that name
 * is not ours, or the next sync sees it); on any other failure it records `FailedCreate` and
 * stops the plan with the error, to be retried with back-off.
 */
export interface CreateJob {
  readonly _tag: 'CreateJob'
  readonly job: JobManifest
  /** The schedule time this Job runs for, RFC 3339 in UTC. */
  readonly scheduledTime: string
}

/** Why a Job is deleted: history clean-up (C34) or a `Replace` policy (C22). */
export type ChildJobDeletionReason = 'History' | 'Replace'

/**
 * Delete one of the CronJob's Jobs with `propagationPolicy: Background`, guarded by its uid.
 * A Job already gone counts as deleted. On success the applier records `SuccessfulDelete`; on
 * failure `FailedDelete`, then goes on for `History` and stops the plan with the error for
 * `Replace` (upstream never creates the replacement while the old run may still be there).
 */
export interface DeleteChildJob {
  readonly _tag: 'DeleteJob'
  readonly name: string
  readonly uid: string
  readonly propagation: 'Background'
  readonly reason: ChildJobDeletionReason
}

/**
 * Replace the CronJob's status through the status subresource, carrying the CronJob's
 * `resourceVersion` as read. When `appendCreatedJob` is true, the applier first appends a
 * reference to the Job the plan's `CreateJob` made, as the store returned it (with its uid):
 * `appendActiveJob(status, createdJob)` does it.
 */
export interface UpdateCronJobStatus {
  readonly _tag: 'UpdateCronJobStatus'
  readonly status: CronJobStatus
  readonly appendCreatedJob: boolean
}

export type CronJobEventType = 'Normal' | 'Warning'

/** Record an event about the CronJob, with upstream's reason and message (C45). */
export interface RecordCronJobEvent {
  readonly _tag: 'RecordEvent'
  readonly eventType: CronJobEventType
  readonly reason: string
  readonly message: string
}

/** The outcome of `reconcileCronJob`. */
export interface CronJobPlan {
  readonly actions: readonly CronJobAction[]
  /**
   * When to sync this CronJob again, in milliseconds from `now`: the next schedule time plus
   * upstream's 100 ms (C38). Absent when nothing will be due without a change to the CronJob
   * (suspended, an unparseable schedule, an unknown time zone, being deleted).
   */
  readonly requeueAfter?: number
}
