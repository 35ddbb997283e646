/**
 * The API server's defaulting of a CronJob (C3): `concurrencyPolicy: Allow`, `suspend: false`,
 * `successfulJobsHistoryLimit: 3`, `failedJobsHistoryLimit: 1`. The job template's Job spec is
 * left as written: each Job is defaulted when it is created.
 */
import type { CronJob, CronJobManifest } from './types.js'

/** Upstream's default history limits. */
export const DEFAULT_SUCCESSFUL_JOBS_HISTORY_LIMIT = 3
export const DEFAULT_FAILED_JOBS_HISTORY_LIMIT = 1

/** The defaulted CronJob of a manifest; a missing `schedule` stays empty for validation to report. */
export function defaultCronJob(manifest: CronJobManifest): CronJob {
  const spec = manifest.spec ?? {}
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: manifest.metadata ?? {},
    spec: {
      ...spec,
      schedule: spec.schedule ?? '',
      concurrencyPolicy: spec.concurrencyPolicy ?? 'Allow',
      suspend: spec.suspend ?? false,
      jobTemplate: spec.jobTemplate ?? {},
      successfulJobsHistoryLimit: spec.successfulJobsHistoryLimit ?? DEFAULT_SUCCESSFUL_JOBS_HISTORY_LIMIT,
      failedJobsHistoryLimit: spec.failedJobsHistoryLimit ?? DEFAULT_FAILED_JOBS_HISTORY_LIMIT,
    },
    ...(manifest.status === undefined ? {} : { status: manifest.status }),
  }
}
