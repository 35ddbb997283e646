/**
 * Test helper: a store that refuses some calls the way an API server with an exhausted
 * ResourceQuota or a rejecting admission webhook does (HTTP 403, which the ports report as
 * `StoreUnavailable`). The settings are read at each call, so a test can lift a refusal.
 */
import { Effect } from 'effect'
import { StoreUnavailable } from '../../../ports/errors.js'
import type { JobStoreService } from '../../../ports/JobStore.js'

export interface Refusals {
  /** Refuse every pod creation once this many went through (0: refuse all; undefined: none). */
  createPodAfter?: number | undefined
  /** Refuse finalizer removals. */
  finalizerRemoval?: boolean
  /** Refuse pod deletions. */
  deletePod?: boolean
  /** Refuse status writes. */
  updateJobStatus?: boolean
}

export const quotaExceeded = (what: string): StoreUnavailable =>
  new StoreUnavailable({ reason: `${what} is forbidden: exceeded quota: pod-quota, requested: pods=1, used: pods=0, limited: pods=0` })

/** `store` with the calls `refusals` names refused; everything else goes through. */
export function refusing(store: JobStoreService, refusals: Refusals): JobStoreService {
  let created = 0
  return {
    ...store,
    createPod: (pod) =>
      Effect.suspend(() => {
        if (refusals.createPodAfter !== undefined && created >= refusals.createPodAfter) return Effect.fail(quotaExceeded('pods'))
        created++
        return store.createPod(pod)
      }),
    patchPodMetadata: (key, patch) =>
      Effect.suspend(() =>
        refusals.finalizerRemoval === true && (patch.removeFinalizers ?? []).length > 0
          ? Effect.fail(quotaExceeded(`pods "${key.name}"`))
          : store.patchPodMetadata(key, patch),
      ),
    deletePod: (key, options) =>
      Effect.suspend(() => (refusals.deletePod === true ? Effect.fail(quotaExceeded(`pods "${key.name}"`)) : store.deletePod(key, options))),
    updateJobStatus: (key, status, resourceVersion) =>
      Effect.suspend(() =>
        refusals.updateJobStatus === true ? Effect.fail(quotaExceeded(`jobs.batch "${key.name}"`)) : store.updateJobStatus(key, status, resourceVersion),
      ),
  }
}
