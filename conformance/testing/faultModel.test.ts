import { describe, expect, it } from 'vitest'
import type { Job, JobStatus, Pod } from '../../core/model/types.js'
import type { Change } from './faultModel.js'
import { checkSteps } from './faultModel.js'

/** The checker on hand-made change logs: each rule it enforces, broken once. */
const spec = { parallelism: 2, completions: 3, completionMode: 'NonIndexed', podReplacementPolicy: 'TerminatingOrFailed' } as unknown as Job['spec']
const job = (status: JobStatus, extra: Partial<Job['spec']> = {}): Job => ({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'model', namespace: 'n' }, spec: { ...spec, ...extra }, status })
const pod = (uid: string, phase: 'Running' | 'Succeeded' | 'Failed', index?: number): Pod => ({
  metadata: {
    name: `model-${uid}`,
    uid,
    labels: { 'batch.kubernetes.io/job-name': 'model' },
    ...(index !== undefined ? { annotations: { 'batch.kubernetes.io/job-completion-index': String(index) } } : {}),
  },
  spec: { containers: [{ name: 'main', image: 'busybox' }], restartPolicy: 'Never' },
  status: { phase },
})
let rv = 0
const jobChange = (object: Job): Change => ({ resourceVersion: ++rv, kind: 'Job', type: 'Modified', object })
const podChange = (object: Pod): Change => ({ resourceVersion: ++rv, kind: 'Pod', type: 'Modified', object })

describe('the fault model checker', () => {
  it('accepts a clean run: two pods at a time, each success counted once', () => {
    const changes = [
      podChange(pod('a', 'Running')),
      podChange(pod('b', 'Running')),
      podChange(pod('a', 'Succeeded')),
      jobChange(job({ succeeded: 0, uncountedTerminatedPods: { succeeded: ['a'] } })),
      jobChange(job({ succeeded: 1, uncountedTerminatedPods: {} })),
    ]
    expect(checkSteps(job({ succeeded: 1 }), changes)).toEqual({ violations: [], lost: 0, doubleCounted: 0, extraPodsAfterLostAck: 0, extraPodsKept: 0 })
  })

  it('R95: more active pods than parallelism is a violation', () => {
    const changes = [podChange(pod('a', 'Running')), podChange(pod('b', 'Running')), podChange(pod('c', 'Running'))]
    expect(checkSteps(job({}), changes).violations.join()).toMatch(/3 active pods, the spec allows 2/)
  })

  it('R159: an extra pod after a create whose answer was lost is counted apart, not as a violation', () => {
    const changes = [podChange(pod('a', 'Running')), podChange(pod('b', 'Running')), podChange(pod('c', 'Running'))]
    const checked = checkSteps(job({}), changes, new Set(['b']))
    expect(checked.violations).toEqual([])
    expect(checked.extraPodsAfterLostAck).toBe(1)
    expect(checkSteps(job({}), [...changes, podChange(pod('d', 'Running'))], new Set(['b'])).violations.join()).toMatch(/4 active pods, the spec allows 2/)
  })

  it('R159 R96: the extra pod after a lost create answer may run only until a sync sees it: a status write counting every pod while it runs is a violation', () => {
    const running = [podChange(pod('a', 'Running')), podChange(pod('b', 'Running')), podChange(pod('c', 'Running'))]
    // The controller has not seen `b` yet (it counts 2 of 3): allowed, counted apart.
    const unseen = checkSteps(job({}), [...running, jobChange(job({ active: 2, succeeded: 0 }))], new Set(['b']))
    expect(unseen.violations).toEqual([])
    expect(unseen.extraPodsKept).toBe(0)
    // It counts all 3 and deleted none.
    const kept = checkSteps(job({}), [...running, jobChange(job({ active: 3, succeeded: 0 }))], new Set(['b']))
    expect(kept.violations.join()).toMatch(/counted 3 active pods, the spec allows 2, and deleted none/)
    expect(kept.extraPodsKept).toBe(1)
    // Unless deleting it failed: then it is retried (R161).
    expect(checkSteps(job({}), [...running, jobChange(job({ active: 3, succeeded: 0 }))], new Set(['b']), new Set(['model-b'])).violations).toEqual([])
  })

  it('R122: two active pods of one index at a status write that counts every pod is a violation', () => {
    const indexedJob = (status: JobStatus) => job(status, { completionMode: 'Indexed' })
    const changes = [podChange(pod('a', 'Running', 0)), podChange(pod('b', 'Running', 0)), jobChange(indexedJob({ active: 2, completedIndexes: '' }))]
    expect(checkSteps(indexedJob({}), changes, new Set(['b'])).violations.join()).toMatch(/two active pods for index 0/)
  })

  it('R154: more active pods than remaining completions is a violation', () => {
    const changes = [podChange(pod('a', 'Succeeded')), podChange(pod('b', 'Succeeded')), podChange(pod('c', 'Running')), podChange(pod('d', 'Running'))]
    expect(checkSteps(job({ succeeded: 2 }), changes).violations.join()).toMatch(/2 active pods, the spec allows 1/)
  })

  it('R100: two active pods of one index is a violation', () => {
    const changes = [podChange(pod('a', 'Running', 0)), podChange(pod('b', 'Running', 0))]
    expect(checkSteps(job({}, { completionMode: 'Indexed' }), changes).violations.join()).toMatch(/2 active pods for index 0/)
  })

  it('a counter that goes down, a condition twice and a terminal condition that reverts are violations', () => {
    const complete = { type: 'Complete' as const, status: 'True' as const }
    const changes = [
      jobChange(job({ failed: 2 })),
      jobChange(job({ failed: 1, conditions: [complete, complete] })),
      jobChange(job({ failed: 1, conditions: [] })),
    ]
    const { violations } = checkSteps(job({ failed: 1 }), changes)
    expect(violations.join('\n')).toMatch(/failed went down from 2 to 1/)
    expect(violations.join('\n')).toMatch(/a condition type appears twice: Complete, Complete/)
    expect(violations.join('\n')).toMatch(/condition Complete reverted/)
  })

  it('a pod that comes back to uncountedTerminatedPods after it was counted is counted twice', () => {
    const changes = [
      podChange(pod('a', 'Succeeded')),
      jobChange(job({ succeeded: 0, uncountedTerminatedPods: { succeeded: ['a'] } })),
      jobChange(job({ succeeded: 1, uncountedTerminatedPods: {} })),
      jobChange(job({ succeeded: 1, uncountedTerminatedPods: { succeeded: ['a'] } })),
    ]
    const checked = checkSteps(job({ succeeded: 2 }), changes)
    expect(checked.doubleCounted).toBeGreaterThan(0)
    expect(checked.violations.join('\n')).toMatch(/came back to uncountedTerminatedPods/)
  })

  it('a success that is never counted is lost', () => {
    const changes = [podChange(pod('a', 'Succeeded')), podChange(pod('b', 'Succeeded'))]
    const checked = checkSteps(job({ succeeded: 1 }), changes)
    expect(checked.lost).toBe(1)
  })
})
