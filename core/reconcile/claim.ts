import type { Job, Pod } from '../model/types.js'
import { selectorMatcher } from '../model/labelSelector.js'
import { TRACKING_FINALIZER } from '../model/wellKnown.js'
import { controllerRefOf } from './podState.js'

/** The outcome of the claim step (R67, R170). */
export interface ClaimedPods {
  /** The Job's pods: owned ones that still match, plus the orphans adopted in this sync. */
  readonly pods: ReadonlyArray<Pod>
  readonly adopted: ReadonlyArray<Pod>
  readonly released: ReadonlyArray<Pod>
}

/**
 * Sorts the candidate pods of the Job's namespace into the Job's own, those to adopt and
 * those to release. Adopted pods are returned as they will look after the adoption patch
 * (controller reference and tracking finalizer added), so they are counted at once (R171).
 */
export function claimPods(job: Job, candidates: ReadonlyArray<Pod>): ClaimedPods {
  const jobUid = job.metadata.uid ?? ''
  const jobIsBeingDeleted = job.metadata.deletionTimestamp !== undefined
  const pods: Pod[] = []
  const adopted: Pod[] = []
  const released: Pod[] = []
  const selected = selectorMatcher(job.spec.selector)
  for (const pod of candidates) {
    if (pod.metadata.namespace !== job.metadata.namespace) continue
    const controller = controllerRefOf(pod)
    const matches = selected(pod.metadata.labels)
    if (controller !== undefined) {
      if (controller.uid !== jobUid) continue
      if (matches) pods.push(pod)
      else if (!jobIsBeingDeleted) released.push(pod)
      continue
    }
    if (!matches || jobIsBeingDeleted || pod.metadata.deletionTimestamp !== undefined) continue
    const adoptedPod = asAdopted(job, pod)
    adopted.push(adoptedPod)
    pods.push(adoptedPod)
  }
  return { pods, adopted, released }
}

function asAdopted(job: Job, pod: Pod): Pod {
  const finalizers = pod.metadata.finalizers ?? []
  return {
    ...pod,
    metadata: {
      ...pod.metadata,
      ownerReferences: [...(pod.metadata.ownerReferences ?? []), controllerReferenceTo(job)],
      finalizers: finalizers.includes(TRACKING_FINALIZER) ? finalizers : [...finalizers, TRACKING_FINALIZER],
    },
  }
}

/** The controller owner reference every pod of the Job carries (R103). */
export function controllerReferenceTo(job: Job) {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    name: job.metadata.name ?? '',
    uid: job.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  } as const
}
