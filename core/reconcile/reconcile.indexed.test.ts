/**
 * `reconcile` on Indexed Jobs: rendered pods (R105), completed-index bookkeeping (R117–R124),
 * elastic scaling (R124) and Indexed failures (spec §9.2; upstream cases of §19.28–§19.38).
 */
import { describe, expect, it } from 'vitest'
import { COMPLETION_INDEX_ANNOTATION, COMPLETION_INDEX_ENV } from '../model/wellKnown.js'
import { reconcile } from './reconcile.js'
import {
  advance,
  at,
  conditionOf,
  createdIndexes,
  creations,
  deletedNames,
  makeJob,
  newWorld,
  pod,
  releasedNames,
  runningStatus,
  statusWrites,
  syncOnce,
  trueConditionTypes,
} from './testing/fixtures.js'

const indexed = (spec: Record<string, unknown>, status = runningStatus({ completedIndexes: '' }), name?: string) =>
  makeJob({ ...(name === undefined ? {} : { name }), spec: { completionMode: 'Indexed', ...spec }, status })

const INDEX_ENV = {
  name: COMPLETION_INDEX_ENV,
  valueFrom: { fieldRef: { fieldPath: `metadata.labels['${COMPLETION_INDEX_ANNOTATION}']` } },
}

describe('reconcile: Indexed pods (R100, R105)', () => {
  it('R105: indexed job start — indexes 0 and 1, generateName pi-<i>-, hostname pi-<i>, index label, annotation and env var', () => {
    const job = makeJob({ spec: { completionMode: 'Indexed', completions: 5, parallelism: 2 } })
    const plan = reconcile(job, [], at(0))
    expect(createdIndexes(plan)).toEqual([0, 1])
    for (const [i, create] of creations(plan).entries()) {
      const rendered = create.pod
      expect(create.index).toBe(i)
      expect(rendered.metadata.generateName).toBe(`pi-${i}-`)
      expect(rendered.metadata.name).toBeUndefined()
      expect(rendered.metadata.labels?.[COMPLETION_INDEX_ANNOTATION]).toBe(String(i))
      expect(rendered.metadata.annotations?.[COMPLETION_INDEX_ANNOTATION]).toBe(String(i))
      expect(rendered.spec.hostname).toBe(`pi-${i}`)
      expect(rendered.spec.subdomain).toBeUndefined()
      expect(rendered.spec.containers[0]!.env).toEqual([INDEX_ENV])
      expect(rendered.metadata.finalizers).toEqual(['batch.kubernetes.io/job-tracking'])
      expect(rendered.metadata.ownerReferences).toEqual([
        { apiVersion: 'batch/v1', kind: 'Job', name: 'pi', uid: job.metadata.uid, controller: true, blockOwnerDeletion: true },
      ])
    }
    expect(plan.status).toMatchObject({ active: 2, succeeded: 0, completedIndexes: '' })
  })

  it('R100/R105: the next free index — with "0-2" completed, index 3 gets generateName "pi-3-"', () => {
    const job = indexed({ completions: 5, parallelism: 1 }, runningStatus({ completedIndexes: '0-2', succeeded: 3 }))
    const [create] = creations(reconcile(job, [], at(5)))
    expect(create!.index).toBe(3)
    expect(create!.pod.metadata.generateName).toBe('pi-3-')
    expect(create!.pod.spec.hostname).toBe('pi-3')
  })

  it('R105: a container that already defines JOB_COMPLETION_INDEX keeps its own; init containers get it too', () => {
    const job = makeJob({
      spec: {
        completionMode: 'Indexed',
        completions: 1,
        template: {
          spec: {
            restartPolicy: 'Never',
            initContainers: [{ name: 'init', image: 'busybox:1.36' }],
            containers: [{ name: 'main', image: 'busybox:1.36', env: [{ name: COMPLETION_INDEX_ENV, value: 'mine' }] }],
          },
        },
      },
    })
    const [create] = creations(reconcile(job, [], at(0)))
    expect(create!.pod.spec.containers[0]!.env).toEqual([{ name: COMPLETION_INDEX_ENV, value: 'mine' }])
    expect(create!.pod.spec.initContainers?.[0]?.env).toEqual([INDEX_ENV])
  })

  it('R105: a long job name is cut so that generateName is 58 characters and still ends in -<i>-', () => {
    const name = 'a'.repeat(60)
    const job = indexed({ completions: 10, parallelism: 10 }, runningStatus({ completedIndexes: '0-8', succeeded: 9 }), name)
    const [create] = creations(reconcile(job, [], at(0)))
    expect(create!.pod.metadata.generateName).toBe(`${'a'.repeat(55)}-9-`)
    expect(create!.pod.spec.hostname).toBe(`${name}-9`)
  })
})

