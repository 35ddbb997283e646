/**
 * Pod-failure back-off (spec §10.1: R75, R126–R129, R138).
 *
 * Pure arithmetic on failure counts and finish times; `now` is always passed in. The job-level
 * record (R127) lives in the shell's memory; this module only computes its next value.
 */
import { BACKOFF_BASE_ANNOTATION, BACKOFF_CAP_ANNOTATION, parsePositiveSeconds } from '../model/annotations.js'
import type { ContainerStatus, Job, Pod } from '../model/types.js'
import { parseTime } from '../model/time.js'
import {
  INDEX_FAILURE_COUNT_ANNOTATION,
  INDEX_IGNORED_FAILURE_COUNT_ANNOTATION,
  MAX_INT32,
} from '../model/wellKnown.js'
import { parseGoInt } from './intervals.js'

/** Back-off parameters: the delay after the first failure and the largest delay. */
export interface BackoffSettings {
  readonly baseMs: number
  readonly capMs: number
}

/** The project default (R126): 10 s doubling, capped at 6 minutes as the Jobs docs state. */
export const DOCUMENTED_BACKOFF: BackoffSettings = Object.freeze({ baseMs: 10_000, capMs: 360_000 })

/** Upstream's code values (R126): 10 s doubling, capped at 10 minutes. */
export const UPSTREAM_BACKOFF: BackoffSettings = Object.freeze({ baseMs: 10_000, capMs: 600_000 })

export { BACKOFF_BASE_ANNOTATION, BACKOFF_CAP_ANNOTATION } from '../model/annotations.js'

/** Whole positive seconds as milliseconds, or `undefined` for anything else. */
function positiveSecondsMs(text: string | undefined): number | undefined {
  const seconds = text === undefined ? undefined : parsePositiveSeconds(text)
  return seconds === undefined ? undefined : seconds * 1000
}

/**
 * The back-off settings for one Job: `engineDefault`, with the base and/or cap replaced by the
 * Job's `job-reconciler.io/backoff-{base,cap}-seconds` annotations when those hold positive
 * integer seconds. Each annotation is read on its own; an invalid value falls back to the
 * engine default (validation rejects such values at the API boundary elsewhere).
 */
export function backoffSettingsFor(job: Job, engineDefault: BackoffSettings): BackoffSettings {
  const annotations = job.metadata.annotations
  const baseMs = positiveSecondsMs(annotations?.[BACKOFF_BASE_ANNOTATION])
  const capMs = positiveSecondsMs(annotations?.[BACKOFF_CAP_ANNOTATION])
  if (baseMs === undefined && capMs === undefined) return engineDefault
  return { baseMs: baseMs ?? engineDefault.baseMs, capMs: capMs ?? engineDefault.capMs }
}

/** The job-level back-off record (R127). */
export interface BackoffRecord {
  readonly failuresAfterLastSuccess: number
  readonly lastFailureTimeMs?: number
}

/** No failures since the last success (or ever). */
export const emptyBackoffRecord: BackoffRecord = Object.freeze({ failuresAfterLastSuccess: 0 })

/**
 * R126: the delay after `failures` consecutive failures, `min(base × 2^(failures−1), cap)`;
 * 0 when `failures <= 0`. Constant time and never overflows (huge counts give the cap).
 */
export function backoffDelayMs(failures: number, settings: BackoffSettings): number {
  if (!(failures >= 1) || settings.baseMs <= 0) return 0
  const exponent = Math.min(Math.floor(failures) - 1, 2048)
  return Math.max(0, Math.min(settings.baseMs * 2 ** exponent, settings.capMs))
}

/** The time left before a new delay has elapsed since `lastFailureMs`; never negative. */
function remainingForCount(failures: number, lastFailureMs: number | undefined, nowMs: number, settings: BackoffSettings): number {
  if (failures <= 0 || lastFailureMs === undefined) return 0
  return Math.max(0, backoffDelayMs(failures, settings) - (nowMs - lastFailureMs))
}

/**
 * R126/R128: how long the job-level gate still holds, `max(0, delay − (now − lastFailure))`.
 * A record with failures but no known failure time does not hold the gate (upstream would
 * measure from the zero time, which is always long past).
 */
export function remainingBackoffMs(record: BackoffRecord, nowMs: number, settings: BackoffSettings): number {
  return remainingForCount(record.failuresAfterLastSuccess, record.lastFailureTimeMs, nowMs, settings)
}

/** Go's zero `time.Time` (year 1), which upstream treats as "not set". */
const GO_ZERO_TIME_MS = Date.parse('0001-01-01T00:00:00Z')

/** A parsed, non-zero time, or `undefined`. */
function nonZeroTime(time: string | undefined): number | undefined {
  const ms = parseTime(time)
  return ms === undefined || ms === GO_ZERO_TIME_MS ? undefined : ms
}

/**
 * R75: when the pod finished, for back-off purposes. The latest `finishedAt` of the app
 * container statuses if there is at least one and all are terminated with a non-zero
 * `finishedAt`; else the non-zero `lastTransitionTime` of a `Ready=False` condition; else
 * `deletionTimestamp − deletionGracePeriodSeconds` (missing grace period = 0); else
 * `creationTimestamp`; `undefined` when none is known.
 *
 * Departure from the spec text: like upstream since kubernetes#124942 (1.31, sidecars GA in
 * 1.33), restartable init containers (`restartPolicy: Always` in `spec.initContainers`) take
 * part in the first step too: each must be terminated with a non-zero `finishedAt`, and the
 * latest of those times wins (sidecars stop after the app containers). Plain init containers
 * are never looked at.
 */
