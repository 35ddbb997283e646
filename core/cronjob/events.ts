/**
 * The CronJob controller's events, with upstream's reasons and messages (C45). `reconcileCronJob`
 * plans the decision events; the applier records the outcome events of its Job calls
 * (`successfulCreate`, `failedCreate`, `successfulDelete`, `failedDelete`) with these builders,
 * so every message has one source.
 */
import { goQuote } from '../model/fieldErrors.js'
import type { RecordCronJobEvent } from './actions.js'

const normal = (reason: string, message: string): RecordCronJobEvent => ({ _tag: 'RecordEvent', eventType: 'Normal', reason, message })
const warning = (reason: string, message: string): RecordCronJobEvent => ({ _tag: 'RecordEvent', eventType: 'Warning', reason, message })

/** The events of a CronJob, by upstream reason. */
export const cronJobEvents = {
  /** A `CreateJob` succeeded. */
  successfulCreate: (jobName: string) => normal('SuccessfulCreate', `Created job ${jobName}`),
  /** A `CreateJob` failed (not `AlreadyExists`). */
  failedCreate: (error: string) => warning('FailedCreate', `Error creating job: ${error}`),
  /** A `DeleteJob` succeeded. */
  successfulDelete: (jobName: string) => normal('SuccessfulDelete', `Deleted job ${jobName}`),
  /** A `DeleteJob` failed. */
  failedDelete: (error: string) => warning('FailedDelete', `Deleted job: ${error}`),
  /** C31: a Job in `active` has finished. */
  sawCompletedJob: (jobName: string, condition: 'Complete' | 'Failed') => normal('SawCompletedJob', `Saw completed job: ${jobName}, condition: ${condition}`),
  /** C32: a Job in `active` no longer exists. */
  missingJob: (jobName: string) => normal('MissingJob', `Active job went missing: ${jobName}`),
  /** C33: an unfinished Job of this CronJob's that is not in `active`. */
  unexpectedJob: (jobName: string) => warning('UnexpectedJob', `Saw a job that the controller did not create or forgot: ${jobName}`),
  /** C10: `spec.timeZone` names a zone this runtime cannot load. */
  unknownTimeZone: (timeZone: string, error: string) => warning('UnknownTimeZone', `invalid timeZone: ${goQuote(timeZone)}: ${error}`),
  /** C9: a schedule that carries `TZ=`/`CRON_TZ=` (allowed only on CronJobs that already had it). */
  unsupportedSchedule: (schedule: string) =>
    warning(
      'UnsupportedSchedule',
      `CRON_TZ or TZ used in schedule ${goQuote(schedule)} is not officially supported, see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/ for more details`,
    ),
  /** C5: the schedule does not parse. */
  unparseableSchedule: (schedule: string, error: string) => warning('UnparseableSchedule', `unparseable schedule: ${goQuote(schedule)} : ${error}`),
  /** C20: the schedule parses but never fires (e.g. 30 February). */
  invalidSchedule: (schedule: string, error: string) => warning('InvalidSchedule', `invalid schedule: ${schedule} : ${error}`),
  /** C21: more than 100 start times were missed. */
  tooManyMissedTimes: () => warning('TooManyMissedTimes', 'too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew'),
  /** C24: `Forbid`, and a run is still active. */
  jobAlreadyActive: () => normal('JobAlreadyActive', 'Not starting job because prior execution is running and concurrency policy is Forbid'),
} as const