describe('reconcile: completed indexes (R117–R121)', () => {
  it('R117/R119: indexed job completed — "0-2" even with a failed attempt at index 1', () => {
    const job = indexed({ completions: 3, parallelism: 3 }, runningStatus({ active: 3, completedIndexes: '' }))
    const plan = reconcile(
      job,
      [
        pod(job, 'Succeeded', { index: 0 }),
        pod(job, 'Failed', { index: 1, finishedAt: at(-60) }),
        pod(job, 'Succeeded', { index: 1 }),
        pod(job, 'Succeeded', { index: 2 }),
      ],
      at(10),
    )
    expect(plan.status).toMatchObject({ completedIndexes: '0-2', succeeded: 3, failed: 1, active: 0 })
    expect(trueConditionTypes(plan.status)).toEqual(['SuccessCriteriaMet', 'Complete'])
    // Succeeded indexes are recorded as indexes, never as UIDs.
    expect(statusWrites(plan)[0]!.uncountedTerminatedPods?.succeeded ?? []).toEqual([])
  })

  it('R117/R120: indexed job repeated completed index — "0,1", succeeded 2, only index 2 is created', () => {
    const job = indexed({ completions: 3, parallelism: 2 }, runningStatus({ active: 2, completedIndexes: '' }))
    const plan = reconcile(
      job,
      [pod(job, 'Succeeded', { name: 'zero', index: 0 }), pod(job, 'Succeeded', { name: 'one-a', index: 1 }), pod(job, 'Succeeded', { name: 'one-b', index: 1 })],
      at(10),
    )
    expect(plan.status).toMatchObject({ completedIndexes: '0,1', succeeded: 2 })
    expect(createdIndexes(plan)).toEqual([2])
    expect(releasedNames(plan).sort()).toEqual(['one-a', 'one-b', 'zero'])
  })

  it('R100/R117: indexed job some running and completed pods — "2,4,5,7-9"; creates 1, 6, 10, 11, 12, 13', () => {
    const job = indexed({ completions: 14, parallelism: 8 }, runningStatus({ active: 2, completedIndexes: '' }))
    const candidates = [
      pod(job, 'Running', { index: 0 }),
      pod(job, 'Running', { index: 3 }),
      ...[2, 4, 5, 7, 8, 9].map((index) => pod(job, 'Succeeded', { index })),
    ]
    const plan = reconcile(job, candidates, at(10))
    expect(plan.status).toMatchObject({ completedIndexes: '2,4,5,7-9', succeeded: 6, active: 8 })
    expect(createdIndexes(plan)).toEqual([1, 6, 10, 11, 12, 13])
  })

  it('R118/R117: indexed job past and new pods — "0-2,4" plus new 3 and 6 is "0-4,6"', () => {
    const job = indexed({ completions: 8, parallelism: 0 }, runningStatus({ completedIndexes: '0-2,4', succeeded: 4 }))
    const plan = reconcile(job, [pod(job, 'Succeeded', { index: 3 }), pod(job, 'Succeeded', { index: 6 })], at(10))
    expect(plan.status).toMatchObject({ completedIndexes: '0-4,6', succeeded: 6 })
  })

  it('R100: indexed job some failed pods — the failed indexes 0 and 2 are created again', () => {
    const job = indexed({ completions: 4, parallelism: 4 }, runningStatus({ active: 4, completedIndexes: '' }))
    const plan = reconcile(
      job,
      [
        pod(job, 'Failed', { index: 0, finishedAt: at(-3600) }),
        pod(job, 'Running', { index: 1 }),
        pod(job, 'Failed', { index: 2, finishedAt: at(-3600) }),
        pod(job, 'Succeeded', { index: 3 }),
      ],
      at(10),
    )
    expect(createdIndexes(plan)).toEqual([0, 2])
    expect(plan.status).toMatchObject({ failed: 2, succeeded: 1, completedIndexes: '3', active: 3 })
  })

  it('R121: indexed job some pods without index — active ones deleted, finished ones released and never counted', () => {
    const job = indexed({ completions: 3, parallelism: 3 }, runningStatus({ active: 3, completedIndexes: '' }))
    const plan = reconcile(
      job,
      [
        pod(job, 'Running', { name: 'ok', index: 0 }),
        pod(job, 'Running', { name: 'no-index' }),
        pod(job, 'Running', { name: 'bad-index', index: 'x' }),
        pod(job, 'Running', { name: 'negative-index', index: '-1' }),
        pod(job, 'Succeeded', { name: 'done-no-index' }),
        pod(job, 'Failed', { name: 'failed-no-index' }),
      ],
      at(10),
    )
    expect(deletedNames(plan).sort()).toEqual(['bad-index', 'negative-index', 'no-index'])
    expect(creations(plan)).toHaveLength(0)
    expect(releasedNames(plan)).toEqual(expect.arrayContaining(['done-no-index', 'failed-no-index']))
    expect(plan.status).toMatchObject({ succeeded: 0, failed: 0, completedIndexes: '', active: 1 })
  })

  it('R122: indexed job repeated indexes — the less valuable duplicate is deleted; nothing is created in that sync', () => {
    const job = indexed({ completions: 3, parallelism: 3 }, runningStatus({ active: 3, completedIndexes: '' }))
    const plan = reconcile(
      job,
      [pod(job, 'Ready', { name: 'one-ready', index: 1 }), pod(job, 'Running', { name: 'one-running', index: 1 }), pod(job, 'Running', { name: 'two', index: 2 })],
      at(10),
    )
    expect(deletedNames(plan)).toEqual(['one-running'])
    expect(creations(plan)).toHaveLength(0)
    expect(plan.status).toMatchObject({ active: 2, terminating: 1, failed: 0 })
  })

  it('R123: indexed job with indexes outside the range — deleted if active, not counted if finished, no creation in the same sync', () => {
    const job = indexed({ completions: 3, parallelism: 3 }, runningStatus({ active: 2, completedIndexes: '' }))
    const plan = reconcile(
      job,
      [pod(job, 'Running', { name: 'zero', index: 0 }), pod(job, 'Running', { name: 'five', index: 5 }), pod(job, 'Succeeded', { name: 'seven', index: 7 })],
      at(10),
    )
    expect(deletedNames(plan)).toEqual(['five'])
    expect(creations(plan)).toHaveLength(0)
    expect(plan.status).toMatchObject({ completedIndexes: '', succeeded: 0, active: 1 })
  })

  it('R109: too many indexed finished — 500 released per sync; completion waits for the last one', () => {
    const job = indexed({ completions: 501, parallelism: 0 }, runningStatus({ completedIndexes: '' }))
    const finished = Array.from({ length: 501 }, (_, index) => pod(job, 'Succeeded', { name: `done-${index}`, index }))
    const first = syncOnce(newWorld(job, at(10), finished))
    expect(releasedNames(first.plan)).toHaveLength(500)
    expect(conditionOf(first.plan.status, 'Complete')).toBeUndefined()
    expect(first.plan.status.completedIndexes?.startsWith('0-')).toBe(true)
    expect(first.plan.status.succeeded).toBeGreaterThanOrEqual(500)
    const second = syncOnce(advance(first.world, 1000))
    expect(second.plan.status).toMatchObject({ completedIndexes: '0-500', succeeded: 501 })
    expect(conditionOf(second.plan.status, 'Complete')).toBeDefined()
  })
})

