/**
 * Which unbound pods a runtime beside a cluster takes: those of the Jobs its own controller
 * runs. A cluster's scheduler places every other pod; taking those would steal them.
 */
import { Effect, Schedule } from 'effect'
import { isManagedBy } from '../../../core/reconcile/reconcile.js'
import type { Pod } from '../../../core/model/types.js'
import type { JobStoreService } from '../../ports/JobStore.js'

/** Jobs whose answer is remembered at once: far more than run at a time on one machine. */
const MAX_REMEMBERED_JOBS = 10_000

/**
 * A `takesPod` for `ProcessRuntime`: the pod's controlling owner is a Job (same uid) whose
 * `spec.managedBy` is `controllerName`. Jobs are looked up once per uid (through a passing
 * outage, for ten seconds); a Job that is gone declines the pod.
 */
export function podsOfJobsManagedBy(store: JobStoreService, controllerName: string): (pod: Pod) => Effect.Effect<boolean> {
  /** Per Job uid; forgotten wholesale when full, so a long-lived node does not grow with every Job it has seen. */
  const decided = new Map<string, boolean>()
  return (pod) => {
    const owner = pod.metadata.ownerReferences?.find((ref) => ref.controller === true)
    if (owner === undefined || owner.kind !== 'Job' || owner.apiVersion !== 'batch/v1') return Effect.succeed(false)
    const known = decided.get(owner.uid)
    if (known !== undefined) return Effect.succeed(known)
    return store.getJob({ namespace: pod.metadata.namespace ?? 'default', name: owner.name }).pipe(
      Effect.map((job) => {
        const takes = job.metadata.uid === owner.uid && isManagedBy(job, controllerName)
        if (decided.size >= MAX_REMEMBERED_JOBS) decided.clear()
        decided.set(owner.uid, takes)
        return takes
      }),
      Effect.retry({ schedule: Schedule.spaced('1 second'), times: 10, while: (error) => error._tag === 'StoreUnavailable' }),
      Effect.orElseSucceed(() => false),
    )
  }
}
