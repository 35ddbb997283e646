import { fc, test } from '@fast-check/vitest'
import { describe, expect, it } from 'vitest'
import type { ContainerStatus, Job, Pod, PodCondition } from '../model/types.js'
import { formatTime } from '../model/time.js'
import { INDEX_FAILURE_COUNT_ANNOTATION, INDEX_IGNORED_FAILURE_COUNT_ANNOTATION } from '../model/wellKnown.js'
import {
  BACKOFF_BASE_ANNOTATION,
  BACKOFF_CAP_ANNOTATION,
  DOCUMENTED_BACKOFF,
  UPSTREAM_BACKOFF,
  backoffDelayMs,
  backoffSettingsFor,
  emptyBackoffRecord,
  indexFailureCounts,
  nextBackoffRecord,
  podFinishTimeMs,
  remainingBackoffMs,
  remainingIndexBackoffMs,
  type BackoffSettings,
} from './backoff.js'

const S = 1000
/** Upstream's test time, 2009-11-10T23:00:00Z. */
const T = Date.parse('2009-11-10T23:00:00Z')
/** The settings upstream's backoff tests use: 5 s base, 700 s cap. */
const TEST_SETTINGS: BackoffSettings = { baseMs: 5 * S, capMs: 700 * S }

const terminatedAt = (ms: number, name = 'c'): ContainerStatus => ({
  name,
  restartCount: 0,
  // Millisecond precision on purpose: upstream's fixtures are 1 ms apart.
  state: { terminated: { exitCode: 1, finishedAt: new Date(ms).toISOString() } },
})

/** A finished pod whose single container terminated at `ms` (upstream's test fixture shape). */
const finishedAt = (ms: number, phase: 'Succeeded' | 'Failed' = 'Failed'): Pod => ({
  metadata: { name: `p-${ms}` },
  spec: { containers: [{ name: 'c' }] },
  status: { phase, containerStatuses: [terminatedAt(ms)] },
})

const job = (annotations?: Record<string, string>): Job => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name: 'j', namespace: 'ns', ...(annotations === undefined ? {} : { annotations }) },
  spec: {
    parallelism: 1,
    completions: 1,
    backoffLimit: 6,
    selector: {},
    manualSelector: false,
    template: { spec: { containers: [{ name: 'c' }] } },
    completionMode: 'NonIndexed',
    suspend: false,
    podReplacementPolicy: 'TerminatingOrFailed',
  },
})

describe('backoffDelayMs (R126)', () => {
  it.each<[number, number]>([
    [0, 0],
    [1, 10],
    [2, 20],
    [3, 40],
    [4, 80],
    [5, 160],
    [6, 320],
    [7, 360],
    [8, 360],
    [100, 360],
  ])('R126: project default (6 min cap): %i failures ⇒ %i s', (failures, seconds) => {
    expect(backoffDelayMs(failures, DOCUMENTED_BACKOFF)).toBe(seconds * S)
  })

  it.each<[number, number]>([
    [1, 10],
    [6, 320],
    [7, 600],
    [50, 600],
  ])('R126: upstream setting (10 min cap): %i failures ⇒ %i s', (failures, seconds) => {
    expect(backoffDelayMs(failures, UPSTREAM_BACKOFF)).toBe(seconds * S)
  })

  it('R126: settings are 10 s base with 6 min (documented) and 10 min (upstream) caps', () => {
    expect(DOCUMENTED_BACKOFF).toEqual({ baseMs: 10_000, capMs: 360_000 })
    expect(UPSTREAM_BACKOFF).toEqual({ baseMs: 10_000, capMs: 600_000 })
  })

  it('R126: huge failure counts give the cap, never Infinity or NaN', () => {
    for (const n of [1025, 1e6, 2 ** 31, Number.MAX_SAFE_INTEGER, Number.MAX_VALUE, Number.POSITIVE_INFINITY]) {
      expect(backoffDelayMs(n, DOCUMENTED_BACKOFF)).toBe(360_000)
    }
  })

  it('R126: negative or NaN failure counts mean no delay', () => {
    expect(backoffDelayMs(-1, DOCUMENTED_BACKOFF)).toBe(0)
    expect(backoffDelayMs(Number.NaN, DOCUMENTED_BACKOFF)).toBe(0)
  })

  test.prop([fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 1, max: 3600 }), fc.integer({ min: 1, max: 36000 })])(
    'R126: monotone in the failure count and never above the cap',
    (n, baseSeconds, capSeconds) => {
      const settings = { baseMs: baseSeconds * S, capMs: capSeconds * S }
      const delay = backoffDelayMs(n, settings)
      expect(delay).toBeLessThanOrEqual(settings.capMs)
      expect(delay).toBeGreaterThanOrEqual(0)
      expect(backoffDelayMs(n + 1, settings)).toBeGreaterThanOrEqual(delay)
      if (n >= 1) expect(delay).toBe(Math.min(baseSeconds * S * 2 ** (n - 1), capSeconds * S))
    },
  )
})

