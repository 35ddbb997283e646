import { describe, expect, it } from 'vitest'
import { admitJobUpdate } from './admission.js'
import { decodeJob } from './decode.js'
import { prepareJobForCreate, prepareJobForUpdate } from './defaults.js'
import type { FieldError } from './fieldErrors.js'
import { renderFieldError } from './fieldErrors.js'
import type { Job, JobSpec, JobStatus, PodSpec } from './types.js'
import { validateJobUpdate } from './updateValidation.js'

const UID = 'uid-1'
const NOW = Date.UTC(2026, 0, 1)

const create = (spec: Record<string, unknown> = {}, podSpec: Record<string, unknown> = {}): Job => {
  const decoded = decodeJob({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'pi' },
    spec: { ...spec, template: { spec: { containers: [{ name: 'pi', image: 'perl:5.34.0' }], restartPolicy: 'Never', ...podSpec } } },
  })
  if (decoded._tag === 'Left') throw new Error('fixture does not decode')
  return prepareJobForCreate(decoded.right, { uid: UID, now: NOW })
}

const withStatus = (job: Job, status: JobStatus): Job => ({ ...job, status })
const withSpec = (job: Job, spec: Partial<JobSpec>): Job => ({ ...job, spec: { ...job.spec, ...spec } })
const withPodSpec = (job: Job, podSpec: Partial<PodSpec>): Job => ({
  ...job,
  spec: { ...job.spec, template: { ...job.spec.template, spec: { ...job.spec.template.spec, ...podSpec } } },
})

/** The errors of sending `next` as an update of `old` through the API server's path. */
const updateErrors = (old: Job, next: unknown): string[] => {
  const result = admitJobUpdate(old, next)
  return result._tag === 'Left' ? result.left.errors.map(renderFieldError) : []
}
const updateFieldErrors = (old: Job, next: Job): ReadonlyArray<FieldError> => validateJobUpdate(old, prepareJobForUpdate(old, next))

const SUSPENDED_IDLE: JobStatus = {
  startTime: '2026-01-01T00:00:00Z',
  active: 0,
  conditions: [{ type: 'Suspended', status: 'True', reason: 'JobSuspended' }],
}

