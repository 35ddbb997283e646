/**
 * The API server's pod writes as pure functions from the stored pod to a `Write`: what the
 * pod registry does on create, the metadata patches the Job controller sends, binding, the
 * kubelet's status updates and graceful deletion. The caller supplies uid, time and name;
 * the store stamps the resourceVersion.
 */
import { Either } from 'effect'
import type { FieldError } from '../../../core/model/fieldErrors.js'
import { invalid, renderFieldError } from '../../../core/model/fieldErrors.js'
import { jsonEqual } from '../../../core/model/equality.js'
import { withProperties } from '../../../core/model/objects.js'
import { formatTime, parseTime } from '../../../core/model/time.js'
import type { ObjectMeta, OwnerReference, Pod, PodCondition, PodStatus } from '../../../core/model/types.js'
import { validateObjectMeta } from '../../../core/model/validation.js'
import type { DeleteOptions, PodMetadataPatch } from '../../ports/JobStore.js'
import { Conflict, Invalid } from '../../ports/errors.js'
import { DEFAULT_NAMESPACE, checkResourceVersion, checkUid, conflict, editList, put, putOrRemove, remove, sameList, unchanged, validateFinalizersUpdate } from './objectMeta.js'
import type { Write } from './objectMeta.js'
import { containerStateTransitionErrors } from './containerStateTransitions.js'

/** The grace period of a pod whose spec names none (`terminationGracePeriodSeconds` default). */
export const DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS = 30

/**
 * A new pod as the API server stores it: the given name (already generated from
 * `generateName` by the caller when needed), namespace defaulted, uid and creation time set,
 * deletion fields and resourceVersion cleared, status `Pending` unless the caller brought one.
 * The metadata is validated as for any object (`ValidateObjectMeta`: name or generateName,
 * namespace, labels, annotations); the pod spec is not.
 */
export function createPod(pod: Pod, assigned: { readonly name: string | undefined; readonly uid: string; readonly nowMs: number }): Either.Either<Pod, Invalid> {
  const { resourceVersion: _rv, deletionTimestamp: _dt, deletionGracePeriodSeconds: _dg, ...metadata } = pod.metadata
  const created: Pod = withProperties(pod, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: withProperties(metadata, {
      name: assigned.name ?? '',
      namespace: pod.metadata.namespace ?? DEFAULT_NAMESPACE,
      uid: assigned.uid,
      creationTimestamp: formatTime(assigned.nowMs),
    }),
    status: withProperties(pod.status, { phase: pod.status?.phase ?? 'Pending' }),
  })
  const errors = validateObjectMeta(created.metadata)
  return errors.length > 0 ? Either.left(invalidPod(created.metadata.name ?? '', errors)) : Either.right(created)
}

/**
 * The Job controller's metadata patches: finalizers and owner references. Fails with
 * `Conflict` when `expectUid` names another pod, and `Invalid` when it would add a finalizer
 * to a pod being deleted or a second controller reference. Removing the last finalizer of a
 * pod whose deletion is due removes the pod.
 */
export function patchPodMetadata(stored: Pod, patch: PodMetadataPatch): Either.Either<Write<Pod>, Conflict | Invalid> {
  const uidConflict = checkUid('Pod', stored.metadata, patch.expectUid)
  if (uidConflict !== undefined) return Either.left(uidConflict)
  const meta = stored.metadata
  const finalizers = editList(meta.finalizers, patch.addFinalizers ?? [], patch.removeFinalizers ?? [])
  const ownersBefore = meta.ownerReferences ?? []
  const ownerReferences = editOwnerReferences(ownersBefore, patch)
  const finalizersChanged = !sameList(meta.finalizers, finalizers)
  const ownersChanged = ownerReferences !== ownersBefore
  if (!finalizersChanged && !ownersChanged) return Either.right(unchanged(stored))
  const errors = [...validateFinalizersUpdate(meta, finalizers), ...validateControllerReferences(ownerReferences)]
  if (errors.length > 0) return Either.left(invalidPod(meta.name ?? '', errors))
  return Either.right(putOrRemove({ ...stored, metadata: withLists(meta, finalizers, ownerReferences) }))
}

/**
 * The scheduler's binding: sets `spec.nodeName` and the `PodScheduled` condition. A pod that is
 * bound already or being deleted cannot be bound (`Conflict`), as with the API server.
 */
export function bindPod(stored: Pod, nodeName: string, nowMs: number): Either.Either<Write<Pod>, Conflict> {
  const name = stored.metadata.name ?? ''
  if (stored.metadata.deletionTimestamp !== undefined) {
    return Either.left(conflict('Pod', stored.metadata, `pod ${name} is being deleted, cannot be assigned to a host`))
  }
  if (stored.spec.nodeName !== undefined && stored.spec.nodeName !== '') {
    return Either.left(conflict('Pod', stored.metadata, `pod ${name} is already assigned to node "${stored.spec.nodeName}"`))
  }
  const scheduled: PodCondition = { type: 'PodScheduled', status: 'True', lastTransitionTime: formatTime(nowMs) }
  const conditions = [...(stored.status?.conditions ?? []).filter((c) => c.type !== 'PodScheduled'), scheduled]
  return Either.right(put({ ...stored, spec: { ...stored.spec, nodeName }, status: { ...stored.status, conditions } }))
}