describe('remainingBackoffMs (R126, R128; upstream TestGetRemainingBackoffTime)', () => {
  it.each<[string, number, number, number]>([
    ['no failures', 0, 0, 0],
    ['one failure; current time and failure time are same', 1, 0, 5],
    ['one failure; current time == 1 second + failure time', 1, 1, 4],
    ['one failure; current time == expected backoff time', 1, 5, 0],
    ['one failure; current time == expected backoff time + 1 Second', 1, 6, 0],
    ['three failures; current time and failure time are same', 3, 0, 20],
    ['eight failures; backoff not exceeding maxBackoff', 8, 0, 640],
    ['nine failures; backoff exceeding maxBackoff', 9, 0, 700],
  ])('R126: %s', (_name, failures, elapsedSeconds, wantSeconds) => {
    const record = failures === 0 ? emptyBackoffRecord : { failuresAfterLastSuccess: failures, lastFailureTimeMs: T }
    expect(remainingBackoffMs(record, T + elapsedSeconds * S, TEST_SETTINGS)).toBe(wantSeconds * S)
  })

  it('R128 (Appendix B): pod fails at t=0, sync at t=0.5 s ⇒ 9.5 s to wait', () => {
    const record = nextBackoffRecord(emptyBackoffRecord, [], [finishedAt(T)])
    expect(remainingBackoffMs(record, T + 500, DOCUMENTED_BACKOFF)).toBe(9_500)
  })

  it('R128 (Appendix B): a second failure at t=30 s gates the next pod until t=50 s', () => {
    const first = nextBackoffRecord(emptyBackoffRecord, [], [finishedAt(T)])
    const second = nextBackoffRecord(first, [], [finishedAt(T + 30 * S)])
    expect(second).toEqual({ failuresAfterLastSuccess: 2, lastFailureTimeMs: T + 30 * S })
    expect(remainingBackoffMs(second, T + 49 * S, DOCUMENTED_BACKOFF)).toBe(1 * S)
    expect(remainingBackoffMs(second, T + 50 * S, DOCUMENTED_BACKOFF)).toBe(0)
  })

  it('a record with failures but no known failure time does not hold the gate', () => {
    expect(remainingBackoffMs({ failuresAfterLastSuccess: 3 }, T, DOCUMENTED_BACKOFF)).toBe(0)
  })
})