describe('validateJobUpdate: §3.2 again and immutability (R53, R54)', () => {
  const stored = create()

  it('R53: the create rules run again on the new object', () => {
    expect(updateErrors(stored, withSpec(stored, { parallelism: -1 }))).toEqual(['spec.parallelism: Invalid value: -1: must be greater than or equal to 0'])
  })

  it('R54: resending the stored Job is accepted', () => {
    expect(updateErrors(stored, stored)).toEqual([])
  })

  it.each<readonly [string, Partial<JobSpec>]>([
    ['parallelism', { parallelism: 5 }],
    ['activeDeadlineSeconds', { activeDeadlineSeconds: 60 }],
    ['backoffLimit', { backoffLimit: 1 }],
    ['ttlSecondsAfterFinished', { ttlSecondsAfterFinished: 100 }],
    ['suspend', { suspend: true }],
    ['podReplacementPolicy', { podReplacementPolicy: 'Failed' }],
    ['manualSelector', { manualSelector: true }],
  ])('R54: %s is mutable', (_field, change) => {
    expect(updateErrors(stored, withSpec(stored, change))).toEqual([])
  })

  it('R54: the selector is immutable', () => {
    const selector = { matchLabels: { 'batch.kubernetes.io/controller-uid': UID, 'job-name': 'pi' } }
    expect(updateErrors(stored, withSpec(stored, { selector }))).toEqual([
      'spec.selector: Invalid value: {"matchLabels":{"batch.kubernetes.io/controller-uid":"uid-1","job-name":"pi"}}: field is immutable',
    ])
  })

  it('R54: completions of a NonIndexed Job are immutable', () => {
    expect(updateErrors(stored, withSpec(stored, { completions: 3 }))).toEqual(['spec.completions: Invalid value: 3: field is immutable'])
  })

  it('R54: completionMode is immutable', () => {
    expect(updateErrors(stored, withSpec(stored, { completionMode: 'Indexed' }))).toEqual(['spec.completionMode: Invalid value: "Indexed": field is immutable'])
  })

  it('R54: podFailurePolicy is immutable (and R48 still applies to the new object)', () => {
    const podFailurePolicy = { rules: [{ action: 'Ignore' as const, onExitCodes: { operator: 'In' as const, values: [1] } }] }
    expect(updateErrors(stored, withSpec(stored, { podFailurePolicy })).sort()).toEqual(
      [
        'spec.podReplacementPolicy: Unsupported value: "TerminatingOrFailed": supported values: "Failed"',
        'spec.podFailurePolicy: Invalid value: {"Rules":[{"Action":"Ignore","OnExitCodes":{"ContainerName":null,"Operator":"In","Values":[1]},"OnPodConditions":null}]}: field is immutable',
      ].sort(),
    )
  })

  it('R54: backoffLimitPerIndex is immutable, maxFailedIndexes is not', () => {
    const indexedJob = create({ completionMode: 'Indexed', completions: 4, backoffLimitPerIndex: 1, maxFailedIndexes: 1 })
    expect(updateErrors(indexedJob, withSpec(indexedJob, { backoffLimitPerIndex: 2 }))).toEqual(['spec.backoffLimitPerIndex: Invalid value: 2: field is immutable'])
    expect(updateErrors(indexedJob, withSpec(indexedJob, { maxFailedIndexes: 3 }))).toEqual([])
  })

  it('R54: managedBy is immutable, including its removal', () => {
    const managed = create({ managedBy: 'example.com/mine' })
    expect(updateErrors(managed, withSpec(managed, { managedBy: 'example.com/other' }))).toEqual([
      'spec.managedBy: Invalid value: "example.com/other": field is immutable',
    ])
    const { managedBy: _removed, ...spec } = managed.spec
    expect(updateErrors(managed, { ...managed, spec })).toEqual(['spec.managedBy: Invalid value: null: field is immutable'])
  })

  it('R54: successPolicy is immutable', () => {
    const indexedJob = create({ completionMode: 'Indexed', completions: 4, successPolicy: { rules: [{ succeededCount: 1 }] } })
    expect(updateErrors(indexedJob, withSpec(indexedJob, { successPolicy: { rules: [{ succeededCount: 2 }] } }))).toEqual([
      'spec.successPolicy: Invalid value: {"Rules":[{"SucceededIndexes":null,"SucceededCount":2}]}: field is immutable',
    ])
  })

  it('R54: the template of a Job that is not suspended is immutable', () => {
    const errors = updateFieldErrors(stored, withPodSpec(stored, { containers: [{ name: 'pi', image: 'perl:5.36' }] }))
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatchObject({ _tag: 'Invalid', path: 'spec.template', detail: 'field is immutable' })
  })

  it('R54: a manifest without the selector (a PUT of the original file) is rejected, nothing is regenerated', () => {
    const { selector: _omitted, ...spec } = stored.spec
    expect(updateErrors(stored, { ...stored, spec }).sort()).toEqual(
      [
        'spec.selector: Required value',
        'spec.template.metadata.labels: Invalid value: {"batch.kubernetes.io/controller-uid":"uid-1","batch.kubernetes.io/job-name":"pi","controller-uid":"uid-1","job-name":"pi"}: `selector` does not match template `labels`',
        'spec.selector: Invalid value: null: field is immutable',
      ].sort(),
    )
  })
})

describe('R55: elastic Indexed Jobs', () => {
  const elastic = create({ completionMode: 'Indexed', completions: 4, parallelism: 4 })

  it('R55: completions may change together with parallelism', () => {
    expect(updateErrors(elastic, withSpec(elastic, { completions: 6, parallelism: 6 }))).toEqual([])
    expect(updateErrors(elastic, withSpec(elastic, { completions: 2, parallelism: 2 }))).toEqual([])
  })

  it('R55: completions may not change alone', () => {
    expect(updateErrors(elastic, withSpec(elastic, { completions: 6 }))).toEqual(['spec.completions: Invalid value: 6: can only be modified in tandem with spec.parallelism'])
  })

  it('R55: completions can never become nil (R37 reports it)', () => {
    const { completions: _c, ...spec } = elastic.spec
    expect(updateErrors(elastic, { ...elastic, spec })).toEqual(['spec.completions: Required value: when completion mode is Indexed'])
  })
})

