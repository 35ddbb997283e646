/**
 * The CronJob controller's events, with upstream's reasons and messages (C45). The applier
 * records the outcome events of its Job calls with these, so every message has one source.
 */
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
} as const
