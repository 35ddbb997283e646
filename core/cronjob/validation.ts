/**
 * Validation of a defaulted CronJob as the API server does it (C4–C16), every problem at
 * once, with the API server's paths and messages: the same `FieldError`s as a Job's.
 */
import { defaultJobManifest } from '../model/defaults.js'
import type { FieldError } from '../model/fieldErrors.js'
import { child, invalid, notSupported, required } from '../model/fieldErrors.js'
import { goSelector } from '../model/goValues.js'
import { nonNegative } from '../model/policyValidation.js'
import { validateJobSpecFields, validateObjectMeta } from '../model/validation.js'
import { validateTimeZone } from './timeZones.js'
import { validateScheduleFormat } from './scheduleValidation.js'
import type { CronJob, CronJobSpec, JobTemplateSpec } from './types.js'
import { CONCURRENCY_POLICIES } from './codec.js'

/** C16: a CronJob's name leaves room for the 11-character `-<minutes>` suffix of its Jobs' 63. */
export const MAX_CRONJOB_NAME_LENGTH = 52

/** C15: the job template's Job spec, validated as a Job's (without the selector), under `spec.jobTemplate.spec`. */
function validateJobTemplate(template: JobTemplateSpec, path: string): FieldError[] {
  const specPath = child(path, 'spec')
  const written = template.spec ?? {}
  const job = defaultJobManifest({ apiVersion: 'batch/v1', kind: 'Job', spec: written })
  const errs = validateJobSpecFields(job.spec, specPath, {})
  if (written.selector !== undefined) errs.push(invalid(child(specPath, 'selector'), goSelector(written.selector), '`selector` will be auto-generated'))
  if (written.manualSelector === true) errs.push(notSupported(child(specPath, 'manualSelector'), true, ['nil', 'false']))
  return errs
}

function validateConcurrencyPolicy(policy: string, path: string): FieldError[] {
  if (policy === '') return [required(path)]
  return CONCURRENCY_POLICIES.some((p) => p === policy) ? [] : [notSupported(path, policy, CONCURRENCY_POLICIES)]
}

/** The spec rules shared by create and update; `old` relaxes the rules upstream relaxes on update. */
function validateCronJobSpec(spec: CronJobSpec, old: CronJobSpec | undefined): FieldError[] {
  const errs: FieldError[] = []
  if (spec.schedule === '') errs.push(required('spec.schedule'))
  else errs.push(...validateScheduleFormat(spec.schedule, old !== undefined && old.schedule.includes('TZ'), spec.timeZone, 'spec.schedule'))
  errs.push(...nonNegative(spec.startingDeadlineSeconds, 'spec.startingDeadlineSeconds'))
  if (old === undefined || old.timeZone !== spec.timeZone) errs.push(...validateTimeZone(spec.timeZone, 'spec.timeZone'))
  errs.push(...validateConcurrencyPolicy(spec.concurrencyPolicy, 'spec.concurrencyPolicy'))
  errs.push(...validateJobTemplate(spec.jobTemplate, 'spec.jobTemplate'))
  errs.push(...nonNegative(spec.successfulJobsHistoryLimit, 'spec.successfulJobsHistoryLimit'))
  errs.push(...nonNegative(spec.failedJobsHistoryLimit, 'spec.failedJobsHistoryLimit'))
  return errs
}

/** Validates a new CronJob (C4–C16): metadata, spec, and the 52-character name limit. */
export function validateCronJob(cronJob: CronJob): ReadonlyArray<FieldError> {
  const name = cronJob.metadata.name ?? ''
  return [
    ...validateObjectMeta(cronJob.metadata),
    ...validateCronJobSpec(cronJob.spec, undefined),
    ...(name.length > MAX_CRONJOB_NAME_LENGTH ? [invalid('metadata.name', name, `must be no more than ${MAX_CRONJOB_NAME_LENGTH} characters`)] : []),
  ]
}

/**
 * Validates an update (C17): the spec rules again, except that a schedule that already held
 * `TZ` may keep it and an unchanged `timeZone` is not re-checked; the name limit is not applied,
 * so that older, longer-named CronJobs can still be changed.
 */
export function validateCronJobUpdate(old: CronJob, cronJob: CronJob): ReadonlyArray<FieldError> {
  const errs: FieldError[] = [...validateObjectMeta(cronJob.metadata), ...validateCronJobSpec(cronJob.spec, old.spec)]
  if (old.metadata.name !== undefined && cronJob.metadata.name !== old.metadata.name) {
    errs.push(invalid('metadata.name', cronJob.metadata.name ?? '', 'field is immutable'))
  }
  return errs
}

/** Validates a status write (C18): the times must be RFC 3339 (decoding checked them); nothing else is checked upstream. */
export function validateCronJobStatus(cronJob: CronJob): ReadonlyArray<FieldError> {
  return validateObjectMeta(cronJob.metadata)
}
