/**
 * The io-ts codec of a batch/v1 CronJob as written: strict about unknown fields everywhere, the
 * job template's Job spec and pod template included (they reuse the Job's codecs).
 */
import type * as t from 'io-ts'
import type { DecodeMode } from '../model/codecKit.js'
import { build, int32, int64, literal, optionalEnum, str, bool, time } from '../model/codecKit.js'
import { list, struct } from '../model/codecContainers.js'
import type { PodTemplateFields } from '../model/codecs.js'
import { jobSpecCodec, metaCodecs } from '../model/codecs.js'
import type { ConcurrencyPolicy, CronJobManifest } from './types.js'

/** The values `spec.concurrencyPolicy` accepts (C4). */
export const CONCURRENCY_POLICIES: ReadonlyArray<ConcurrencyPolicy> = ['Allow', 'Forbid', 'Replace']

function cronJobStatusCodec(mode: DecodeMode) {
  const reference = struct(
    'ObjectReference',
    { apiVersion: str, kind: str, namespace: str, name: str, uid: str, resourceVersion: str, fieldPath: str },
    mode,
  )
  return struct('CronJobStatus', { active: list(reference), lastScheduleTime: time, lastSuccessfulTime: time }, mode)
}

/** The CronJob codec for one decoding mode (see `DecodeMode`). */
export function cronJobCodec(mode: DecodeMode, podTemplateFields: PodTemplateFields = 'strict'): t.Type<CronJobManifest, CronJobManifest, unknown> {
  const { objectMeta } = metaCodecs(mode)
  const jobTemplate = struct('JobTemplateSpec', { metadata: objectMeta, spec: jobSpecCodec(mode, podTemplateFields) }, mode)
  const spec = struct(
    'CronJobSpec',
    {
      schedule: str,
      timeZone: str,
      startingDeadlineSeconds: int64,
      concurrencyPolicy: optionalEnum(CONCURRENCY_POLICIES, mode),
      suspend: bool,
      jobTemplate,
      successfulJobsHistoryLimit: int32,
      failedJobsHistoryLimit: int32,
    },
    mode,
  )
  const cronJob = struct(
    'CronJob',
    { apiVersion: literal('batch/v1'), kind: literal('CronJob'), metadata: objectMeta, spec, status: cronJobStatusCodec(mode) },
    mode,
    { required: ['apiVersion', 'kind'] },
  )
  // The decoded shape is checked against the declared `CronJobManifest` here, at compile time.
  return build<CronJobManifest>('CronJob', (u, c) => cronJob.validate(u, c))
}
