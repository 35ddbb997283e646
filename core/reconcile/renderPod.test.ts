import { describe, expect, it } from 'vitest'
import type { Job, JobSpec, ObjectMeta, PodTemplateSpec } from '../model/types.js'
import { indexedPodNamePrefix, podNamePrefix, renderPod } from './renderPod.js'

const INDEX_KEY = 'batch.kubernetes.io/job-completion-index'
const INDEX_ENV = {
  name: 'JOB_COMPLETION_INDEX',
  valueFrom: { fieldRef: { fieldPath: "metadata.labels['batch.kubernetes.io/job-completion-index']" } },
}

const template: PodTemplateSpec = {
  metadata: {
    name: 'ignored-template-name',
    labels: { app: 'pi', 'batch.kubernetes.io/controller-uid': 'uid-1', 'batch.kubernetes.io/job-name': 'pi' },
    annotations: { note: 'kept' },
    finalizers: ['example.com/keep'],
    ownerReferences: [{ apiVersion: 'v1', kind: 'Other', name: 'x', uid: 'x' }],
  },
  spec: {
    restartPolicy: 'Never',
    subdomain: 'svc',
    containers: [
      { name: 'main', image: 'perl', command: ['perl', '-e', '1'] },
      { name: 'has-env', image: 'busybox', env: [{ name: 'JOB_COMPLETION_INDEX', value: 'mine' }] },
    ],
    initContainers: [{ name: 'setup', image: 'busybox', env: [{ name: 'A', value: '1' }] }],
  },
}

function job(spec: Partial<JobSpec> = {}, metadata: ObjectMeta = {}): Job {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'pi', namespace: 'team', uid: 'uid-1', ...metadata },
    spec: {
      parallelism: 2,
      completions: 5,
      backoffLimit: 6,
      selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'uid-1' } },
      manualSelector: false,
      template,
      completionMode: 'NonIndexed',
      suspend: false,
      podReplacementPolicy: 'TerminatingOrFailed',
      ...spec,
    },
  }
}

const owner = { apiVersion: 'batch/v1', kind: 'Job', name: 'pi', uid: 'uid-1', controller: true, blockOwnerDeletion: true }

describe('renderPod, NonIndexed (R103, R104)', () => {
  const pod = renderPod(job(), undefined)

  it('R103: metadata is the template labels/annotations/finalizers plus the tracking finalizer and the controller reference', () => {
    expect(pod.metadata).toEqual({
      generateName: 'pi-',
      namespace: 'team',
      labels: template.metadata?.labels,
      annotations: { note: 'kept' },
      finalizers: ['example.com/keep', 'batch.kubernetes.io/job-tracking'],
      ownerReferences: [owner],
    })
  })

  it('R103: the spec is the template spec, untouched, and there is no status and no name', () => {
    expect(pod.spec).toEqual(template.spec)
    expect(pod.status).toBeUndefined()
    expect(pod.metadata.name).toBeUndefined()
    expect(pod.apiVersion).toBe('v1')
    expect(pod.kind).toBe('Pod')
  })

  it('R103: the tracking finalizer is added once even if the template already has it', () => {
    const withFinalizer = job({ template: { ...template, metadata: { finalizers: ['batch.kubernetes.io/job-tracking'] } } })
    expect(renderPod(withFinalizer, undefined).metadata.finalizers).toEqual(['batch.kubernetes.io/job-tracking'])
  })

  it('R103: a template without metadata gives a pod without labels or annotations', () => {
    const bare = renderPod(job({ template: { spec: template.spec } }), undefined)
    expect(bare.metadata.labels).toBeUndefined()
    expect(bare.metadata.annotations).toBeUndefined()
    expect(bare.metadata.finalizers).toEqual(['batch.kubernetes.io/job-tracking'])
  })

  it('R104: no index annotation, label, hostname or env var', () => {
    expect(pod.metadata.annotations?.[INDEX_KEY]).toBeUndefined()
    expect(pod.metadata.labels?.[INDEX_KEY]).toBeUndefined()
    expect(pod.spec.hostname).toBeUndefined()
  })

  it('the rendered pod shares no objects with the job, and the job is not modified', () => {
    const j = job()
    const before = structuredClone(j)
    const p = renderPod(j, 3)
    expect(j).toEqual(before)
    expect(p.spec.containers[0]).not.toBe(j.spec.template.spec.containers[0])
    expect(p.metadata.labels).not.toBe(j.spec.template.metadata?.labels)
  })
})

describe('R104: generateName for NonIndexed pods', () => {
  it.each<[string, string, string]>([
    ['"<job-name>-"', 'pi', 'pi-'],
    ['a dotted name is a valid subdomain prefix', 'a.b', 'a.b-'],
    ['not truncated by the controller (the store keeps 58 characters)', 'x'.repeat(70), `${'x'.repeat(70)}-`],
    ['a 253-character name makes "<name>-" too long: just the name', 'y'.repeat(253), 'y'.repeat(253)],
    ['a name that is not a DNS subdomain: just the name', 'Bad_Name', 'Bad_Name'],
  ])('R104: %s', (_name, jobName, expected) => {
    expect(podNamePrefix(jobName)).toBe(expected)
  })
})