describe('nextBackoffRecord (R127; upstream TestNewBackoffRecord)', () => {
  const ms = (offset: number) => T + offset
  it.each<[string, { failuresAfterLastSuccess: number; lastFailureTimeMs?: number }, number[], number[], object]>([
    ['Empty backoff store and one new failure', emptyBackoffRecord, [], [ms(0)], { failuresAfterLastSuccess: 1, lastFailureTimeMs: T }],
    ['Empty backoff store and two new failures', emptyBackoffRecord, [], [ms(0), ms(-1)], { failuresAfterLastSuccess: 2, lastFailureTimeMs: T }],
    ['Empty backoff store, two failures followed by success', emptyBackoffRecord, [ms(0)], [ms(-2), ms(-1)], { failuresAfterLastSuccess: 0 }],
    [
      'Empty backoff store, two failures, one success and two more failures',
      emptyBackoffRecord,
      [ms(-2)],
      [ms(0), ms(-4), ms(-3), ms(-1)],
      { failuresAfterLastSuccess: 2, lastFailureTimeMs: T },
    ],
    ['Backoff store having failure count 2 and one new failure', { failuresAfterLastSuccess: 2 }, [], [ms(0)], { failuresAfterLastSuccess: 3, lastFailureTimeMs: T }],
    ['Empty backoff store with success and failure at same timestamp', emptyBackoffRecord, [ms(0)], [ms(0)], { failuresAfterLastSuccess: 0 }],
    ['Empty backoff store with no success/failure', emptyBackoffRecord, [], [], { failuresAfterLastSuccess: 0 }],
    ['Empty backoff store with one success', emptyBackoffRecord, [ms(0)], [], { failuresAfterLastSuccess: 0 }],
    [
      'a success resets an existing record',
      { failuresAfterLastSuccess: 5, lastFailureTimeMs: ms(-9) },
      [ms(0)],
      [],
      { failuresAfterLastSuccess: 0 },
    ],
    [
      'new successes and failures ignore the previous count',
      { failuresAfterLastSuccess: 5, lastFailureTimeMs: ms(-9) },
      [ms(-5)],
      [ms(-1)],
      { failuresAfterLastSuccess: 1, lastFailureTimeMs: ms(-1) },
    ],
  ])('R127: %s', (_name, previous, succeeded, failed, expected) => {
    const toSucceeded = succeeded.map((t) => finishedAt(t, 'Succeeded'))
    const toFailed = failed.map((t) => finishedAt(t, 'Failed'))
    expect(nextBackoffRecord(previous, toSucceeded, toFailed)).toEqual(expected)
  })

  it('R127: nothing new keeps the previous record as is', () => {
    const previous = { failuresAfterLastSuccess: 2, lastFailureTimeMs: T }
    expect(nextBackoffRecord(previous, [], [])).toBe(previous)
  })

  it('R127: the last failure time is the latest finish, whatever the input order', () => {
    const record = nextBackoffRecord(emptyBackoffRecord, [], [finishedAt(T + 3 * S), finishedAt(T + 9 * S), finishedAt(T + 1 * S)])
    expect(record).toEqual({ failuresAfterLastSuccess: 3, lastFailureTimeMs: T + 9 * S })
  })
})

