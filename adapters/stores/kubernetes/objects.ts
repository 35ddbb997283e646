/**
 * Translation between the API server's JSON and the model: decoding what the server sends
 * (with `core/model`'s codecs) and building the bodies of the writes (the pod to create, the
 * status patches, the metadata patches of adoption, release and finalizer removal).
 *
 * The server returns defaulted objects, so a Job needs no preparation here: it is decoded
 * (unknown fields kept, enums checked) and given the model's defaults again, which changes
 * nothing on a stored Job but types it as `Job`.
 */
import type { Either } from 'effect'
import { Either as E } from 'effect'
import { renderFieldError } from '../../../core/model/fieldErrors.js'
import { jobCodec } from '../../../core/model/codecs.js'
import { decodePod } from '../../../core/model/decode.js'
import { defaultJob } from '../../../core/model/defaults.js'
import type { CronJob, CronJobStatus } from '../../../core/index.js'
import { defaultCronJob } from '../../../core/index.js'
import { cronJobCodec } from '../../../core/cronjob/codec.js'
import type { Job, JobStatus, Pod, PodStatus } from '../../../core/model/types.js'
import type { PodMetadataPatch } from '../../ports/JobStore.js'
import { isKubeValidationError } from '../../../core/model/codecKit.js'

/** Jobs as the server stores them: every field the model knows is checked, unknown ones are kept. */
const storedJob = jobCodec({ unknownFields: 'keep', enums: 'strict' })

/** A Job the server sent (list items come without `apiVersion`/`kind`); `Left` explains what is wrong with it. */
export function decodeJobObject(raw: unknown): Either.Either<Job, string> {
  if (!isRecord(raw)) return E.left('not an object')
  const decoded = storedJob.decode({ ...raw, apiVersion: 'batch/v1', kind: 'Job' })
  if (decoded._tag === 'Left') {
    return E.left(
      decoded.left
        .map((e) => (isKubeValidationError(e) ? renderFieldError(e.fieldError) : (e.message ?? 'invalid value')))
        .join('; '),
    )
  }
  const manifest = decoded.right
  if (manifest.spec?.template === undefined || manifest.spec.selector === undefined) return E.left('a stored Job has a selector and a template')
  // The stored Job is defaulted already; `defaultJob` only types it (and is a no-op on its values).
  const job = defaultJob(manifest as Job)
  return E.right({ ...job, status: withCounters(job.status) })
}

/** CronJobs as the server stores them: every field the model knows is checked, unknown ones are kept. */
const storedCronJob = cronJobCodec({ unknownFields: 'keep', enums: 'strict' }, 'passThrough')

/** A CronJob the server sent (list items come without `apiVersion`/`kind`); `Left` explains what is wrong with it. */
export function decodeCronJobObject(raw: unknown): Either.Either<CronJob, string> {
  if (!isRecord(raw)) return E.left('not an object')
  const decoded = storedCronJob.decode({ ...raw, apiVersion: 'batch/v1', kind: 'CronJob' })
  if (decoded._tag === 'Left') {
    return E.left(
      decoded.left
        .map((e) => (isKubeValidationError(e) ? renderFieldError(e.fieldError) : (e.message ?? 'invalid value')))
        .join('; '),
    )
  }
  // The stored CronJob is defaulted already; `defaultCronJob` only types it.
  return E.right(defaultCronJob(decoded.right))
}

/** The status subresource write of a CronJob: as `jobStatusPatch`, the status replaced whole, guarded by the resourceVersion. */
export function cronJobStatusPatch(status: CronJobStatus, resourceVersion: string): ReadonlyArray<Record<string, unknown>> {
  return [
    { op: 'replace', path: '/metadata/resourceVersion', value: resourceVersion },
    { op: 'add', path: '/status', value: status },
  ]
}

/**
 * `active`, `succeeded` and `failed` are plain `int32` fields with `omitempty`: the server
 * leaves out a 0, and every Go client reads it back as 0. So does this store, so that a status
 * the controller wrote (`active: 0`) reads back as it was written.
 */
function withCounters(status: JobStatus | undefined): JobStatus {
  return { ...status, active: status?.active ?? 0, succeeded: status?.succeeded ?? 0, failed: status?.failed ?? 0 }
}

