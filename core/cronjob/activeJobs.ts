/** `status.active` bookkeeping: references to the Jobs a CronJob started (C31). */
import type { Job } from '../model/types.js'
import type { CronJobStatus, ObjectReference } from './types.js'

/** The `ObjectReference` upstream writes for a Job in `status.active`. */
export function activeReferenceOf(job: Job): ObjectReference {
  const { name, namespace, uid, resourceVersion } = job.metadata
  return {
    kind: 'Job',
    apiVersion: 'batch/v1',
    ...(namespace === undefined ? {} : { namespace }),
    ...(name === undefined ? {} : { name }),
    ...(uid === undefined ? {} : { uid }),
    ...(resourceVersion === undefined ? {} : { resourceVersion }),
  }
}

/** `status` with a reference to `job` appended to `active`: what `UpdateCronJobStatus.appendCreatedJob` asks for. */
export function appendActiveJob(status: CronJobStatus, job: Job): CronJobStatus {
  return { ...status, active: [...(status.active ?? []), activeReferenceOf(job)] }
}