export function podFinishTimeMs(pod: Pod): number | undefined {
  const fromContainers = finishTimeFromContainers(pod)
  if (fromContainers !== undefined) return fromContainers
  const ready = pod.status?.conditions?.find((condition) => condition.type === 'Ready')
  if (ready !== undefined && ready.status === 'False') {
    const transition = nonZeroTime(ready.lastTransitionTime)
    if (transition !== undefined) return transition
  }
  const deletion = parseTime(pod.metadata.deletionTimestamp)
  if (deletion !== undefined) return deletion - (pod.metadata.deletionGracePeriodSeconds ?? 0) * 1000
  return nonZeroTime(pod.metadata.creationTimestamp)
}

/**
 * Upstream's `latestFinishTime`: folds the statuses into `previous`, or `undefined` as soon as
 * one is not terminated with a non-zero `finishedAt`.
 */
function latestContainerFinish(previous: number | undefined, statuses: ReadonlyArray<ContainerStatus>): number | undefined {
  let latest = previous
  for (const status of statuses) {
    const finishedAt = nonZeroTime(status.state?.terminated?.finishedAt)
    if (finishedAt === undefined) return undefined
    if (latest === undefined || finishedAt > latest) latest = finishedAt
  }
  return latest
}

function finishTimeFromContainers(pod: Pod): number | undefined {
  const fromApp = latestContainerFinish(undefined, pod.status?.containerStatuses ?? [])
  const sidecars = new Set(
    (pod.spec.initContainers ?? []).filter((c) => c['restartPolicy'] === 'Always').map((c) => c.name),
  )
  if (sidecars.size === 0) return fromApp
  const sidecarStatuses = (pod.status?.initContainerStatuses ?? []).filter((s) => sidecars.has(s.name))
  return latestContainerFinish(fromApp, sidecarStatuses)
}

/** The latest finish time among `pods`; an unknown time counts as earliest, like Go's zero time. */
function latestFinishTime(pods: ReadonlyArray<Pod>): number {
  let latest = Number.NEGATIVE_INFINITY
  for (const pod of pods) latest = Math.max(latest, podFinishTimeMs(pod) ?? Number.NEGATIVE_INFINITY)
  return latest
}

/**
 * R127: the job-level record after a sync's newly finished pods. Only new failures: add their
 * number, last failure = the latest of their finish times. Only new successes: reset. Both:
 * reset, then count only the failures that finished strictly after the latest success.
 * `newlyFailed` must hold every newly finished pod considered failed (R71), `Ignore`d ones
 * included.
 */
export function nextBackoffRecord(
  previous: BackoffRecord,
  newlySucceeded: ReadonlyArray<Pod>,
  newlyFailed: ReadonlyArray<Pod>,
): BackoffRecord {
  if (newlyFailed.length === 0) return newlySucceeded.length === 0 ? previous : emptyBackoffRecord
  let failures = newlySucceeded.length === 0 ? previous.failuresAfterLastSuccess : 0
  const latestSuccess = latestFinishTime(newlySucceeded)
  let lastFailure = Number.NEGATIVE_INFINITY
  for (const pod of newlyFailed) {
    const finished = podFinishTimeMs(pod) ?? Number.NEGATIVE_INFINITY
    // With no new success every failure counts (even one whose finish time is unknown).
    if (newlySucceeded.length > 0 && !(finished > latestSuccess)) continue
    failures++
    lastFailure = Math.max(lastFailure, finished)
  }
  if (failures === 0) return emptyBackoffRecord
  return Number.isFinite(lastFailure)
    ? { failuresAfterLastSuccess: failures, lastFailureTimeMs: lastFailure }
    : { failuresAfterLastSuccess: failures }
}

/** An annotation value read as upstream's `parseInt32`: 0 unless an integer in [0, MaxInt32]. */
function countAnnotation(pod: Pod, key: string): number {
  const text = pod.metadata.annotations?.[key]
  const value = text === undefined ? undefined : parseGoInt(text)
  return value === undefined || value < 0 || value > MAX_INT32 ? 0 : value
}

/**
 * R138: the pod's `job-index-failure-count` and `job-index-ignored-failure-count`
 * annotations; missing or invalid values (unparsable, negative, above MaxInt32) read as 0.
 */
export function indexFailureCounts(pod: Pod): { readonly failures: number; readonly ignoredFailures: number } {
  return {
    failures: countAnnotation(pod, INDEX_FAILURE_COUNT_ANNOTATION),
    ignoredFailures: countAnnotation(pod, INDEX_IGNORED_FAILURE_COUNT_ANNOTATION),
  }
}

/**
 * R129: the per-index back-off left for an index whose last failed pod is `lastFailedPod`:
 * `n = failure count + ignored failure count + 1`, measured from that pod's finish time (R75).
 */
export function remainingIndexBackoffMs(lastFailedPod: Pod, nowMs: number, settings: BackoffSettings): number {
  const { failures, ignoredFailures } = indexFailureCounts(lastFailedPod)
  return remainingForCount(failures + ignoredFailures + 1, podFinishTimeMs(lastFailedPod), nowMs, settings)
}
