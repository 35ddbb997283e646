/** podFailurePolicy, backoffLimitPerIndex, successPolicy and elastic Indexed jobs (§10.2, §10.3, §11, R124). */
import { Effect } from 'effect'
import { expect } from 'vitest'
import type { Job } from '../../core/model/types.js'
import { INDEX_FAILURE_COUNT_ANNOTATION } from '../../core/model/wellKnown.js'
import { conditionOf, hasCondition, indexOfPod, isFinishedJob, jobManifest, keyOf, millisOf, scenario } from '../toolkit.js'
import type { Scenario, World } from '../toolkit.js'

const exitCodes = (action: string, operator: 'In' | 'NotIn', values: number[], containerName?: string) => ({
  action,
  onExitCodes: { operator, values, ...(containerName !== undefined ? { containerName } : {}) },
})

/** Waits for the active pod at `index` (Indexed jobs). */
const podAt = (w: World, jobName: string, index: number) =>
  w.eventually(
    Effect.flatMap(w.activePods(jobName), (pods) => {
      const found = pods.find((p) => indexOfPod(p) === index)
      return found === undefined ? Effect.fail(`no active pod for index ${index}`) : Effect.succeed(found)
    }),
  )

/** Waits for an active pod that is not one of `seen`. */
const newPod = (w: World, jobName: string, seen: ReadonlyArray<string>) =>
  w.eventually(
    Effect.flatMap(w.activePods(jobName), (pods) => {
      const found = pods.find((p) => !seen.includes(p.metadata.uid ?? ''))
      return found === undefined ? Effect.fail('no new pod yet') : Effect.succeed(found)
    }),
  )

const scaleTo = (n: number) => (job: Job): Job => ({ ...job, spec: { ...job.spec, completions: n, parallelism: n } })

