// A TypeScript consumer of every entry point: type-checked with moduleResolution nodenext and bundler.
import { decodeJob, prepareJobForCreate, reconcile, type Action, type Job, type Reconciliation } from 'job-reconciler'
import { formatIndexes } from 'job-reconciler/core'
import { JobStore, MemoryStore, type JobStoreService } from 'job-reconciler/adapters'
import { runConformance, type ConformanceOptions } from 'job-reconciler/conformance'

export function firstPlan(manifest: unknown, now: number): Reconciliation | undefined {
  const decoded = decodeJob(manifest)
  if (decoded._tag === 'Left') return undefined
  const job: Job = prepareJobForCreate(decoded.right, { uid: 'uid', now })
  return reconcile(job, [], now)
}

export const createsPods = (actions: ReadonlyArray<Action>): number => actions.filter((action) => action._tag === 'CreatePod').length
export const indexes: string = formatIndexes([{ first: 0, last: 3 }])
export const tag: typeof JobStore = JobStore
export type Store = JobStoreService
export const options: ConformanceOptions = { name: 'memory', layer: MemoryStore.layer }
export const register: (options: ConformanceOptions) => void = runConformance
