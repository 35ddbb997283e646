/**
 * The CronJob: its model (decode, defaults, validation) and `reconcileCronJob`, the decision
 * engine that starts Jobs on a schedule. Pure, like the Job core.
 */
export type * from './types.js'
export type * from './actions.js'
export type { CronJobReconcileOptions } from './options.js'
export type { CronJobAdmissionDecoding, DecodeCronJobOptions } from './decode.js'
export { decodeCronJob, decodeCronJobForAdmission } from './decode.js'
export { CONCURRENCY_POLICIES } from './codec.js'
export { DEFAULT_FAILED_JOBS_HISTORY_LIMIT, DEFAULT_SUCCESSFUL_JOBS_HISTORY_LIMIT, defaultCronJob } from './defaults.js'
export { cronJobEvents } from './events.js'
export { activeReferenceOf, appendActiveJob } from './activeJobs.js'
export { reconcileCronJob } from './reconcile.js'
export type { AdmittedCronJob } from './admission.js'
export { admitCronJobCreate, admitCronJobStatusUpdate, admitCronJobUpdate } from './admission.js'
export { MAX_CRONJOB_NAME_LENGTH, validateCronJob, validateCronJobStatus, validateCronJobUpdate } from './validation.js'
export { renderInvalidCronJob, renderUndecodableCronJob } from './render.js'
export type { CronField, CronSpec, EverySchedule, Schedule } from './schedule.js'
export { parseSchedule } from './schedule.js'