describe('reconcile: elastic Indexed Jobs (R124)', () => {
  it('R124: scaling down drops completed indexes ≥ completions (succeeded goes down) and deletes pods of dropped indexes', () => {
    // Was completions = parallelism = 5 with indexes 0, 1 and 4 done; now 3.
    const job = indexed({ completions: 3, parallelism: 3 }, runningStatus({ active: 2, completedIndexes: '0,1,4', succeeded: 3 }))
    const plan = reconcile(job, [pod(job, 'Running', { name: 'two', index: 2 }), pod(job, 'Running', { name: 'three', index: 3 })], at(10))
    expect(deletedNames(plan)).toEqual(['three'])
    expect(plan.status).toMatchObject({ completedIndexes: '0,1', succeeded: 2, active: 1, failed: 0 })
    expect(trueConditionTypes(plan.status)).toEqual([])
  })

  it('R124: scaling up creates the new indexes', () => {
    const job = indexed({ completions: 5, parallelism: 5 }, runningStatus({ completedIndexes: '0-2', succeeded: 3 }))
    const plan = reconcile(job, [], at(10))
    expect(createdIndexes(plan)).toEqual([3, 4])
    expect(trueConditionTypes(plan.status)).toEqual([])
  })
})

describe('reconcile: Indexed failures', () => {
  it('R98/R128: without backoffLimitPerIndex, the job-level back-off gates Indexed creations too', () => {
    const job = indexed({ completions: 3, parallelism: 3 }, runningStatus({ active: 2, completedIndexes: '' }))
    const candidates = [pod(job, 'Running', { index: 0 }), pod(job, 'Failed', { index: 1, finishedAt: at(5) }), pod(job, 'Running', { index: 2 })]
    const early = syncOnce(newWorld(job, at(10), candidates))
    expect(creations(early.plan)).toHaveLength(0)
    expect(early.plan.requeueAfterMs).toBe(5000)
    expect(early.plan.status).toMatchObject({ failed: 1, active: 2 })
    expect(createdIndexes(syncOnce(advance(early.world, 4000)).plan)).toEqual([])
    expect(createdIndexes(syncOnce(advance(early.world, 5000)).plan)).toEqual([1])
  })

  it('R88.4/R89: indexed job failed — backoffLimit 0: "0" completed, failed 2 (the running pod too), one pod deleted', () => {
    const job = indexed({ completions: 3, parallelism: 3, backoffLimit: 0 }, runningStatus({ active: 3, completedIndexes: '' }))
    const plan = reconcile(
      job,
      [pod(job, 'Succeeded', { index: 0 }), pod(job, 'Failed', { index: 1 }), pod(job, 'Running', { name: 'two', index: 2 })],
      at(10),
    )
    expect(deletedNames(plan)).toEqual(['two'])
    expect(plan.status).toMatchObject({ completedIndexes: '0', succeeded: 1, failed: 2, active: 0, terminating: 1 })
    expect(trueConditionTypes(plan.status)).toEqual(['FailureTarget'])
    expect(creations(plan)).toHaveLength(0)
  })
})