describe('podFinishTimeMs (R75; upstream TestGetFinishedTime)', () => {
  // A type literal (not `Container`) so that it fits PodSpec's pass-through index signature.
  type InitContainer = { readonly name: string; readonly restartPolicy?: string }
  const base = (status: Pod['status'], metadata: Pod['metadata'] = {}, initContainers?: ReadonlyArray<InitContainer>): Pod => ({
    metadata,
    spec: initContainers === undefined ? { containers: [{ name: 'c' }] } : { containers: [{ name: 'c' }], initContainers },
    status,
  })
  const readyCondition = (status: 'True' | 'False', ms: number): PodCondition => ({
    type: 'Ready',
    status,
    lastTransitionTime: formatTime(ms),
  })
  const running: ContainerStatus = { name: 'r', restartCount: 0, state: { running: {} } }
  const terminatedWithoutTime: ContainerStatus = { name: 't', restartCount: 0, state: { terminated: { exitCode: 0 } } }
  const deletedAt = { deletionTimestamp: formatTime(T) }

  it.each<[string, Pod, number | undefined]>([
    [
      'Pod with multiple containers and all containers terminated',
      base({ containerStatuses: [terminatedAt(T - S), terminatedAt(T), terminatedAt(T - 2 * S)] }),
      T,
    ],
    [
      'two containers terminated and one running; fallback to deletionTimestamp',
      base({ containerStatuses: [terminatedAt(T - 5 * S), running, terminatedAt(T - 2 * S)] }, deletedAt),
      T,
    ],
    ['fallback to deletionTimestamp', base({ containerStatuses: [running] }, deletedAt), T],
    [
      'fallback to deletionTimestamp, decremented by grace period',
      base({ containerStatuses: [running] }, { ...deletedAt, deletionGracePeriodSeconds: 30 }),
      T - 30 * S,
    ],
    [
      'fallback to PodReady.LastTransitionTime when status of the condition is False',
      base({ containerStatuses: [terminatedWithoutTime], conditions: [readyCondition('False', T)] }),
      T,
    ],
    [
      'skip fallback to PodReady.LastTransitionTime when status of the condition is True',
      base({ containerStatuses: [terminatedWithoutTime], conditions: [readyCondition('True', T - 30 * S)] }, deletedAt),
      T,
    ],
    ['fallback to creationTimestamp', base({ containerStatuses: [terminatedWithoutTime] }, { creationTimestamp: formatTime(T) }), T],
    ['no container statuses at all falls back to creationTimestamp', base({}, { creationTimestamp: formatTime(T) }), T],
    ['nothing known', base({}), undefined],
    [
      'Pod with sidecar container and all containers terminated (kubernetes#124942)',
      base(
        { containerStatuses: [terminatedAt(T - S)], initContainerStatuses: [terminatedAt(T, 'sidecar')] },
        {},
        [{ name: 'sidecar', restartPolicy: 'Always' }],
      ),
      T,
    ],
    [
      'a plain (non-restartable) init container is not looked at',
      base(
        { containerStatuses: [terminatedAt(T - S)], initContainerStatuses: [terminatedAt(T, 'setup')] },
        {},
        [{ name: 'setup' }],
      ),
      T - S,
    ],
    [
      'a sidecar still running means the containers give no finish time',
      base(
        {
          containerStatuses: [terminatedAt(T - S)],
          initContainerStatuses: [{ ...running, name: 'sidecar' }],
          conditions: [readyCondition('False', T - 3 * S)],
        },
        {},
        [{ name: 'sidecar', restartPolicy: 'Always' }],
      ),
      T - 3 * S,
    ],
  ])('R75: %s', (_name, pod, expected) => {
    expect(podFinishTimeMs(pod)).toBe(expected)
  })
})

describe('indexFailureCounts (R138; upstream TestGetIndexFailureCount)', () => {
  const annotated = (failures?: string, ignored?: string): Pod => ({
    metadata: {
      annotations: {
        ...(failures === undefined ? {} : { [INDEX_FAILURE_COUNT_ANNOTATION]: failures }),
        ...(ignored === undefined ? {} : { [INDEX_IGNORED_FAILURE_COUNT_ANNOTATION]: ignored }),
      },
    },
    spec: { containers: [] },
  })
  it.each<[string, string | undefined, number]>([
    ['no annotation', undefined, 0],
    ['valid value', '2', 2],
    ['valid maxint32 value', '2147483647', 2147483647],
    ['too large value', '2147483648', 0],
    ['negative value', '-1', 0],
    ['invalid int value', 'xyz', 0],
  ])('R138: %s', (_name, value, expected) => {
    expect(indexFailureCounts(annotated(value)).failures).toBe(expected)
    expect(indexFailureCounts(annotated(undefined, value)).ignoredFailures).toBe(expected)
  })
  it('R138: a pod without annotations reads as 0 and 0', () => {
    expect(indexFailureCounts({ metadata: {}, spec: { containers: [] } })).toEqual({ failures: 0, ignoredFailures: 0 })
  })
})

