import type { JobStatus, Pod } from '../model/types.js'

/**
 * What `reconcile` asks the world to do. Actions are data, applied in order, in two parts:
 * pod management (`AdoptPod`, `ReleasePod`, `CreatePod`, `DeletePod` and the
 * `RemoveTrackingFinalizer` right before a `DeletePod`), then, from `Reconciliation.trackingFrom`,
 * status tracking (`UpdateJobStatus`, `RemoveTrackingFinalizer` of finished pods, `RecordEvent`,
 * `DeleteJob`). One addition to that order: a sync that takes a new terminal decision and
 * stops running pods for it (R89) starts its pod-management part with an `UpdateJobStatus`
 * that stores the interim condition (`FailureTarget` / `SuccessCriteriaMet`, R111) and nothing
 * about the pods it is about to stop, before the first `DeletePod`, so that no pod is stopped
 * for a verdict that is not stored; once stored, the condition fixes the verdict (R88.1,
 * R88.2, R145). The status-tracking part that follows is upstream's, write #1 included.
 * A failed pod call does not skip the status write, as upstream (R93, R112.4):
 * - a failed `CreatePod`, `DeletePod` or pod-management `RemoveTrackingFinalizer`: finish the
 *   pod-management part (a failed creation batch abandons the later batches, R101), then apply
 *   `reconcileAfterFailedPodCalls(…)` with what failed in place of the status-tracking part;
 *   it is given the Job as the plan's last status write left it (the interim condition, if
 *   the plan stored one, stays: the decision just is not carried out in this sync, R89);
 * - a failed `RemoveTrackingFinalizer` of the status-tracking part: once the other removals of
 *   its run are done, apply `reconcileAfterFailedPodCalls(…)` with every failure so far in
 *   place of the rest (the write of the partial progress);
 * - then report the first pod-call error, so the Job is synced again with back-off (R161).
 * A failed `AdoptPod`, `ReleasePod`, `UpdateJobStatus` or `DeleteJob` stops the plan there,
 * with no later action applied (a failed interim write: no pod is stopped).
 * Either way the next sync starts from fresh state; the finalizer protocol keeps any stop safe.
 */
export type Action =
  | AdoptPod
  | ReleasePod
  | CreatePod
  | DeletePod
  | RemoveTrackingFinalizer
  | UpdateJobStatus
  | RecordEvent
  | DeleteJob

/** Take an orphan pod that matches the selector: add the controller reference and the tracking finalizer (R170). */
export interface AdoptPod {
  readonly _tag: 'AdoptPod'
  readonly podName: string
  readonly podUid: string
}

/** Give up an owned pod that no longer matches the selector: drop our reference and finalizer (R170). */
export interface ReleasePod {
  readonly _tag: 'ReleasePod'
  readonly podName: string
  readonly podUid: string
}

/**
 * Create a pod rendered from the template (R103–R105). The store assigns the name from
 * `generateName`. Pods of one `batch` may be created in parallel; batches grow 1, 2, 4, …
 * (slow start, R101) and a failure abandons the later batches: the refused and the abandoned
 * ones are `FailedPodCalls.creationsNotMade`.
 */
export interface CreatePod {
  readonly _tag: 'CreatePod'
  readonly pod: Pod
  readonly batch: number
  /** The completion index, for Indexed jobs. */
  readonly index?: number
}

/** Why a pod is deleted: it shapes the applier's event and log, not the deletion itself. */
export type PodDeletionReason = 'Suspended' | 'Excess' | 'JobFinished'

/**
 * Delete a pod. Its tracking finalizer, if any, stays unless a `RemoveTrackingFinalizer` came
 * first; when that removal fails, the pod is not deleted. A pod already gone counts as done;
 * any other failure makes the pod one of `FailedPodCalls.deletionsFailed`.
 */
export interface DeletePod {
  readonly _tag: 'DeletePod'
  readonly podName: string
  readonly podUid: string
  readonly reason: PodDeletionReason
}

/**
 * Remove `batch.kubernetes.io/job-tracking` from a pod; a pod that is already gone counts as
 * done. In the status-tracking part, a failure makes the pod one of
 * `FailedPodCalls.finalizerRemovalsFailed`.
 */
export interface RemoveTrackingFinalizer {
  readonly _tag: 'RemoveTrackingFinalizer'
  readonly podName: string
  readonly podUid: string
}

/**
 * Replace the Job's status through the status subresource. The first write of a
 * reconciliation carries the Job's `resourceVersion` as read; later writes carry the one the
 * previous write returned. Any failure (a conflict above all) stops the plan.
 */
export interface UpdateJobStatus {
  readonly _tag: 'UpdateJobStatus'
  readonly status: JobStatus
}

export type EventType = 'Normal' | 'Warning'

/** Record an event about the Job (R156). Pod create/delete events are the applier's (R106). */
export interface RecordEvent {
  readonly _tag: 'RecordEvent'
  readonly eventType: EventType
  readonly reason: string
  readonly message: string
}

/** Delete the Job itself: the TTL-after-finished duty (R164–R165). */
export interface DeleteJob {
  readonly _tag: 'DeleteJob'
  readonly propagation: 'Foreground'
  /** Precondition: only delete the Job with this uid. */
  readonly uid: string
}
