/** Facts about the Jobs a CronJob owns (C29–C31). */
import { parseTime } from '../model/time.js'
import type { Job } from '../model/types.js'
import type { CronJob } from './types.js'

/** `batch.kubernetes.io/cronjob-scheduled-timestamp`: the schedule time a Job was created for (C26). */
export const CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION = 'batch.kubernetes.io/cronjob-scheduled-timestamp'

/** How a Job finished: its first `Complete` or `Failed` condition with status `True` (upstream's `FinishedCondition`). */
export function finishedAs(job: Job): 'Complete' | 'Failed' | undefined {
  for (const condition of job.status?.conditions ?? []) {
    if (condition.status !== 'True') continue
    if (condition.type === 'Complete') return 'Complete'
    if (condition.type === 'Failed') return 'Failed'
  }
  return undefined
}

/** Whether a Job has a `Complete=True` condition (it may come after a `Failed` one). */
export const succeeded = (job: Job): boolean =>
  (job.status?.conditions ?? []).some((condition) => condition.type === 'Complete' && condition.status === 'True')

/**
 * C29: the Jobs a sync considers: those in the CronJob's namespace whose controller reference
 * names it. Upstream matches by name alone (not uid or kind), so this does too.
 */
export function jobsOf(cronJob: CronJob, jobs: ReadonlyArray<Job>): Job[] {
  const namespace = cronJob.metadata.namespace
  return jobs.filter((job) => {
    if (namespace !== undefined && job.metadata.namespace !== undefined && job.metadata.namespace !== namespace) return false
    const controller = job.metadata.ownerReferences?.find((ref) => ref.controller === true)
    return controller !== undefined && controller.name === cronJob.metadata.name
  })
}

/** Whether this CronJob (by uid) is the Job's controller (upstream's `IsControlledBy`). */
export function isControlledBy(job: Job, cronJob: CronJob): boolean {
  const controller = job.metadata.ownerReferences?.find((ref) => ref.controller === true)
  return controller !== undefined && controller.uid === cronJob.metadata.uid
}

/** A Job's `status.startTime` in epoch ms, for history order. */
export const startTimeOf = (job: Job): number | undefined => parseTime(job.status?.startTime)