describe('remainingIndexBackoffMs (R129; upstream TestGetRemainingBackoffTimePerIndex)', () => {
  const failedPod = (failures: string, ignored?: string): Pod => ({
    metadata: {
      deletionTimestamp: formatTime(T),
      annotations: {
        [INDEX_FAILURE_COUNT_ANNOTATION]: failures,
        ...(ignored === undefined ? {} : { [INDEX_IGNORED_FAILURE_COUNT_ANNOTATION]: ignored }),
      },
    },
    spec: { containers: [] },
    status: { phase: 'Failed' },
  })
  it('R129: two previous failures; current time and failure time are same ⇒ 20 s', () => {
    expect(remainingIndexBackoffMs(failedPod('2'), T, TEST_SETTINGS)).toBe(20 * S)
  })
  it('R129: one previous failure counted and one ignored ⇒ n = 3 ⇒ 20 s', () => {
    expect(remainingIndexBackoffMs(failedPod('1', '1'), T, TEST_SETTINGS)).toBe(20 * S)
  })
  it('R129: first failure of an index (count 0) ⇒ the base delay, counted from its finish time', () => {
    expect(remainingIndexBackoffMs(failedPod('0'), T + 4 * S, DOCUMENTED_BACKOFF)).toBe(6 * S)
    expect(remainingIndexBackoffMs(failedPod('0'), T + 10 * S, DOCUMENTED_BACKOFF)).toBe(0)
  })
})

describe('backoffSettingsFor (per-job override)', () => {
  it.each<[string, Record<string, string> | undefined, BackoffSettings]>([
    ['no annotations ⇒ the engine default', undefined, DOCUMENTED_BACKOFF],
    ['both annotations', { [BACKOFF_BASE_ANNOTATION]: '1', [BACKOFF_CAP_ANNOTATION]: '30' }, { baseMs: 1_000, capMs: 30_000 }],
    ['only the base', { [BACKOFF_BASE_ANNOTATION]: '5' }, { baseMs: 5_000, capMs: 360_000 }],
    ['only the cap', { [BACKOFF_CAP_ANNOTATION]: '600' }, { baseMs: 10_000, capMs: 600_000 }],
    ['zero is not positive ⇒ default', { [BACKOFF_BASE_ANNOTATION]: '0' }, DOCUMENTED_BACKOFF],
    ['negative ⇒ default', { [BACKOFF_BASE_ANNOTATION]: '-5' }, DOCUMENTED_BACKOFF],
    ['fraction ⇒ default', { [BACKOFF_CAP_ANNOTATION]: '1.5' }, DOCUMENTED_BACKOFF],
    ['duration string ⇒ default', { [BACKOFF_CAP_ANNOTATION]: '10s' }, DOCUMENTED_BACKOFF],
    ['empty ⇒ default', { [BACKOFF_BASE_ANNOTATION]: '' }, DOCUMENTED_BACKOFF],
    ['an invalid cap does not discard a valid base', { [BACKOFF_BASE_ANNOTATION]: '2', [BACKOFF_CAP_ANNOTATION]: 'x' }, { baseMs: 2_000, capMs: 360_000 }],
    ['beyond safe integer milliseconds ⇒ default', { [BACKOFF_CAP_ANNOTATION]: '99999999999999999' }, DOCUMENTED_BACKOFF],
  ])('%s', (_name, annotations, expected) => {
    expect(backoffSettingsFor(job(annotations), DOCUMENTED_BACKOFF)).toEqual(expected)
  })

  it('the engine default passed in is the fallback (upstream setting)', () => {
    expect(backoffSettingsFor(job({ [BACKOFF_BASE_ANNOTATION]: '3' }), UPSTREAM_BACKOFF)).toEqual({ baseMs: 3_000, capMs: 600_000 })
  })

  it('the annotation names are the documented ones', () => {
    expect(BACKOFF_BASE_ANNOTATION).toBe('job-reconciler.io/backoff-base-seconds')
    expect(BACKOFF_CAP_ANNOTATION).toBe('job-reconciler.io/backoff-cap-seconds')
  })
})
