import { Either } from 'effect'
import { describe, expect, it } from 'vitest'
import { decodeJobObject, decodePodObject, jobStatusPatch, podForCreate, podMetadataPatch, podStatusPatch, removeFinalizerPatch } from './objects.js'

const storedJob = {
  metadata: { name: 'pi', namespace: 'ns', uid: 'u', resourceVersion: '7', managedFields: [{ manager: 'x' }] },
  spec: {
    parallelism: 1,
    completions: 1,
    backoffLimit: 6,
    selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'u' } },
    manualSelector: false,
    template: { metadata: { labels: { 'batch.kubernetes.io/controller-uid': 'u' } }, spec: { containers: [{ name: 'a', image: 'x', imagePullPolicy: 'Always' }], restartPolicy: 'Never' } },
    completionMode: 'NonIndexed',
    suspend: false,
    podReplacementPolicy: 'TerminatingOrFailed',
  },
  status: { ready: 0, terminating: 0, uncountedTerminatedPods: {} },
}

describe('decodeJobObject', () => {
  it('reads a list item (no apiVersion/kind), keeps server fields and reads the omitted int32 counters as 0', () => {
    const job = Either.getOrThrow(decodeJobObject(storedJob))
    expect(job.apiVersion).toBe('batch/v1')
    expect(job.status).toEqual({ ready: 0, terminating: 0, uncountedTerminatedPods: {}, active: 0, succeeded: 0, failed: 0 })
    expect((job.metadata as Record<string, unknown>)['managedFields']).toEqual([{ manager: 'x' }])
    expect(job.spec.template.spec.containers[0]).toMatchObject({ imagePullPolicy: 'Always' })
  })

  it('refuses what is not a stored Job, saying why', () => {
    expect(decodeJobObject('x')).toEqual(Either.left('not an object'))
    expect(decodeJobObject({ ...storedJob, spec: { ...storedJob.spec, completionMode: 'Sometimes' } })).toEqual(
      Either.left('spec.completionMode: Unsupported value: "Sometimes": supported values: "NonIndexed", "Indexed"'),
    )
    expect(decodeJobObject({ metadata: { name: 'x' }, spec: {} })).toEqual(Either.left('a stored Job has a selector and a template'))
  })
})

describe('decodePodObject', () => {
  it('keeps every field the model does not know (qosClass, tolerations)', () => {
    const pod = Either.getOrThrow(decodePodObject({ metadata: { name: 'p' }, spec: { containers: [{ name: 'a' }], tolerations: [] }, status: { phase: 'Running', qosClass: 'BestEffort' } }))
    expect(pod.status).toEqual({ phase: 'Running', qosClass: 'BestEffort' })
    expect(pod.spec['tolerations']).toEqual([])
  })
})

describe('write bodies', () => {
  it('a pod to create has no server-assigned metadata and is in the namespace', () => {
    const body = podForCreate({ metadata: { generateName: 'pi-', uid: 'old', resourceVersion: '3', deletionTimestamp: 't' }, spec: { containers: [] } }, 'ns')
    expect(body).toEqual({ apiVersion: 'v1', kind: 'Pod', metadata: { generateName: 'pi-', namespace: 'ns' }, spec: { containers: [] } })
  })

  it('a Job status write replaces the whole status, guarded by resourceVersion', () => {
    expect(jobStatusPatch({ active: 1 }, '9')).toEqual([
      { op: 'replace', path: '/metadata/resourceVersion', value: '9' },
      { op: 'add', path: '/status', value: { active: 1 } },
    ])
  })

  it('a pod status write nulls the known fields it drops and leaves the server’s own alone', () => {
    expect(podStatusPatch({ phase: 'Running', qosClass: 'BestEffort' } as never, undefined)).toEqual({
      status: { phase: 'Running', qosClass: 'BestEffort', conditions: null, containerStatuses: null, initContainerStatuses: null, startTime: null, reason: null, message: null },
    })
    expect(podStatusPatch({ phase: 'Failed' }, '4')).toMatchObject({ metadata: { resourceVersion: '4' } })
  })

  it('adoption, release and finalizer removal are strategic merge patches guarded by the uid', () => {
    const ref = { apiVersion: 'batch/v1', kind: 'Job', name: 'pi', uid: 'j', controller: true, blockOwnerDeletion: true }
    expect(podMetadataPatch({ expectUid: 'p', addOwnerReference: ref, addFinalizers: ['f'] })).toEqual({
      metadata: { uid: 'p', finalizers: ['f'], ownerReferences: [ref] },
    })
    expect(podMetadataPatch({ expectUid: 'p', removeOwnerReferenceUid: 'j', removeFinalizers: ['f'] })).toEqual({
      metadata: { uid: 'p', '$deleteFromPrimitiveList/finalizers': ['f'], ownerReferences: [{ $patch: 'delete', uid: 'j' }] },
    })
    expect(removeFinalizerPatch('orphan')).toEqual({ metadata: { '$deleteFromPrimitiveList/finalizers': ['orphan'] } })
  })
})
