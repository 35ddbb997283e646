/**
 * The batch/v1 CronJob, as the API has it: plain readonly data. `decodeCronJob` produces a
 * `CronJobManifest` from untrusted input; `defaultCronJob` (or admission) turns it into the
 * `CronJob` that `reconcileCronJob` works on. Times are RFC 3339 strings, as the API server
 * writes them.
 */
import type { JobSpecManifest } from '../model/manifest.js'
import type { JobStatus, ObjectMeta, Time } from '../model/types.js'

/** `spec.concurrencyPolicy`: what to do when a run is due while an earlier one is still active (C24). */
export type ConcurrencyPolicy = 'Allow' | 'Forbid' | 'Replace'

/**
 * `spec.jobTemplate`: the metadata and spec of every Job the CronJob creates. The Job spec is
 * kept as written: the API server defaults it when each Job is created, not in the CronJob.
 */
export interface JobTemplateSpec {
  readonly metadata?: ObjectMeta
  readonly spec?: JobSpecManifest
}

/** A core/v1 `ObjectReference`, as `status.active` holds them. */
export interface ObjectReference {
  readonly apiVersion?: string
  readonly kind?: string
  readonly namespace?: string
  readonly name?: string
  readonly uid?: string
  readonly resourceVersion?: string
  readonly fieldPath?: string
}

/** A CronJob's spec after defaulting (C3): the defaulted fields are required here. */
export interface CronJobSpec {
  /** Cron syntax: 5 fields or a descriptor such as `@hourly` (C5–C9). */
  readonly schedule: string
  /** An IANA time-zone name; absent means the controller's local zone, UTC here (C10). */
  readonly timeZone?: string
  readonly startingDeadlineSeconds?: number
  readonly concurrencyPolicy: ConcurrencyPolicy
  readonly suspend: boolean
  readonly jobTemplate: JobTemplateSpec
  readonly successfulJobsHistoryLimit: number
  readonly failedJobsHistoryLimit: number
}

/** `status` of a CronJob: the controller's bookkeeping (C30–C33). */
export interface CronJobStatus {
  /** References to the Jobs this CronJob started that have not finished. */
  readonly active?: readonly ObjectReference[]
  readonly lastScheduleTime?: Time
  readonly lastSuccessfulTime?: Time
}

/** A defaulted batch/v1 CronJob. */
export interface CronJob {
  readonly apiVersion: 'batch/v1'
  readonly kind: 'CronJob'
  readonly metadata: ObjectMeta
  readonly spec: CronJobSpec
  readonly status?: CronJobStatus
}

/** A CronJob's spec as written: everything optional, nothing defaulted. */
export interface CronJobSpecManifest {
  readonly schedule?: string
  readonly timeZone?: string
  readonly startingDeadlineSeconds?: number
  readonly concurrencyPolicy?: ConcurrencyPolicy
  readonly suspend?: boolean
  readonly jobTemplate?: JobTemplateSpec
  readonly successfulJobsHistoryLimit?: number
  readonly failedJobsHistoryLimit?: number
}

/** A batch/v1 CronJob manifest as a client sends it, before defaulting. */
export interface CronJobManifest {
  readonly apiVersion: 'batch/v1'
  readonly kind: 'CronJob'
  readonly metadata?: ObjectMeta
  readonly spec?: CronJobSpecManifest
  readonly status?: CronJobStatus
}

/** The Job status fields the CronJob controller reads, re-exported for readers of this module. */
export type { JobStatus }