describe('R56, R57: scheduling directives of suspended Jobs', () => {
  const suspended = create({ suspend: true })
  const neverStarted = suspended
  const suspendedIdle = withStatus(suspended, SUSPENDED_IDLE)
  const suspendedBusy = withStatus(suspended, { ...SUSPENDED_IDLE, active: 1 })
  const startedNotMarked = withStatus(suspended, { startTime: '2026-01-01T00:00:00Z', active: 0 })
  const running = withStatus(create(), { startTime: '2026-01-01T00:00:00Z' })

  const directives: ReadonlyArray<readonly [string, (job: Job) => Job]> = [
    ['nodeSelector', (j) => withPodSpec(j, { nodeSelector: { zone: 'b' } })],
    ['tolerations', (j) => withPodSpec(j, { tolerations: [{ key: 'gpu', operator: 'Exists', effect: 'NoSchedule' }] })],
    ['schedulingGates', (j) => withPodSpec(j, { schedulingGates: [{ name: 'example.com/gate' }] })],
    ['nodeAffinity', (j) => withPodSpec(j, { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [] } } } })],
    [
      'template labels',
      (j) => ({ ...j, spec: { ...j.spec, template: { ...j.spec.template, metadata: { labels: { ...j.spec.template.metadata?.labels, team: 'a' } } } } }),
    ],
    [
      'template annotations',
      (j) => ({ ...j, spec: { ...j.spec, template: { ...j.spec.template, metadata: { ...j.spec.template.metadata, annotations: { note: 'x' } } } } }),
    ],
  ]

  it.each(directives)('R56 (first branch): %s may change while suspended and never started', (_name, change) => {
    expect(updateErrors(neverStarted, change(neverStarted))).toEqual([])
  })

  it.each(directives)('R56 (second branch): %s may change while suspended with Suspended=True and no active pods', (_name, change) => {
    expect(updateErrors(suspendedIdle, change(suspendedIdle))).toEqual([])
  })

  it.each<readonly [string, Job]>([
    ['not suspended', running],
    ['suspended, started, Suspended=True, but pods still active', suspendedBusy],
    ['suspended and started, without the Suspended condition yet', startedNotMarked],
  ])('R56: nodeSelector stays immutable when %s', (_name, old) => {
    const errors = updateFieldErrors(old, withPodSpec(old, { nodeSelector: { zone: 'b' } }))
    expect(errors).toMatchObject([{ _tag: 'Invalid', path: 'spec.template', detail: 'field is immutable' }])
  })

  it('R57: any other template change is still immutable', () => {
    expect(updateFieldErrors(neverStarted, withPodSpec(neverStarted, { serviceAccountName: 'x' }))).toMatchObject([
      { _tag: 'Invalid', path: 'spec.template', detail: 'field is immutable' },
    ])
  })

  it('R57: affinity may be added only with nothing but nodeAffinity', () => {
    expect(updateFieldErrors(neverStarted, withPodSpec(neverStarted, { affinity: { podAffinity: {} } }))).toMatchObject([{ path: 'spec.template' }])
  })

  it('R57: affinity may be cleared only if the old one had nothing but nodeAffinity', () => {
    const onlyNode = withPodSpec(neverStarted, { affinity: { nodeAffinity: { x: 1 } } })
    expect(updateFieldErrors(onlyNode, withPodSpec(onlyNode, { affinity: undefined }))).toEqual([])
    const both = withPodSpec(neverStarted, { affinity: { nodeAffinity: { x: 1 }, podAntiAffinity: { y: 2 } } })
    expect(updateFieldErrors(both, withPodSpec(both, { affinity: undefined }))).toMatchObject([{ path: 'spec.template' }])
    expect(updateFieldErrors(both, withPodSpec(both, { affinity: { podAntiAffinity: { y: 2 } } }))).toEqual([])
  })

  it('R57: changed template labels must still satisfy R52', () => {
    const labels = { ...neverStarted.spec.template.metadata?.labels }
    delete labels['job-name']
    const next: Job = { ...neverStarted, spec: { ...neverStarted.spec, template: { ...neverStarted.spec.template, metadata: { labels } } } }
    expect(updateErrors(neverStarted, next)).toEqual(["spec.template.metadata.labels[job-name]: Required value: must be 'pi'"])
  })
})

