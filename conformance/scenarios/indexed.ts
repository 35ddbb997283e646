/** Indexed jobs (§9.2, R105). */
import { Effect } from 'effect'
import { expect } from 'vitest'
import { succeedAfter } from '../../adapters/runtimes/scripted/ScriptedRuntime.js'
import { COMPLETION_INDEX_ANNOTATION, COMPLETION_INDEX_ENV } from '../../core/model/wellKnown.js'
import { hasCondition, indexOfPod, isActivePod, jobManifest, keyOf, millisOf, scenario } from '../toolkit.js'
import type { Scenario, World } from '../toolkit.js'

const indexEnv = {
  name: COMPLETION_INDEX_ENV,
  valueFrom: { fieldRef: { fieldPath: `metadata.labels['${COMPLETION_INDEX_ANNOTATION}']` } },
}

/** The active pod holding `index`. */
const podAt = (w: World, jobName: string, index: number) =>
  w.eventually(
    Effect.flatMap(w.activePods(jobName), (pods) => {
      const found = pods.find((p) => indexOfPod(p) === index)
      return found === undefined ? Effect.fail(`no active pod for index ${index}`) : Effect.succeed(found)
    }),
  )

export const indexed: ReadonlyArray<Scenario> = [
  scenario('R105: Indexed pods carry the index annotation and label, hostname <job>-<i>, generateName <job>-<i>- and JOB_COMPLETION_INDEX', (w) =>
    Effect.gen(function* () {
      yield* w.create(jobManifest('idx', { completions: 3, parallelism: 3, completionMode: 'Indexed' }))
      const pods = yield* w.waitForActive('idx', 3)
      expect(pods.map(indexOfPod).sort()).toEqual([0, 1, 2])
      for (const pod of pods) {
        const i = indexOfPod(pod)!
        expect(pod.metadata.annotations?.[COMPLETION_INDEX_ANNOTATION]).toBe(String(i))
        expect(pod.metadata.labels?.[COMPLETION_INDEX_ANNOTATION]).toBe(String(i))
        expect(pod.spec.hostname).toBe(`idx-${i}`)
        expect(pod.metadata.generateName).toBe(`idx-${i}-`)
        expect(pod.metadata.name).toMatch(new RegExp(`^idx-${i}-[a-z0-9]{5}$`))
        // (toMatchObject: the API server adds its default `fieldRef.apiVersion: v1`.)
        expect(pod.spec.containers[0]?.env).toMatchObject([indexEnv])
      }
    }),
  ),

  scenario('R105: every container and init container gets JOB_COMPLETION_INDEX unless it defines the variable itself', (w) =>
    Effect.gen(function* () {
      const own = { name: COMPLETION_INDEX_ENV, value: 'mine' }
      yield* w.create(
        jobManifest('envs', { completions: 1, completionMode: 'Indexed' }, {
          containers: [
            { name: 'a', image: 'busybox:1.36' },
            { name: 'b', image: 'busybox:1.36', env: [own] },
          ],
        }),
      )
      const [pod] = yield* w.waitForActive('envs', 1)
      expect(pod!.spec.containers[0]?.env).toMatchObject([indexEnv])
      expect(pod!.spec.containers[1]?.env).toEqual([own])
    }),
  ),

  scenario('R119 R117: an Indexed job completes when every index succeeded, with completedIndexes "0-2" and succeeded 3', (w) =>
    Effect.gen(function* () {
      yield* w.create(jobManifest('all', { completions: 3, parallelism: 3, completionMode: 'Indexed' }), succeedAfter('20 seconds'))
      const job = yield* w.waitForJob('all', (j) => hasCondition(j, 'Complete'))
      expect(job.status).toMatchObject({ completedIndexes: '0-2', succeeded: 3, active: 0 })
      expect(job.status?.failed ?? 0).toBe(0)
      expect(job.status?.failedIndexes).toBeUndefined()
      expect(w.recording('all').created).toHaveLength(3)
    }),
  ),

  scenario('R117 R118: completedIndexes lists the succeeded indexes as intervals ("1", "1,3", "1-3", "0-3", "0-4")', (w) =>
    Effect.gen(function* () {
      yield* w.create(jobManifest('gaps', { completions: 5, parallelism: 5, completionMode: 'Indexed' }))
      yield* w.waitForActive('gaps', 5)
      const expectAfter = (index: number, completed: string, succeeded: number) =>
        Effect.gen(function* () {
          yield* w.kubelet.succeed(keyOf(yield* podAt(w, 'gaps', index)))
          const job = yield* w.waitForJob('gaps', (j) => j.status?.completedIndexes === completed)
          expect(job.status?.succeeded).toBe(succeeded)
          return job
        })
      yield* expectAfter(1, '1', 1)
      yield* expectAfter(3, '1,3', 2)
      yield* expectAfter(2, '1-3', 3)
      yield* expectAfter(0, '0-3', 4)
      yield* expectAfter(4, '0-4', 5)
      const job = yield* w.waitForJob('gaps', (j) => hasCondition(j, 'Complete'))
      expect(job.status?.succeeded).toBe(5)
    }),
  ),

  scenario('R120 R126 R84: a failed attempt at an index is retried for that index and counted once (completedIndexes "0-2", failed 1)', (w) =>
    Effect.gen(function* () {
      // Index 1 fails first; the other indexes keep running until its retry is there, so that
      // no success comes in between (a success would reset the back-off, R127).
      yield* w.create(jobManifest('retry', { completions: 3, parallelism: 3, completionMode: 'Indexed' }), (p) =>
        p.index === 1 && p.attempt === 0 ? { outcome: { after: '2 seconds', result: 'Failed', exitCode: 3 } } : {},
      )
      yield* w.eventually(
        Effect.flatMap(w.pods('retry'), (pods) =>
          pods.filter((p) => indexOfPod(p) === 1).length === 2 && pods.filter(isActivePod).length === 3
            ? Effect.void
            : Effect.fail('index 1 not retried yet'),
        ),
      )
      for (const pod of yield* w.activePods('retry')) yield* w.kubelet.succeed(keyOf(pod))
      const job = yield* w.waitForJob('retry', (j) => hasCondition(j, 'Complete'))
      expect(job.status).toMatchObject({ completedIndexes: '0-2', succeeded: 3, failed: 1 })
      const pods = yield* w.pods('retry')
      expect(pods.filter((p) => indexOfPod(p) === 1)).toHaveLength(2)
      expect(pods.filter((p) => indexOfPod(p) === 0)).toHaveLength(1)
      // The retry of index 1 waited for the job's back-off (10 s after the failure).
      const [failed, retried] = pods.filter((p) => indexOfPod(p) === 1)
      const failedAt = millisOf(failed!.status?.containerStatuses?.[0]?.state?.terminated?.finishedAt)
      expect(millisOf(retried!.metadata.creationTimestamp) - failedAt).toBeGreaterThanOrEqual(w.backoffBaseSeconds * 1000)
    }),
    { backoffPeriods: 1 },
  ),

  scenario('R100 R1: an Indexed job with parallelism 2 of 4 starts the lowest indexes first and never runs more than 2 pods', (w) =>
    Effect.gen(function* () {
      yield* w.create(jobManifest('lowest', { completions: 4, parallelism: 2, completionMode: 'Indexed' }), succeedAfter('10 seconds'))
      const first = yield* w.waitForActive('lowest', 2)
      expect(first.map(indexOfPod).sort()).toEqual([0, 1])
      const job = yield* w.waitForJob('lowest', (j) => hasCondition(j, 'Complete'))
      expect(job.status).toMatchObject({ completedIndexes: '0-3', succeeded: 4 })
      expect(w.recording('lowest').maxActive).toBe(2)
      expect(w.recording('lowest').created).toHaveLength(4)
    }),
  ),
]
