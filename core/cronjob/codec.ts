/**
 * The io-ts codec of a batch/v1 CronJob as written: strict about unknown fields everywhere, the
 * job template's Job spec and pod template included (they reuse the Job's codecs). The field
 * lists are the API server's (`API_TYPES` in core/model/apiFields.ts, generated from the
 * OpenAPI document); codec.test.ts keeps the two equal.
 */
import type * as t from 'io-ts'
import type { DecodeMode } from '../model/codecKit.js'
import { bool, build, int32, int64, literal, optionalEnum, str, time } from '../model/codecKit.js'
import { list, struct } from '../model/codecContainers.js'
import type { PodTemplateFields } from '../model/codecs.js'
import { jobSpecCodec, metaCodecs } from '../model/codecs.js'
import type { ConcurrencyPolicy, CronJobManifest } from './types.js'

/** The values `spec.concurrencyPolicy` accepts (C4). */
export const CONCURRENCY_POLICIES: ReadonlyArray<ConcurrencyPolicy> = ['Allow', 'Forbid', 'Replace']

/** The fields of each CronJob object type and their codecs, for one decoding mode. */
export function cronJobFields(mode: DecodeMode, podTemplateFields: PodTemplateFields = 'strict') {
  const { objectMeta } = metaCodecs(mode)
  const objectReference = { apiVersion: str, kind: str, namespace: str, name: str, uid: str, resourceVersion: str, fieldPath: str }
  const cronJobStatus = { active: list(struct('ObjectReference', objectReference, mode)), lastScheduleTime: time, lastSuccessfulTime: time }
  const jobTemplateSpec = { metadata: objectMeta, spec: jobSpecCodec(mode, podTemplateFields) }
  const cronJobSpec = {
    schedule: str,
    timeZone: str,
    startingDeadlineSeconds: int64,
    concurrencyPolicy: optionalEnum(CONCURRENCY_POLICIES, mode),
    suspend: bool,
    jobTemplate: struct('JobTemplateSpec', jobTemplateSpec, mode),
    successfulJobsHistoryLimit: int32,
    failedJobsHistoryLimit: int32,
  }
  const cronJob = {
    apiVersion: literal('batch/v1'),
    kind: literal('CronJob'),
    metadata: objectMeta,
    spec: struct('CronJobSpec', cronJobSpec, mode),
    status: struct('CronJobStatus', cronJobStatus, mode),
  }
  return { ObjectReference: objectReference, CronJobStatus: cronJobStatus, JobTemplateSpec: jobTemplateSpec, CronJobSpec: cronJobSpec, CronJob: cronJob }
}

/** The CronJob codec for one decoding mode (see `DecodeMode`). */
export function cronJobCodec(mode: DecodeMode, podTemplateFields: PodTemplateFields = 'strict'): t.Type<CronJobManifest, CronJobManifest, unknown> {
  const cronJob = struct('CronJob', cronJobFields(mode, podTemplateFields).CronJob, mode, { required: ['apiVersion', 'kind'] })
  // The decoded shape is checked against the declared `CronJobManifest` here, at compile time.
  return build<CronJobManifest>('CronJob', (u, c) => cronJob.validate(u, c))
}
