import { describe, expect, it } from 'vitest'
import type { Pod, PodPhase, PodStatus } from '../model/types.js'
import { COMPLETION_INDEX_ANNOTATION, TRACKING_FINALIZER } from '../model/wellKnown.js'
import {
  completionIndexOf,
  controllerRefOf,
  hasReadyCondition,
  hasTrackingFinalizer,
  isActive,
  isConsideredFailed,
  isControlledBy,
  isReady,
  isTerminal,
  isTerminating,
  restartCountSum,
} from './podState.js'

const DELETED = '2026-01-01T00:00:00Z'

function pod(phase: PodPhase | undefined, extra: { deleted?: boolean; ready?: boolean; status?: PodStatus } = {}): Pod {
  const status: PodStatus = {
    ...(phase === undefined ? {} : { phase }),
    ...(extra.ready === undefined ? {} : { conditions: [{ type: 'Ready', status: extra.ready ? 'True' : 'False' }] }),
    ...extra.status,
  }
  return {
    metadata: { name: 'p', namespace: 'ns', ...(extra.deleted ? { deletionTimestamp: DELETED } : {}) },
    spec: { containers: [{ name: 'c' }] },
    status,
  }
}

const withAnnotation = (value: string | undefined): Pod => ({
  metadata: value === undefined ? {} : { annotations: { [COMPLETION_INDEX_ANNOTATION]: value } },
  spec: { containers: [] },
})

describe('isTerminal, isActive, isTerminating (R68, R69)', () => {
  it.each<[PodPhase | undefined, boolean, boolean, boolean, boolean]>([
    // phase, deleted, terminal, active, terminating
    ['Pending', false, false, true, false],
    ['Running', false, false, true, false],
    ['Unknown', false, false, true, false],
    [undefined, false, false, true, false],
    ['Succeeded', false, true, false, false],
    ['Failed', false, true, false, false],
    ['Pending', true, false, false, true],
    ['Running', true, false, false, true],
    ['Succeeded', true, true, false, false],
    ['Failed', true, true, false, false],
  ])('R68/R69: phase %s, deleted %s ⇒ terminal %s, active %s, terminating %s', (phase, deleted, terminal, active, terminating) => {
    const p = pod(phase, { deleted })
    expect(isTerminal(p)).toBe(terminal)
    expect(isActive(p)).toBe(active)
    expect(isTerminating(p)).toBe(terminating)
  })
})

describe('isReady (R70)', () => {
  it('R70: an active pod with Ready=True is ready', () => {
    expect(isReady(pod('Running', { ready: true }))).toBe(true)
  })
  it('R70: Ready=False is not ready', () => {
    expect(isReady(pod('Running', { ready: false }))).toBe(false)
  })
  it('R70: no Ready condition is not ready', () => {
    expect(isReady(pod('Running'))).toBe(false)
  })
  it('R70: a terminating pod with Ready=True is not counted as ready (not active)', () => {
    const p = pod('Running', { deleted: true, ready: true })
    expect(isReady(p)).toBe(false)
    expect(hasReadyCondition(p)).toBe(true)
  })
  it('R70: a succeeded pod with a stale Ready=True is not ready', () => {
    expect(isReady(pod('Succeeded', { ready: true }))).toBe(false)
  })
})

describe('isConsideredFailed (R71, R72)', () => {
  it.each<[PodPhase, boolean, boolean, boolean]>([
    // phase, deleted, replaceOnlyFailed, expected
    ['Failed', false, false, true],
    ['Failed', false, true, true],
    ['Running', true, false, true],
    ['Pending', true, false, true],
    ['Running', true, true, false],
    ['Succeeded', true, false, false],
    ['Succeeded', false, false, false],
    ['Running', false, false, false],
  ])('R71: phase %s, deleted %s, replaceOnlyFailed %s ⇒ %s', (phase, deleted, replaceOnlyFailed, expected) => {
    expect(isConsideredFailed(pod(phase, { deleted }), replaceOnlyFailed)).toBe(expected)
  })
})

describe('hasTrackingFinalizer (R73)', () => {
  it('R73: a pod with the job-tracking finalizer among others is tracked', () => {
    const p: Pod = { metadata: { finalizers: ['example.com/other', TRACKING_FINALIZER] }, spec: { containers: [] } }
    expect(hasTrackingFinalizer(p)).toBe(true)
  })
  it('R73: a pod without finalizers is not tracked', () => {
    expect(hasTrackingFinalizer({ metadata: {}, spec: { containers: [] } })).toBe(false)
    expect(hasTrackingFinalizer({ metadata: { finalizers: ['batch.kubernetes.io/job-trackingx'] }, spec: { containers: [] } })).toBe(false)
  })
})

describe('completionIndexOf (R74)', () => {
  it.each<[string, string | undefined, number | undefined]>([
    ['"3" is 3', '3', 3],
    ['"0" is 0', '0', 0],
    ['a missing annotation is no index', undefined, undefined],
    ['"invalid" is no index', 'invalid', undefined],
    ['"-2" (negative) is no index', '-2', undefined],
    ['"" is no index', '', undefined],
    ['"1.5" is no index', '1.5', undefined],
    ['" 4" is no index (Go Atoi rejects spaces)', ' 4', undefined],
    ['"+4" is 4 (Go Atoi accepts a sign)', '+4', 4],
    ['"007" is 7', '007', 7],
    ['a large index is returned, validity (< completions) is for the caller', '100000', 100_000],
  ])('R74: %s', (_name, value, expected) => {
    expect(completionIndexOf(withAnnotation(value))).toBe(expected)
  })
})

describe('controllerRefOf, isControlledBy (R67)', () => {
  const owner = (uid: string, controller?: boolean) => ({
    apiVersion: 'batch/v1',
    kind: 'Job',
    name: 'j',
    uid,
    ...(controller === undefined ? {} : { controller }),
  })
  const owned = (...refs: ReturnType<typeof owner>[]): Pod => ({ metadata: { ownerReferences: refs }, spec: { containers: [] } })

  it('R67: the controller reference is the first one with controller=true', () => {
    const p = owned(owner('a'), owner('b', false), owner('c', true), owner('d', true))
    expect(controllerRefOf(p)?.uid).toBe('c')
    expect(isControlledBy(p, 'c')).toBe(true)
    expect(isControlledBy(p, 'a')).toBe(false)
  })
  it('R67: an orphan (no controller reference) is controlled by nobody', () => {
    expect(controllerRefOf(owned(owner('a')))).toBeUndefined()
    expect(isControlledBy(owned(owner('a')), 'a')).toBe(false)
    expect(controllerRefOf({ metadata: {}, spec: { containers: [] } })).toBeUndefined()
  })
})

describe('restartCountSum (R131)', () => {
  it('R131: sums init (sidecars included) and app container restart counts', () => {
    const p = pod('Running', {
      status: {
        initContainerStatuses: [
          { name: 'init', restartCount: 1 },
          { name: 'sidecar', restartCount: 4 },
        ],
        containerStatuses: [
          { name: 'a', restartCount: 2 },
          { name: 'b', restartCount: 3 },
        ],
      },
    })
    expect(restartCountSum(p)).toBe(10)
  })
  it('R131: a pod without statuses has 0 restarts', () => {
    expect(restartCountSum(pod('Pending'))).toBe(0)
    expect(restartCountSum({ metadata: {}, spec: { containers: [] } })).toBe(0)
  })
})
