/**
 * `reconcileCronJob`: one sync of a CronJob, as upstream's cronjob controller (v1.36) does it
 * (C30–C45). Pure: the world comes in as arguments, the decisions go out as a plan.
 */
import type { Job } from '../model/types.js'
import type { CronJobPlan } from './actions.js'
import type { CronJobReconcileOptions } from './options.js'
import type { CronJob } from './types.js'

/**
 * Decides one sync of `cronJob`, given the Jobs it controls (`jobs`: every Job whose controller
 * reference names this CronJob, as a fresh read of the store gives them) and the time `nowMs`
 * (epoch milliseconds).
 */
export function reconcileCronJob(cronJob: CronJob, jobs: ReadonlyArray<Job>, nowMs: number, options: CronJobReconcileOptions = {}): CronJobPlan {
  // Being built: the shape is fixed so that the shell and the CLI can build on it.
  void cronJob
  void jobs
  void nowMs
  void options
  return { actions: [] }
}
