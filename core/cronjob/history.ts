/**
 * C34–C35: history clean-up. Finished Jobs beyond `successfulJobsHistoryLimit` (Complete) and
 * `failedJobsHistoryLimit` (Failed) are deleted, oldest first. Upstream orders them by
 * `status.startTime` (a Job without one counts as newest), then by name; it does not look at
 * the finish time.
 */
import type { Job } from '../model/types.js'
import type { DeleteChildJob } from './actions.js'
import { finishedAs, startTimeOf } from './ownedJobs.js'
import type { CronJob } from './types.js'

/** Oldest first, as upstream's `byJobStartTime`. */
function byStartTime(a: Job, b: Job): number {
  const aStart = startTimeOf(a)
  const bStart = startTimeOf(b)
  if (aStart === undefined && bStart !== undefined) return 1
  if (aStart !== undefined && bStart === undefined) return -1
  if (aStart === bStart) return (a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : (a.metadata.name ?? '') > (b.metadata.name ?? '') ? 1 : 0
  return (aStart ?? 0) - (bStart ?? 0)
}

function oldestBeyond(jobs: Job[], limit: number): Job[] {
  const excess = jobs.length - limit
  return excess <= 0 ? [] : [...jobs].sort(byStartTime).slice(0, excess)
}

/** The history deletions of one sync: first the successful Jobs, then the failed ones. */
export function historyDeletions(cronJob: CronJob, jobs: ReadonlyArray<Job>): DeleteChildJob[] {
  const complete = jobs.filter((job) => finishedAs(job) === 'Complete')
  const failed = jobs.filter((job) => finishedAs(job) === 'Failed')
  return [
    ...oldestBeyond(complete, cronJob.spec.successfulJobsHistoryLimit),
    ...oldestBeyond(failed, cronJob.spec.failedJobsHistoryLimit),
  ].map((job) => ({ _tag: 'DeleteJob', name: job.metadata.name ?? '', uid: job.metadata.uid ?? '', propagation: 'Background', reason: 'History' }))
}