export const policies: ReadonlyArray<Scenario> = [
  scenario('R134 R135 R88 R156: podFailurePolicy FailJob on exit code 42 fails the job with reason PodFailurePolicy and stops the other pods', (w) =>
    Effect.gen(function* () {
      yield* w.create(jobManifest('failjob', { completions: 2, parallelism: 2, podFailurePolicy: { rules: [exitCodes('FailJob', 'In', [42])] } }))
      const pods = yield* w.waitForActive('failjob', 2)
      yield* w.kubelet.fail(keyOf(pods[0]!), { exitCode: 42 })
      const job = yield* w.waitForJob('failjob', (j) => hasCondition(j, 'Failed'))
      const message = `Container main for pod ${w.namespace}/${pods[0]!.metadata.name} failed with exit code 42 matching FailJob rule at index 0`
      expect(conditionOf(job, 'FailureTarget')).toMatchObject({ status: 'True', reason: 'PodFailurePolicy', message })
      expect(conditionOf(job, 'Failed')).toMatchObject({ status: 'True', reason: 'PodFailurePolicy', message })
      expect(job.status).toMatchObject({ failed: 2, active: 0, terminating: 0 })
      expect(job.spec.podReplacementPolicy).toBe('Failed')
      expect(yield* w.activePods('failjob')).toHaveLength(0)
      expect((yield* w.events('failjob')).filter((e) => e.reason === 'PodFailurePolicy')).toEqual([
        expect.objectContaining({ type: 'Warning', message }),
      ])
      expect(w.recording('failjob').created).toHaveLength(2)
    }),
  ),

  scenario('R134 R135 R127: podFailurePolicy Ignore on DisruptionTarget does not count the failure; the pod is replaced after the back-off', (w) =>
    Effect.gen(function* () {
      yield* w.create(
        jobManifest('disrupted', { backoffLimit: 0, podFailurePolicy: { rules: [{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget' }] }] } }),
      )
      const [first] = yield* w.waitForActive('disrupted', 1)
      const evicted = yield* w.kubelet.fail(keyOf(first!), {
        exitCode: 137,
        conditions: [{ type: 'DisruptionTarget', status: 'True', reason: 'EvictionByEvictionAPI', message: 'Eviction API: evicting' }],
        reason: 'Evicted',
      })
      const second = yield* newPod(w, 'disrupted', [first!.metadata.uid!])
      expect(millisOf(second.metadata.creationTimestamp) - millisOf(evicted.status?.containerStatuses?.[0]?.state?.terminated?.finishedAt)).toBeGreaterThanOrEqual(
        w.backoffBaseSeconds * 1000,
      )
      let job = yield* w.job('disrupted')
      expect(job.status?.failed ?? 0).toBe(0)
      expect(isFinishedJob(job)).toBe(false)
      yield* w.kubelet.succeed(keyOf(second))
      job = yield* w.waitForJob('disrupted', (j) => hasCondition(j, 'Complete'))
      expect(job.status?.succeeded).toBe(1)
      expect(job.status?.failed ?? 0).toBe(0)
    }),
    { backoffPeriods: 1 },
  ),

  scenario('R134 R135: podFailurePolicy Count counts a matching failure toward backoffLimit', (w) =>
    Effect.gen(function* () {
      yield* w.create(
        jobManifest('counted', { backoffLimit: 0, podFailurePolicy: { rules: [exitCodes('Ignore', 'In', [2]), exitCodes('Count', 'In', [1])] } }),
      )
      const [pod] = yield* w.waitForActive('counted', 1)
      yield* w.kubelet.fail(keyOf(pod!), { exitCode: 1 })
      const job = yield* w.waitForJob('counted', (j) => hasCondition(j, 'Failed'))
      expect(conditionOf(job, 'Failed')).toMatchObject({ reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' })
      expect(job.status?.failed).toBe(1)
    }),
  ),

  scenario('R134: the first matching rule decides (Ignore before FailJob for exit 42); an unmatched exit code is counted normally', (w) =>
    Effect.gen(function* () {
      yield* w.create(
        jobManifest('ordered', { backoffLimit: 6, podFailurePolicy: { rules: [exitCodes('Ignore', 'In', [42]), exitCodes('FailJob', 'In', [42, 43])] } }),
      )
      const [first] = yield* w.waitForActive('ordered', 1)
      yield* w.kubelet.fail(keyOf(first!), { exitCode: 42 })
      const second = yield* newPod(w, 'ordered', [first!.metadata.uid!])
      expect((yield* w.job('ordered')).status?.failed ?? 0).toBe(0)
      yield* w.kubelet.fail(keyOf(second), { exitCode: 5 })
      const third = yield* newPod(w, 'ordered', [first!.metadata.uid!, second.metadata.uid!])
      let job = yield* w.waitForJob('ordered', (j) => j.status?.failed === 1)
      expect(isFinishedJob(job)).toBe(false)
      yield* w.kubelet.succeed(keyOf(third))
      job = yield* w.waitForJob('ordered', (j) => hasCondition(j, 'Complete'))
      expect(job.status).toMatchObject({ succeeded: 1, failed: 1 })
    }),
    { backoffPeriods: 2 },
  ),

  scenario('R134 R135: onExitCodes with containerName and NotIn only matches that container’s excluded codes', (w) =>
    Effect.gen(function* () {
      yield* w.create(
        jobManifest('picky-rule', { backoffLimit: 6, podFailurePolicy: { rules: [exitCodes('FailJob', 'NotIn', [1], 'main')] } }, {
          containers: [
            { name: 'main', image: 'busybox:1.36' },
            { name: 'sidecar', image: 'busybox:1.36' },
          ],
        }),
      )
      const [first] = yield* w.waitForActive('picky-rule', 1)
      yield* w.kubelet.fail(keyOf(first!), { exitCode: 5, containerName: 'sidecar' })
      const second = yield* newPod(w, 'picky-rule', [first!.metadata.uid!])
      yield* w.kubelet.fail(keyOf(second), { exitCode: 1, containerName: 'main' })
      const third = yield* newPod(w, 'picky-rule', [first!.metadata.uid!, second.metadata.uid!])
      expect(isFinishedJob(yield* w.job('picky-rule'))).toBe(false)
      yield* w.kubelet.fail(keyOf(third), { exitCode: 4, containerName: 'main' })
      const job = yield* w.waitForJob('picky-rule', (j) => hasCondition(j, 'Failed'))
      expect(conditionOf(job, 'Failed')).toMatchObject({
        reason: 'PodFailurePolicy',
        message: `Container main for pod ${w.namespace}/${third.metadata.name} failed with exit code 4 matching FailJob rule at index 0`,
      })
      expect(job.status?.failed).toBe(3)
    }),
    { backoffPeriods: 3 },
  ),

  scenario('R135 R137 R140: FailIndex fails the index at once; the job fails with FailedIndexes when every index is done', (w) =>
    Effect.gen(function* () {
      yield* w.create(
        jobManifest('failindex', {
          completions: 3,
          parallelism: 3,
          completionMode: 'Indexed',
          backoffLimitPerIndex: 2,
          podFailurePolicy: { rules: [exitCodes('FailIndex', 'In', [42])] },
        }),
      )
      yield* w.waitForActive('failindex', 3)
      yield* w.kubelet.fail(keyOf(yield* podAt(w, 'failindex', 1)), { exitCode: 42 })
      let job = yield* w.waitForJob('failindex', (j) => j.status?.failedIndexes === '1')
      expect(isFinishedJob(job)).toBe(false)
      yield* w.kubelet.succeed(keyOf(yield* podAt(w, 'failindex', 0)))
      yield* w.kubelet.succeed(keyOf(yield* podAt(w, 'failindex', 2)))
      job = yield* w.waitForJob('failindex', (j) => hasCondition(j, 'Failed'))
      expect(conditionOf(job, 'Failed')).toMatchObject({ reason: 'FailedIndexes', message: 'Job has failed indexes' })
      expect(job.status).toMatchObject({ failedIndexes: '1', completedIndexes: '0,2', succeeded: 2, failed: 1 })
      expect((yield* w.pods('failindex')).filter((p) => indexOfPod(p) === 1)).toHaveLength(1)
    }),
  ),

  scenario('R137 R138 R105 R129: backoffLimitPerIndex 1 retries an index once, with failure-count annotations "0" then "1"', (w) =>
    Effect.gen(function* () {
      yield* w.create(
        jobManifest('perindex', { completions: 2, parallelism: 2, completionMode: 'Indexed', backoffLimitPerIndex: 1 }),
        (p) => (p.index === 0 ? { outcome: { after: '1 second', result: 'Failed', exitCode: 3 } } : { outcome: { after: '5 minutes', result: 'Succeeded' } }),
      )
      const created = yield* w.job('perindex')
      expect(created.spec.backoffLimit).toBe(2147483647)
      const job = yield* w.waitForJob('perindex', (j) => hasCondition(j, 'Failed'), { timeout: '10 minutes' })
      expect(conditionOf(job, 'Failed')).toMatchObject({ reason: 'FailedIndexes', message: 'Job has failed indexes' })
      expect(job.status).toMatchObject({ failedIndexes: '0', completedIndexes: '1', succeeded: 1, failed: 2 })
      const zero = (yield* w.pods('perindex')).filter((p) => indexOfPod(p) === 0)
      expect(zero.map((p) => p.metadata.annotations?.[INDEX_FAILURE_COUNT_ANNOTATION])).toEqual(['0', '1'])
      const retryGap = millisOf(zero[1]!.metadata.creationTimestamp) - millisOf(zero[0]!.status?.containerStatuses?.[0]?.state?.terminated?.finishedAt)
      expect(retryGap).toBeGreaterThanOrEqual(w.backoffBaseSeconds * 1000)
    }),
    { backoffPeriods: 1 },
  ),

  scenario('R140 R88: maxFailedIndexes 0 fails the job at the first failed index with MaxFailedIndexesExceeded and stops the other pods', (w) =>
    Effect.gen(function* () {
      yield* w.create(
        jobManifest('maxfailed', { completions: 3, parallelism: 3, completionMode: 'Indexed', backoffLimitPerIndex: 0, maxFailedIndexes: 0 }),
      )
      yield* w.waitForActive('maxfailed', 3)
      yield* w.kubelet.fail(keyOf(yield* podAt(w, 'maxfailed', 0)), { exitCode: 1 })
      const job = yield* w.waitForJob('maxfailed', (j) => hasCondition(j, 'Failed'))
      expect(conditionOf(job, 'Failed')).toMatchObject({
        reason: 'MaxFailedIndexesExceeded',
        message: 'Job has exceeded the specified maximal number of failed indexes',
      })
      expect(job.status?.failedIndexes).toMatch(/^0(\D|$)/)
      expect(job.status).toMatchObject({ active: 0, terminating: 0 })
      expect(yield* w.activePods('maxfailed')).toHaveLength(0)
      expect(w.recording('maxfailed').created).toHaveLength(3)
    }),
  ),

  scenario('R143 R144 R114: successPolicy succeededIndexes "0" completes the job once index 0 succeeded and stops the other pods uncounted', (w) =>
    Effect.gen(function* () {
      yield* w.create(
        jobManifest('leader', { completions: 3, parallelism: 3, completionMode: 'Indexed', successPolicy: { rules: [{ succeededIndexes: '0' }] } }),
      )
      yield* w.waitForActive('leader', 3)
      yield* w.kubelet.succeed(keyOf(yield* podAt(w, 'leader', 0)))
      const job = yield* w.waitForJob('leader', (j) => hasCondition(j, 'Complete'))
      const expected = { status: 'True', reason: 'SuccessPolicy', message: 'Matched rules at index 0' }
      expect(conditionOf(job, 'SuccessCriteriaMet')).toMatchObject(expected)
      expect(conditionOf(job, 'Complete')).toMatchObject(expected)
      expect(job.status).toMatchObject({ completedIndexes: '0', succeeded: 1, active: 0, terminating: 0 })
      expect(job.status?.failed ?? 0).toBe(0)
      expect(job.status?.completionTime).toBe(conditionOf(job, 'Complete')?.lastTransitionTime)
      expect(yield* w.activePods('leader')).toHaveLength(0)
      expect((yield* w.events('leader')).filter((e) => e.reason === 'Completed')).toHaveLength(1)
    }),
  ),

  scenario('R143: successPolicy succeededCount 2 completes the job after any two indexes succeeded', (w) =>
    Effect.gen(function* () {
      yield* w.create(
        jobManifest('quorum', { completions: 4, parallelism: 4, completionMode: 'Indexed', successPolicy: { rules: [{ succeededCount: 2 }] } }),
      )
      yield* w.waitForActive('quorum', 4)
      yield* w.kubelet.succeed(keyOf(yield* podAt(w, 'quorum', 3)))
      yield* w.waitForJob('quorum', (j) => j.status?.completedIndexes === '3')
      expect(isFinishedJob(yield* w.job('quorum'))).toBe(false)
      yield* w.kubelet.succeed(keyOf(yield* podAt(w, 'quorum', 1)))
      const job = yield* w.waitForJob('quorum', (j) => hasCondition(j, 'Complete'))
      expect(conditionOf(job, 'Complete')).toMatchObject({ reason: 'SuccessPolicy', message: 'Matched rules at index 0' })
      expect(job.status).toMatchObject({ completedIndexes: '1,3', succeeded: 2 })
      expect(job.status?.failed ?? 0).toBe(0)
    }),
  ),

  scenario('R124 R55: an elastic Indexed job scaled up (completions = parallelism 2 → 4) runs the new indexes', (w) =>
    Effect.gen(function* () {
      yield* w.create(jobManifest('elastic-up', { completions: 2, parallelism: 2, completionMode: 'Indexed' }))
      yield* w.waitForActive('elastic-up', 2)
      yield* w.updateJob('elastic-up', scaleTo(4))
      const pods = yield* w.waitForActive('elastic-up', 4)
      expect(pods.map(indexOfPod).sort()).toEqual([0, 1, 2, 3])
      for (const pod of pods) yield* w.kubelet.succeed(keyOf(pod))
      const job = yield* w.waitForJob('elastic-up', (j) => hasCondition(j, 'Complete'))
      expect(job.status).toMatchObject({ completedIndexes: '0-3', succeeded: 4 })
    }),
  ),

  scenario('R124 R62: scaling an elastic Indexed job down deletes the pods of dropped indexes and drops their completed indexes', (w) =>
    Effect.gen(function* () {
      yield* w.create(jobManifest('elastic-down', { completions: 4, parallelism: 4, completionMode: 'Indexed' }))
      yield* w.waitForActive('elastic-down', 4)
      yield* w.kubelet.succeed(keyOf(yield* podAt(w, 'elastic-down', 3)))
      yield* w.waitForJob('elastic-down', (j) => j.status?.completedIndexes === '3' && j.status.succeeded === 1)
      yield* w.updateJob('elastic-down', scaleTo(2))
      const left = yield* w.waitForActive('elastic-down', 2)
      expect(left.map(indexOfPod).sort()).toEqual([0, 1])
      let job = yield* w.waitForJob('elastic-down', (j) => (j.status?.completedIndexes ?? '') === '' && j.status?.succeeded === 0)
      expect(job.status?.failed ?? 0).toBe(0)
      for (const pod of left) yield* w.kubelet.succeed(keyOf(pod))
      job = yield* w.waitForJob('elastic-down', (j) => hasCondition(j, 'Complete'))
      expect(job.status).toMatchObject({ completedIndexes: '0,1', succeeded: 2 })
      expect(job.status?.failed ?? 0).toBe(0)
    }),
  ),
]