describe('R105: generateName for Indexed pods (upstream TestPodGenerateNameWithIndex)', () => {
  it.each<[string, string, number, string]>([
    ['short job name', 'indexed-job', 1, 'indexed-job-1-'],
    [
      'job name exceeds MaxGeneneratedNameLength',
      'hhhhhooooohhhhhooooohhhhhooooohhhhhooooohhhhhooooohhhhhooooohhhhhooooo',
      1,
      'hhhhhooooohhhhhooooohhhhhooooohhhhhooooohhhhhooooohhhhh-1-',
    ],
    [
      'job name with index suffix exceeds MaxGeneratedNameLength',
      'hhhhhooooohhhhhooooohhhhhooooohhhhhooooohhhhhooooohhhhhoo',
      1,
      'hhhhhooooohhhhhooooohhhhhooooohhhhhooooohhhhhooooohhhhh-1-',
    ],
    ['a prefix of exactly 58 characters is kept', 'z'.repeat(55), 1, `${'z'.repeat(55)}-1-`],
    ['a long index keeps "-<i>-" whole', 'z'.repeat(60), 99999, `${'z'.repeat(51)}-99999-`],
  ])('R105: %s', (_name, jobName, index, expected) => {
    const prefix = indexedPodNamePrefix(jobName, index)
    expect(prefix).toBe(expected)
    expect(prefix.length).toBeLessThanOrEqual(58)
  })
})

describe('renderPod, Indexed (R105; §19 "indexed job start")', () => {
  const indexedJob = job({ completionMode: 'Indexed' })
  const pod = renderPod(indexedJob, 3)

  it('R105: pi-3- for index 3, hostname pi-3, subdomain from the template untouched', () => {
    expect(pod.metadata.generateName).toBe('pi-3-')
    expect(pod.spec.hostname).toBe('pi-3')
    expect(pod.spec.subdomain).toBe('svc')
  })

  it('R105: the index is both an annotation and a label', () => {
    expect(pod.metadata.annotations).toEqual({ note: 'kept', [INDEX_KEY]: '3' })
    expect(pod.metadata.labels).toEqual({ ...template.metadata?.labels, [INDEX_KEY]: '3' })
  })

  it('R105: JOB_COMPLETION_INDEX from the downward API is appended to every container that lacks it', () => {
    expect(pod.spec.containers[0]?.env).toEqual([INDEX_ENV])
    expect(pod.spec.containers[1]?.env).toEqual([{ name: 'JOB_COMPLETION_INDEX', value: 'mine' }])
    expect(pod.spec.initContainers?.[0]?.env).toEqual([{ name: 'A', value: '1' }, INDEX_ENV])
    expect(pod.spec.containers[0]?.command).toEqual(['perl', '-e', '1'])
  })

  it('R105: the template hostname is overridden', () => {
    const withHostname = job({ completionMode: 'Indexed', template: { ...template, spec: { ...template.spec, hostname: 'custom' } } })
    expect(renderPod(withHostname, 0).spec.hostname).toBe('pi-0')
  })

  it('R105: without backoffLimitPerIndex there are no failure-count annotations', () => {
    expect(pod.metadata.annotations?.['batch.kubernetes.io/job-index-failure-count']).toBeUndefined()
    expect(renderPod(indexedJob, 3, { failures: 2, ignoredFailures: 1 }).metadata.annotations).toEqual(pod.metadata.annotations)
  })

  it('R105/R138: with backoffLimitPerIndex the first pod of an index carries failure count 0 and no ignored count', () => {
    const perIndex = job({ completionMode: 'Indexed', backoffLimitPerIndex: 1 })
    expect(renderPod(perIndex, 0).metadata.annotations).toEqual({
      note: 'kept',
      [INDEX_KEY]: '0',
      'batch.kubernetes.io/job-index-failure-count': '0',
    })
  })

  it('R105/R138: the counts given are written; the ignored count only when > 0', () => {
    const perIndex = job({ completionMode: 'Indexed', backoffLimitPerIndex: 3 })
    expect(renderPod(perIndex, 2, { failures: 2, ignoredFailures: 0 }).metadata.annotations).toEqual({
      note: 'kept',
      [INDEX_KEY]: '2',
      'batch.kubernetes.io/job-index-failure-count': '2',
    })
    expect(renderPod(perIndex, 2, { failures: 3, ignoredFailures: 1 }).metadata.annotations).toEqual({
      note: 'kept',
      [INDEX_KEY]: '2',
      'batch.kubernetes.io/job-index-failure-count': '3',
      'batch.kubernetes.io/job-index-ignored-failure-count': '1',
    })
  })

  it('R105: a long job name is cut in generateName but not in the hostname', () => {
    const longName = 'n'.repeat(60)
    const p = renderPod(job({ completionMode: 'Indexed' }, { name: longName }), 7)
    expect(p.metadata.generateName).toBe(`${'n'.repeat(55)}-7-`)
    expect(p.spec.hostname).toBe(`${longName}-7`)
    expect(p.metadata.ownerReferences?.[0]?.name).toBe(longName)
  })

  it('a job without a namespace renders a pod without one', () => {
    const { namespace: _ignored, ...metadata } = indexedJob.metadata
    expect(renderPod({ ...indexedJob, metadata }, 0).metadata.namespace).toBeUndefined()
  })
})
