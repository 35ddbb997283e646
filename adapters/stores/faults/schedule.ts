/**
 * Fault schedules: which call to a `JobStore`, and which watch event, goes wrong, and how.
 * A schedule is a pure function of the call's position (its operation and how many calls came
 * before it), so the same schedule against the same program injects the same faults: a failing
 * property-test case replays from its seed.
 */
import type { JobStoreService } from '../../ports/JobStore.js'

/** A store operation, by its name in `JobStoreService`. */
export type Operation = keyof JobStoreService

/** The watches of the port. */
export type WatchOperation = 'watchJobs' | 'watchPods'

/**
 * What can go wrong with one call:
 * - `conflict`: a write carrying a resourceVersion is refused as stale (409 Conflict), not applied;
 * - `unavailable`: the call fails at once without effect (a dropped connection, a 5xx);
 * - `timeout`: the call hangs for the plan's timeout, then fails without effect;
 * - `lostAck`: the write is applied, but the caller is told it failed (the answer was lost);
 * - `forbidden`: a create is refused with 403 (a ResourceQuota admission), not applied;
 * - `invalid`: a create is refused with 422 (an admission webhook or validation), not applied.
 */
export type CallFault = 'conflict' | 'unavailable' | 'timeout' | 'lostAck' | 'forbidden' | 'invalid'

/**
 * What can go wrong with one watch event:
 * - `delay`: it (and so everything after it) arrives the plan's watch delay later;
 * - `duplicate`: it arrives twice;
 * - `dropThenGone`: it is lost and the watch ends with `410 Gone`, so the watcher relists.
 */
export type WatchFault = 'delay' | 'duplicate' | 'dropThenGone'

/** One call, as a schedule sees it. */
export interface Call {
  readonly operation: Operation
  /** 1 for the first call of this operation through the wrapper, counting across controllers. */
  readonly operationNumber: number
  /** 1 for the first call of any operation. */
  readonly number: number
}

/** One object event of a watch, as a schedule sees it. */
export interface WatchEventCall {
  readonly operation: WatchOperation
  /** 1 for the first event delivered by any watch of this operation. */
  readonly eventNumber: number
}

/** Decides the fault, if any, of each call and each watch event. */
export interface FaultSchedule {
  readonly onCall: (call: Call) => CallFault | undefined
  readonly onWatchEvent: (event: WatchEventCall) => WatchFault | undefined
}

/** Writes: what `lostAck` applies to, and what crash points count. */
export const WRITE_OPERATIONS: ReadonlySet<Operation> = new Set<Operation>([
  'createJob',
  'updateJob',
  'updateJobStatus',
  'removeJobFinalizer',
  'deleteJob',
  'createPod',
  'patchPodMetadata',
  'bindPod',
  'updatePodStatus',
  'deletePod',
  'createEvent',
  'patchEvent',
])

/** Writes that carry a resourceVersion, the only ones an API server refuses as stale. */
export const VERSIONED_WRITES: ReadonlySet<Operation> = new Set<Operation>(['updateJob', 'updateJobStatus', 'updatePodStatus'])

/** Creates, which admission (quota, webhooks) can refuse. */
export const CREATE_OPERATIONS: ReadonlySet<Operation> = new Set<Operation>(['createJob', 'createPod'])

/** Whether a fault is one the API server could produce for this operation. */
export function appliesTo(fault: CallFault, operation: Operation): boolean {
  switch (fault) {
    case 'conflict':
      return VERSIONED_WRITES.has(operation)
    case 'unavailable':
    case 'timeout':
      return true
    case 'lostAck':
      return WRITE_OPERATIONS.has(operation)
    case 'forbidden':
    case 'invalid':
      return CREATE_OPERATIONS.has(operation)
  }
}

/** No faults at all. */
export const noFaults: FaultSchedule = { onCall: () => undefined, onWatchEvent: () => undefined }

/** A rule of a scripted schedule: every matching call (or only its `nth`) gets `fault`. */
export type CallRule = {
  readonly operation?: Operation
  /** Only the nth call of `operation` (of any operation when omitted); every one when omitted. */
  readonly nth?: number
  readonly fault: CallFault
}

/** A rule of a scripted schedule for watch events. */
export type WatchRule = {
  readonly operation?: WatchOperation
  readonly nth?: number
  readonly fault: WatchFault
}

/**
 * A schedule written out: the first rule that matches a call decides its fault; a rule whose
 * fault does not apply to the operation never matches (a conflict on a create, say).
 *
 *   scripted({ calls: [{ operation: 'createPod', fault: 'forbidden' }] })  // every create refused
 */
export function scripted(rules: { readonly calls?: ReadonlyArray<CallRule>; readonly watchEvents?: ReadonlyArray<WatchRule> }): FaultSchedule {
  return {
    onCall: (call) => {
      for (const rule of rules.calls ?? []) {
        if (rule.operation !== undefined && rule.operation !== call.operation) continue
        const position = rule.operation !== undefined ? call.operationNumber : call.number
        if (rule.nth !== undefined && rule.nth !== position) continue
        if (appliesTo(rule.fault, call.operation)) return rule.fault
      }
      return undefined
    },
    onWatchEvent: (event) => {
      for (const rule of rules.watchEvents ?? []) {
        if (rule.operation !== undefined && rule.operation !== event.operation) continue
        if (rule.nth !== undefined && rule.nth !== event.eventNumber) continue
        return rule.fault
      }
      return undefined
    },
  }
}

/** The probability of each fault, per call (or per watch event) it applies to. */
export type FaultRates = Partial<Readonly<Record<CallFault | `watch-${WatchFault}`, number>>>

const CALL_FAULTS: ReadonlyArray<CallFault> = ['conflict', 'unavailable', 'timeout', 'lostAck', 'forbidden', 'invalid']
const WATCH_FAULTS: ReadonlyArray<WatchFault> = ['delay', 'duplicate', 'dropThenGone']

/**
 * A random schedule from a seed: each call draws one number from a hash of (seed, operation,
 * position), so its fault depends only on where it stands, never on what was drawn before.
 * The probabilities of the faults that apply to a call are added up (at most 1 in all).
 */
export function seeded(seed: number, rates: FaultRates): FaultSchedule {
  return {
    onCall: (call) => {
      const draw = unitInterval(seed, operationSalt(call.operation), call.operationNumber)
      let threshold = 0
      for (const fault of CALL_FAULTS) {
        if (!appliesTo(fault, call.operation)) continue
        threshold += rates[fault] ?? 0
        if (draw < threshold) return fault
      }
      return undefined
    },
    onWatchEvent: (event) => {
      const draw = unitInterval(seed, operationSalt(event.operation) ^ 0x5bd1e995, event.eventNumber)
      let threshold = 0
      for (const fault of WATCH_FAULTS) {
        threshold += rates[`watch-${fault}`] ?? 0
        if (draw < threshold) return fault
      }
      return undefined
    },
  }
}

/** A stable number for an operation's name. */
function operationSalt(operation: string): number {
  let hash = 0x811c9dc5
  for (let i = 0; i < operation.length; i++) hash = Math.imul(hash ^ operation.charCodeAt(i), 0x01000193)
  return hash >>> 0
}

/** A number in [0, 1) from three integers (a splitmix-style finalizer over their mix). */
function unitInterval(seed: number, salt: number, position: number): number {
  let x = (Math.imul(seed | 0, 0x9e3779b1) ^ Math.imul(salt | 0, 0x85ebca77) ^ Math.imul(position | 0, 0xc2b2ae3d)) >>> 0
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d)
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b)
  x ^= x >>> 16
  return (x >>> 0) / 0x1_0000_0000
}
