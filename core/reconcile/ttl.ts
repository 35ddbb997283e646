import type { Job } from '../model/types.js'
import { parseTime } from '../model/time.js'
import { finishedConditionOf } from './conditions.js'

/** The TTL-after-finished duty for a finished Job (R164–R166). */
export type TtlVerdict =
  | { readonly _tag: 'NoTtl' }
  | { readonly _tag: 'Expired' }
  | { readonly _tag: 'ExpiresIn'; readonly ms: number }

export function ttlVerdict(job: Job, nowMs: number): TtlVerdict {
  const ttlSeconds = job.spec.ttlSecondsAfterFinished
  if (ttlSeconds === undefined || job.metadata.deletionTimestamp !== undefined) return { _tag: 'NoTtl' }
  const finishedAt = parseTime(finishedConditionOf(job.status)?.lastTransitionTime)
  if (finishedAt === undefined) return { _tag: 'NoTtl' }
  const remaining = finishedAt + ttlSeconds * 1000 - nowMs
  return remaining <= 0 ? { _tag: 'Expired' } : { _tag: 'ExpiresIn', ms: remaining }
}
