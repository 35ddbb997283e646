/**
 * What `reconcileCronJob` asks the world to do: data, applied in order (C39–C42).
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
 * Create this Job (C25–C28): named `<cronjob>-<scheduled time in minutes>`, so that a second
 * attempt for one scheduled time is refused as `AlreadyExists`. On success the applier records
 * `SuccessfulCreate`; on `AlreadyExists` it writes `statusIfNotCreated` and ends the sync without an
 * error and without a requeue (a Job of that name that is not this CronJob's: upstream waits
 * for the next change); on any other failure it records `FailedCreate`, writes
 * `statusIfNotCreated` and ends the sync with the error, to be retried with back-off (C40).
 */
export interface CreateJob {
  readonly _tag: 'CreateJob'
  readonly job: JobManifest
  /** The schedule time this Job runs for, RFC 3339 in UTC. */
  readonly scheduledTime: string
}

/** Why a Job is deleted: history clean-up (C34) or a `Replace` policy (C24). */
export type ChildJobDeletionReason = 'History' | 'Replace'

/**
 * Delete one of the CronJob's Jobs with `propagationPolicy: Background`, guarded by its uid.
 * A Job already gone counts as deleted. On success the applier records `SuccessfulDelete`; on
 * failure `FailedDelete`, then goes on for `History`, and for `Replace` ends the sync with the
 * error, writing no status (upstream never creates the replacement while the old run may still
 * be there; the next sync finds the Jobs that did go, C41).
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
 * `resourceVersion` as read; always the plan's last action. When `appendCreatedJob` is true,
 * the applier first appends a reference to the Job the plan's `CreateJob` made, as the store
 * returned it (with its uid): `appendActiveJob(status, createdJob)` does it.
 */
export interface UpdateCronJobStatus {
  readonly _tag: 'UpdateCronJobStatus'
  readonly status: CronJobStatus
  readonly appendCreatedJob: boolean
  /**
   * What to write instead when the plan's `CreateJob` did not create its Job (it failed or met
   * `AlreadyExists`): the bookkeeping of the sync without the new run, as upstream writes it.
   * Absent: write nothing then. After a failed `Replace` deletion nothing is written (C41).
   */
  readonly statusIfNotCreated?: CronJobStatus
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