/** A pod the server sent; `Left` explains what is wrong with it. */
export function decodePodObject(raw: unknown): Either.Either<Pod, string> {
  if (!isRecord(raw)) return E.left('not an object')
  const decoded = decodePod({ ...raw, apiVersion: 'v1', kind: 'Pod' })
  return decoded._tag === 'Right' ? E.right(decoded.right) : E.left(decoded.left.map(renderFieldError).join('; '))
}

/** The body of a pod creation: the pod without the fields the server assigns. */
export function podForCreate(pod: Pod, namespace: string): Record<string, unknown> {
  const { resourceVersion: _rv, uid: _uid, creationTimestamp: _ct, deletionTimestamp: _dt, deletionGracePeriodSeconds: _dg, ...metadata } = pod.metadata
  return { ...pod, apiVersion: 'v1', kind: 'Pod', metadata: { ...metadata, namespace } }
}

/** The body of a Job creation: the manifest in its namespace. */
export function jobForCreate(manifest: Record<string, unknown>, namespace: string): Record<string, unknown> {
  return { ...manifest, metadata: { ...(isRecord(manifest['metadata']) ? manifest['metadata'] : {}), namespace } }
}

/**
 * The status subresource write of a Job as a JSON patch: the status replaced whole, guarded by
 * the resourceVersion (a patch that sets `metadata.resourceVersion` makes the server check it,
 * so a stale one is a 409 as with PUT). A PUT would need the whole Job, and the port hands over
 * only the status; a PUT with partial metadata would also clear the Job's labels and finalizers.
 */
export function jobStatusPatch(status: JobStatus, resourceVersion: string): ReadonlyArray<Record<string, unknown>> {
  return [
    { op: 'replace', path: '/metadata/resourceVersion', value: resourceVersion },
    { op: 'add', path: '/status', value: status },
  ]
}

/** The fields of a pod status the model knows; the kubelet's write replaces these and leaves the server's own (`qosClass`, IPs) alone. */
const POD_STATUS_FIELDS: ReadonlyArray<keyof PodStatus> = ['phase', 'conditions', 'containerStatuses', 'initContainerStatuses', 'startTime', 'reason', 'message']

/**
 * The kubelet's status write as a merge patch (what the kubelet and kwok send): every field of
 * the new status, `null` for each known field it no longer has, and the resourceVersion as a
 * precondition when one is given.
 */
export function podStatusPatch(status: PodStatus, resourceVersion: string | undefined): Record<string, unknown> {
  const body: Record<string, unknown> = { ...status }
  for (const field of POD_STATUS_FIELDS) if (body[field] === undefined) body[field] = null
  return { ...(resourceVersion !== undefined ? { metadata: { resourceVersion } } : {}), status: body }
}

/**
 * The Job controller's metadata patch of a pod as a strategic merge patch, the way upstream
 * sends it: finalizers added by merging and removed with `$deleteFromPrimitiveList` (only the
 * named ones: other controllers' finalizers stay), owner references merged or deleted by uid,
 * and `metadata.uid` as a guard (the server refuses to change a uid, so a patch meant for a
 * pod that was replaced by another of the same name fails).
 */
export function podMetadataPatch(patch: PodMetadataPatch): Record<string, unknown> {
  const metadata: Record<string, unknown> = {}
  if (patch.expectUid !== undefined && patch.expectUid !== '') metadata['uid'] = patch.expectUid
  if ((patch.addFinalizers ?? []).length > 0) metadata['finalizers'] = [...(patch.addFinalizers ?? [])]
  if ((patch.removeFinalizers ?? []).length > 0) metadata['$deleteFromPrimitiveList/finalizers'] = [...(patch.removeFinalizers ?? [])]
  const owners: unknown[] = []
  if (patch.addOwnerReference !== undefined) owners.push(patch.addOwnerReference)
  if (patch.removeOwnerReferenceUid !== undefined) owners.push({ $patch: 'delete', uid: patch.removeOwnerReferenceUid })
  if (owners.length > 0) metadata['ownerReferences'] = owners
  return { metadata }
}

/** A strategic merge patch removing one finalizer from an object. */
export function removeFinalizerPatch(finalizer: string): Record<string, unknown> {
  return { metadata: { '$deleteFromPrimitiveList/finalizers': [finalizer] } }
}

/** A JSON object (not an array, not null). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