describe('R58: pod resources of suspended Jobs', () => {
  const resources = (cpu: string) => ({ containers: [{ name: 'pi', image: 'perl:5.34.0', resources: { requests: { cpu } } }] })
  const base = withPodSpec(create({ suspend: true }), resources('1'))
  const suspendedIdle = withStatus(base, SUSPENDED_IDLE)

  it('R58: container resources may change while suspended, Suspended=True and no active pods', () => {
    expect(updateErrors(suspendedIdle, withPodSpec(suspendedIdle, resources('2')))).toEqual([])
  })

  it('R58: init container resources too', () => {
    const withInit = withPodSpec(suspendedIdle, { initContainers: [{ name: 'init', image: 'busybox', resources: { limits: { cpu: '1' } } }] })
    expect(updateErrors(withInit, withPodSpec(withInit, { initContainers: [{ name: 'init', image: 'busybox', resources: { limits: { cpu: '3' } } }] }))).toEqual([])
  })

  it('R58: other pod-spec changes are reported on spec.template.spec', () => {
    const errors = updateFieldErrors(suspendedIdle, withPodSpec(suspendedIdle, { containers: [{ name: 'pi', image: 'perl:5.36', resources: { requests: { cpu: '2' } } }] }))
    expect(errors).toMatchObject([{ _tag: 'Invalid', path: 'spec.template.spec', detail: 'field is immutable' }])
  })

  it.each<readonly [string, Job]>([
    ['the Job is not suspended', withStatus(withPodSpec(create(), resources('1')), { startTime: '2026-01-01T00:00:00Z' })],
    ['the Job has active pods', withStatus(base, { ...SUSPENDED_IDLE, active: 2 })],
    ['the Suspended condition is not set yet', base],
  ])('R58: resources are immutable when %s', (_name, old) => {
    expect(updateFieldErrors(old, withPodSpec(old, resources('2')))).toMatchObject([{ _tag: 'Invalid', path: 'spec.template', detail: 'field is immutable' }])
  })
})

describe('R59: object metadata', () => {
  const stored = create()

  it('R59: the namespace is immutable', () => {
    expect(updateErrors(stored, { ...stored, metadata: { ...stored.metadata, namespace: 'other' } })).toEqual([
      'metadata.namespace: Invalid value: "other": field is immutable',
    ])
  })

  it('R59: the name is immutable (and the generated labels no longer match)', () => {
    expect(updateErrors(stored, { ...stored, metadata: { ...stored.metadata, name: 'pi2' } }).sort()).toEqual(
      [
        'metadata.name: Invalid value: "pi2": field is immutable',
        `spec.template.metadata.labels[job-name]: Invalid value: {"batch.kubernetes.io/controller-uid":"uid-1","batch.kubernetes.io/job-name":"pi","controller-uid":"uid-1","job-name":"pi"}: must be 'pi2'`,
        `spec.template.metadata.labels[batch.kubernetes.io/job-name]: Invalid value: {"batch.kubernetes.io/controller-uid":"uid-1","batch.kubernetes.io/job-name":"pi","controller-uid":"uid-1","job-name":"pi"}: must be 'pi2'`,
      ].sort(),
    )
  })

  it('R59: uid and creationTimestamp are immutable', () => {
    const changed: Job = { ...stored, metadata: { ...stored.metadata, uid: 'other', creationTimestamp: '2020-01-01T00:00:00Z' } }
    const errors = validateJobUpdate(stored, changed).map(renderFieldError)
    expect(errors).toContain('metadata.uid: Invalid value: "other": field is immutable')
    expect(errors).toContain('metadata.creationTimestamp: Invalid value: "2020-01-01T00:00:00Z": field is immutable')
  })

  it('R59: a manifest without uid or creationTimestamp keeps the stored ones (as the API server fills them in)', () => {
    const { uid: _u, creationTimestamp: _c, ...metadata } = stored.metadata
    expect(updateErrors(stored, { ...stored, metadata })).toEqual([])
  })
})

describe('R52 on update', () => {
  it('R52: the prefixed labels are required only if the old template had both', () => {
    const legacy: Job = (() => {
      const job = create()
      const labels = { 'job-name': 'pi', 'controller-uid': UID }
      return {
        ...job,
        spec: { ...job.spec, selector: { matchLabels: { 'controller-uid': UID } }, template: { ...job.spec.template, metadata: { labels } } },
      }
    })()
    expect(updateErrors(legacy, withSpec(legacy, { parallelism: 2 }))).toEqual([])
    const current = create()
    const labels = { 'job-name': 'pi', 'controller-uid': UID, 'batch.kubernetes.io/controller-uid': UID }
    expect(validateJobUpdate(current, { ...current, spec: { ...current.spec, template: { ...current.spec.template, metadata: { labels } } } }).map(renderFieldError)).toContain(
      "spec.template.metadata.labels[batch.kubernetes.io/job-name]: Required value: must be 'pi'",
    )
  })
})