/**
 * The kubelet's status write: replaces the status; a given `resourceVersion` must be current.
 * The same status again changes nothing (no new version, no event). A terminated container may
 * not go back to a non-terminated state unless it would be restarted (`Invalid`; see
 * `containerStateTransitions.ts`); the phase may change, as with the API server.
 */
export function updatePodStatus(stored: Pod, status: PodStatus, resourceVersion: string | undefined): Either.Either<Write<Pod>, Conflict | Invalid> {
  const stale = checkResourceVersion('Pod', stored.metadata, resourceVersion)
  if (stale !== undefined) return Either.left(stale)
  if (jsonEqual(stored.status, status)) return Either.right(unchanged(stored))
  const errors = containerStateTransitionErrors(stored, status)
  if (errors.length > 0) return Either.left(invalidPod(stored.metadata.name ?? '', errors))
  return Either.right(put({ ...stored, status }))
}

/**
 * A DELETE of a pod, with the pod registry's graceful deletion:
 * - the grace period is the request's, else the pod's `terminationGracePeriodSeconds`, else
 *   30; it is 0 for a pod not bound to a node or already terminal (`Succeeded`/`Failed`), and
 *   1 when negative;
 * - grace 0 removes the pod at once, unless finalizers hold it: then it gets
 *   `deletionTimestamp` (now) and `deletionGracePeriodSeconds: 0` and goes with its last finalizer;
 * - grace > 0 sets `deletionTimestamp` to now + grace and `deletionGracePeriodSeconds`; the pod
 *   stays until the kubelet deletes it again with grace 0;
 * - a pod being deleted already can only have its grace period shortened (the deadline moves
 *   to the first request's time + the new grace); any other repeat changes nothing.
 */
export function deletePod(stored: Pod, options: DeleteOptions | undefined, nowMs: number): Either.Either<Write<Pod>, Conflict> {
  const uidConflict = checkUid('Pod', stored.metadata, options?.preconditionUid)
  if (uidConflict !== undefined) return Either.left(uidConflict)
  const meta = stored.metadata
  const grace = gracePeriodSeconds(stored, options)
  const hasFinalizers = (meta.finalizers ?? []).length > 0
  if (meta.deletionTimestamp === undefined) {
    if (grace === 0 && !hasFinalizers) return Either.right(remove(stored))
    return Either.right(put(withDeletion(stored, nowMs + grace * 1000, grace)))
  }
  const current = meta.deletionGracePeriodSeconds ?? 0
  if (grace >= current) return Either.right(unchanged(stored))
  const requestedMs = (parseTime(meta.deletionTimestamp) ?? nowMs) - current * 1000
  return Either.right(putOrRemove(withDeletion(stored, requestedMs + grace * 1000, grace)))
}

function gracePeriodSeconds(pod: Pod, options: DeleteOptions | undefined): number {
  const phase = pod.status?.phase
  if (pod.spec.nodeName === undefined || pod.spec.nodeName === '' || phase === 'Succeeded' || phase === 'Failed') return 0
  const requested = options?.gracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds ?? DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS
  return requested < 0 ? 1 : Math.floor(requested)
}

function withDeletion(pod: Pod, deadlineMs: number, grace: number): Pod {
  return { ...pod, metadata: { ...pod.metadata, deletionTimestamp: formatTime(deadlineMs), deletionGracePeriodSeconds: grace } }
}

function withLists(meta: ObjectMeta, finalizers: ReadonlyArray<string>, ownerReferences: ReadonlyArray<OwnerReference>): ObjectMeta {
  const { finalizers: _f, ownerReferences: _o, ...rest } = meta
  return {
    ...rest,
    ...(finalizers.length > 0 ? { finalizers } : {}),
    ...(ownerReferences.length > 0 ? { ownerReferences } : {}),
  }
}

/** The owner references after the patch; the same array when nothing changes. */
function editOwnerReferences(refs: ReadonlyArray<OwnerReference>, patch: PodMetadataPatch): ReadonlyArray<OwnerReference> {
  let result = refs
  if (patch.removeOwnerReferenceUid !== undefined && result.some((r) => r.uid === patch.removeOwnerReferenceUid)) {
    result = result.filter((r) => r.uid !== patch.removeOwnerReferenceUid)
  }
  const added = patch.addOwnerReference
  if (added !== undefined && !result.some((r) => r.uid === added.uid)) result = [...result, added]
  return result
}

/** `ValidateOwnerReferences`: at most one reference may be the controller. */
function validateControllerReferences(refs: ReadonlyArray<OwnerReference>): FieldError[] {
  const controllers = refs.filter((r) => r.controller === true)
  if (controllers.length <= 1) return []
  const names = controllers.map((r) => `${r.kind}/${r.name}`).join(', ')
  return [
    invalid(
      'metadata.ownerReferences',
      refs.map((r) => ({ ...r })),
      `Only one reference can have Controller set to true. Found "true" in references for ${names}`,
    ),
  ]
}

/** The API server's 422 for a pod: `Pod "x" is invalid: <errors>`. */
function invalidPod(name: string, errors: ReadonlyArray<FieldError>): Invalid {
  const messages = [...new Set(errors.map(renderFieldError))]
  const rendered = messages.length === 1 ? (messages[0] ?? '') : `[${messages.join(', ')}]`
  return new Invalid({ kind: 'Pod', name, errors, reason: `Pod ${JSON.stringify(name)} is invalid: ${rendered}` })
}
