/**
 * `reconcile` with the newer Job API: podFailurePolicy (R134–R136), backoffLimitPerIndex and
 * maxFailedIndexes (R137–R140), successPolicy (R143–R145) and podReplacementPolicy
 * (R141–R142) (upstream cases of §19.26, §19.37, §19.39, §19.40, §19.46).
 */
import { describe, expect, it } from 'vitest'
import { INDEX_FAILURE_COUNT_ANNOTATION, INDEX_IGNORED_FAILURE_COUNT_ANNOTATION } from '../model/wellKnown.js'
import { reconcile } from './reconcile.js'
import {
  advance,
  at,
  condition,
  conditionOf,
  createdIndexes,
  creations,
  deletedNames,
  eventsOf,
  makeJob,
  newWorld,
  pod,
  podsEvent,
  pods,
  releasedNames,
  runningStatus,
  syncOnce,
  trueConditionTypes,
} from './testing/fixtures.js'

const onExitCodes = (action: string, operator: 'In' | 'NotIn', values: number[], containerName?: string) => ({
  action,
  onExitCodes: { ...(containerName === undefined ? {} : { containerName }), operator, values },
})
const onDisruption = (action: string) => ({ action, onPodConditions: [{ type: 'DisruptionTarget' }] })
const disrupted = [{ type: 'DisruptionTarget', status: 'True' as const, lastTransitionTime: '2026-03-01T09:00:00Z' }]

describe('reconcile: podFailurePolicy (R134–R136)', () => {
  it('R135: FailJob by exit code — FailureTarget PodFailurePolicy with the container message; Failed once the pods are gone', () => {
    const job = makeJob({
      spec: { completions: 3, parallelism: 2, podFailurePolicy: { rules: [onExitCodes('FailJob', 'In', [42], 'main')] } },
      status: runningStatus({ active: 2 }),
    })
    expect(job.spec.podReplacementPolicy).toBe('Failed')
    const message = 'Container main for pod default/pi-bad failed with exit code 42 matching FailJob rule at index 0'
    let world = newWorld(job, at(10), [pod(job, 'Failed', { name: 'pi-bad', exitCode: 42 }), pod(job, 'Running', { name: 'run' })])
    const first = syncOnce(world)
    expect(conditionOf(first.plan.status, 'FailureTarget')).toMatchObject({ reason: 'PodFailurePolicy', message })
    expect(deletedNames(first.plan)).toEqual(['run'])
    expect(creations(first.plan)).toHaveLength(0)
    // R114: active 0, terminating 1 until the pod is gone.
    expect(first.plan.status).toMatchObject({ active: 0, terminating: 1, failed: 2 })
    expect(conditionOf(first.plan.status, 'Failed')).toBeUndefined()
    expect(first.plan.facts.failurePolicyActions).toEqual({ FailJob: 1 })

    world = advance(podsEvent(first.world, () => true, { _tag: 'Terminate' }), 1000)
    const second = syncOnce(world)
    expect(conditionOf(second.plan.status, 'Failed')).toMatchObject({ reason: 'PodFailurePolicy', message })
    expect(second.plan.status).toMatchObject({ failed: 2, terminating: 0 })
    expect(eventsOf(second.plan)).toEqual([{ eventType: 'Warning', reason: 'PodFailurePolicy', message }])
  })

  it('R135: FailJob by DisruptionTarget condition — message names the condition and the rule index', () => {
    const job = makeJob({
      spec: { completions: 3, podFailurePolicy: { rules: [onExitCodes('Count', 'In', [5]), onDisruption('FailJob')] } },
      status: runningStatus({ active: 1 }),
    })
    const plan = reconcile(job, [pod(job, 'Failed', { name: 'pi-evicted', exitCode: 137, conditions: disrupted })], at(10))
    expect(conditionOf(plan.status, 'FailureTarget')).toMatchObject({
      reason: 'PodFailurePolicy',
      message: 'Pod default/pi-evicted has condition DisruptionTarget matching FailJob rule at index 1',
    })
    expect(trueConditionTypes(plan.status)).toEqual(['FailureTarget', 'Failed'])
  })

  it('R135: Ignore — not counted toward backoffLimit, released, and replaced', () => {
    const job = makeJob({
      spec: { completions: 2, parallelism: 1, backoffLimit: 0, podFailurePolicy: { rules: [onDisruption('Ignore')] } },
      status: runningStatus({ active: 1 }),
    })
    const plan = reconcile(job, [pod(job, 'Failed', { name: 'evicted', conditions: disrupted, finishedAt: at(-3600) })], at(10))
    expect(plan.status.failed).toBe(0)
    expect(trueConditionTypes(plan.status)).toEqual([])
    expect(releasedNames(plan)).toEqual(['evicted'])
    expect(creations(plan)).toHaveLength(1)
    expect(plan.facts.failurePolicyActions).toEqual({ Ignore: 1 })
  })

  it('R127: an Ignored failure still lengthens the job-level back-off', () => {
    const job = makeJob({
      spec: { completions: 2, parallelism: 1, podFailurePolicy: { rules: [onExitCodes('Ignore', 'In', [42])] } },
      status: runningStatus({ active: 1 }),
    })
    const plan = reconcile(job, [pod(job, 'Failed', { exitCode: 42, finishedAt: at(9) })], at(10))
    expect(plan.status.failed).toBe(0)
    expect(creations(plan)).toHaveLength(0)
    expect(plan.requeueAfterMs).toBe(9000)
  })

  it('R135: Count — counted normally (backoffLimit 0 fails the Job with BackoffLimitExceeded)', () => {
    const job = makeJob({
      spec: { completions: 2, backoffLimit: 0, podFailurePolicy: { rules: [onExitCodes('Count', 'In', [3])] } },
      status: runningStatus({ active: 1 }),
    })
    const plan = reconcile(job, [pod(job, 'Failed', { exitCode: 3 })], at(10))
    expect(plan.status.failed).toBe(1)
    expect(conditionOf(plan.status, 'Failed')?.reason).toBe('BackoffLimitExceeded')
    expect(plan.facts.failurePolicyActions).toEqual({ Count: 1 })
  })

  it('R134: the first matching rule wins', () => {
    const rules = [onExitCodes('Ignore', 'In', [42]), onExitCodes('FailJob', 'In', [42])]
    const ignoreFirst = makeJob({ spec: { completions: 2, podFailurePolicy: { rules } }, status: runningStatus({ active: 1 }) })
    const failFirst = makeJob({ spec: { completions: 2, podFailurePolicy: { rules: [...rules].reverse() } }, status: runningStatus({ active: 1 }) })
    const failed = (job: typeof ignoreFirst) => [pod(job, 'Failed', { name: 'p', exitCode: 42, finishedAt: at(-3600) })]
    expect(trueConditionTypes(reconcile(ignoreFirst, failed(ignoreFirst), at(10)).status)).toEqual([])
    expect(reconcile(failFirst, failed(failFirst), at(10)).status.conditions?.[0]).toMatchObject({
      type: 'FailureTarget',
      message: 'Container main for pod default/p failed with exit code 42 matching FailJob rule at index 0',
    })
  })

  it('R134: NotIn matches other non-zero exit codes only; a zero exit code never matches', () => {
    const job = makeJob({
      spec: { completions: 3, parallelism: 1, backoffLimit: 5, podFailurePolicy: { rules: [onExitCodes('FailJob', 'NotIn', [1])] } },
      status: runningStatus(),
    })
    const plan = reconcile(job, [pod(job, 'Failed', { exitCode: 1, finishedAt: at(-3600) }), pod(job, 'Failed', { exitCode: 0, finishedAt: at(-3600) })], at(10))
    expect(trueConditionTypes(plan.status)).toEqual([])
    expect(plan.status.failed).toBe(2)
    const matching = reconcile(job, [pod(job, 'Failed', { exitCode: 2 })], at(10))
    expect(conditionOf(matching.status, 'FailureTarget')?.reason).toBe('PodFailurePolicy')
  })

  it('R72/R134: with a podFailurePolicy a terminating pod is not a failure and is not replaced', () => {
    const job = makeJob({
      spec: { completions: 2, parallelism: 1, backoffLimit: 0, podFailurePolicy: { rules: [onExitCodes('FailJob', 'In', [42])] } },
      status: runningStatus({ active: 1 }),
    })
    const plan = reconcile(job, [pod(job, 'Terminating')], at(10))
    expect(plan.status).toMatchObject({ failed: 0, active: 0, terminating: 1 })
    expect(creations(plan)).toHaveLength(0)
    expect(trueConditionTypes(plan.status)).toEqual([])
  })
})

describe('reconcile: backoffLimitPerIndex and maxFailedIndexes (R137–R140)', () => {
  const perIndex = (spec: Record<string, unknown>, status = runningStatus({ completedIndexes: '', failedIndexes: '' })) =>
    makeJob({ spec: { completionMode: 'Indexed', ...spec }, status })
  const attempt = (failures: number, ignored = 0) => ({
    [INDEX_FAILURE_COUNT_ANNOTATION]: String(failures),
    ...(ignored > 0 ? { [INDEX_IGNORED_FAILURE_COUNT_ANNOTATION]: String(ignored) } : {}),
  })

  it('R20: backoffLimit defaults to MaxInt32 with backoffLimitPerIndex', () => {
    expect(perIndex({ completions: 2, backoffLimitPerIndex: 1 }).spec.backoffLimit).toBe(2147483647)
  })

  it('R105/R137: new pods carry failure count 0 and the Job writes failedIndexes ""', () => {
    const job = makeJob({ spec: { completionMode: 'Indexed', completions: 2, parallelism: 2, backoffLimitPerIndex: 1 } })
    const plan = reconcile(job, [], at(0))
    for (const create of creations(plan)) {
      expect(create.pod.metadata.annotations?.[INDEX_FAILURE_COUNT_ANNOTATION]).toBe('0')
      expect(create.pod.metadata.annotations?.[INDEX_IGNORED_FAILURE_COUNT_ANNOTATION]).toBeUndefined()
    }
    expect(plan.status.failedIndexes).toBe('')
  })

  it('R138/R139: a lone failed pod is not counted until its replacement (failure count 1) exists; then it is', () => {
    const job = perIndex({ completions: 2, parallelism: 2, backoffLimitPerIndex: 2 }, runningStatus({ active: 2, completedIndexes: '', failedIndexes: '' }))
    let world = newWorld(job, at(10), [
      pod(job, 'Failed', { name: 'zero-a', index: 0, annotations: attempt(0), finishedAt: at(-3600) }),
      pod(job, 'Running', { name: 'one', index: 1, annotations: attempt(0) }),
    ])
    const first = syncOnce(world)
    expect(createdIndexes(first.plan)).toEqual([0])
    expect(creations(first.plan)[0]!.pod.metadata.annotations).toMatchObject(attempt(1))
    expect(creations(first.plan)[0]!.pod.metadata.annotations?.[INDEX_IGNORED_FAILURE_COUNT_ANNOTATION]).toBeUndefined()
    expect(releasedNames(first.plan)).toEqual([])
    expect(first.plan.status).toMatchObject({ failed: 0, failedIndexes: '' })
    world = advance(first.world, 1000)
    const second = syncOnce(world)
    expect(releasedNames(second.plan)).toEqual(['zero-a'])
    expect(second.plan.status).toMatchObject({ failed: 1, failedIndexes: '' })
    expect(creations(second.plan)).toHaveLength(0)
  })

  it('R137: a failed pod of an index that reached its limit fails the index and is counted; the index is not retried', () => {
    const job = perIndex({ completions: 3, parallelism: 3, backoffLimitPerIndex: 1 }, runningStatus({ active: 3, completedIndexes: '', failedIndexes: '' }))
    const plan = reconcile(
      job,
      [
        pod(job, 'Running', { index: 0, annotations: attempt(0) }),
        pod(job, 'Failed', { name: 'one-b', index: 1, annotations: attempt(1), finishedAt: at(-3600) }),
        pod(job, 'Running', { index: 2, annotations: attempt(0) }),
      ],
      at(10),
    )
    expect(plan.status).toMatchObject({ failed: 1, failedIndexes: '1', completedIndexes: '' })
    expect(releasedNames(plan)).toEqual(['one-b'])
    expect(creations(plan)).toHaveLength(0)
    expect(trueConditionTypes(plan.status)).toEqual([])
  })

  it('R135/R137: FailIndex fails the index at once', () => {
    const job = perIndex({
      completions: 3,
      parallelism: 3,
      backoffLimitPerIndex: 3,
      podFailurePolicy: { rules: [onExitCodes('FailIndex', 'In', [42])] },
    }, runningStatus({ active: 3, completedIndexes: '', failedIndexes: '' }))
    const plan = reconcile(
      job,
      [pod(job, 'Running', { index: 0, annotations: attempt(0) }), pod(job, 'Failed', { index: 1, exitCode: 42, annotations: attempt(0) }), pod(job, 'Running', { index: 2, annotations: attempt(0) })],
      at(10),
    )
    expect(plan.status).toMatchObject({ failed: 1, failedIndexes: '1' })
    expect(creations(plan)).toHaveLength(0)
    expect(plan.facts.failurePolicyActions).toEqual({ FailIndex: 1 })
  })

  it('R138: an Ignored failure gives the replacement an ignored-failure count, not a failure count', () => {
    const job = perIndex({ completions: 1, parallelism: 1, backoffLimitPerIndex: 1, podFailurePolicy: { rules: [onDisruption('Ignore')] } })
    const plan = reconcile(job, [pod(job, 'Failed', { index: 0, annotations: attempt(0), conditions: disrupted, finishedAt: at(-3600) })], at(10))
    expect(createdIndexes(plan)).toEqual([0])
    expect(creations(plan)[0]!.pod.metadata.annotations).toMatchObject(attempt(0, 1))
    expect(plan.status.failed).toBe(0)
  })

  it('R129: per-index back-off — the replacement waits 10 s after the failure, counted per index', () => {
    const job = perIndex({ completions: 2, parallelism: 2, backoffLimitPerIndex: 3 }, runningStatus({ active: 1, completedIndexes: '', failedIndexes: '' }))
    const candidates = [
      pod(job, 'Running', { index: 0, annotations: attempt(0) }),
      pod(job, 'Failed', { index: 1, annotations: attempt(1), finishedAt: at(0) }),
    ]
    const early = reconcile(job, candidates, at(5))
    expect(creations(early)).toHaveLength(0)
    // n = failures (1) + ignored (0) + 1 = 2 ⇒ 20 s.
    expect(early.requeueAfterMs).toBe(15_000)
    expect(createdIndexes(reconcile(job, candidates, at(20)))).toEqual([1])
  })

  it('R140: more failed indexes than maxFailedIndexes — MaxFailedIndexesExceeded; running pods are stopped first', () => {
    const job = perIndex(
      { completions: 4, parallelism: 4, backoffLimitPerIndex: 0, maxFailedIndexes: 1 },
      runningStatus({ active: 4, completedIndexes: '', failedIndexes: '' }),
    )
    const plan = reconcile(
      job,
      [
        pod(job, 'Failed', { index: 0, annotations: attempt(0) }),
        pod(job, 'Failed', { index: 1, annotations: attempt(0) }),
        pod(job, 'Running', { name: 'two', index: 2, annotations: attempt(0) }),
        pod(job, 'Running', { name: 'three', index: 3, annotations: attempt(0) }),
      ],
      at(10),
    )
    expect(conditionOf(plan.status, 'FailureTarget')).toMatchObject({
      reason: 'MaxFailedIndexesExceeded',
      message: 'Job has exceeded the specified maximal number of failed indexes',
    })
    expect(deletedNames(plan).sort()).toEqual(['three', 'two'])
    expect(plan.status.failedIndexes).toBe('0,1')
    expect(conditionOf(plan.status, 'Failed')).toBeUndefined()
  })

  it('R140: every index done with some failed ⇒ Failed with FailedIndexes (not Complete)', () => {
    const job = perIndex({ completions: 3, parallelism: 3, backoffLimitPerIndex: 0 }, runningStatus({ active: 3, completedIndexes: '', failedIndexes: '' }))
    const plan = reconcile(
      job,
      [pod(job, 'Succeeded', { index: 0 }), pod(job, 'Failed', { index: 1, annotations: attempt(0) }), pod(job, 'Succeeded', { index: 2 })],
      at(10),
    )
    expect(plan.status).toMatchObject({ completedIndexes: '0,2', failedIndexes: '1', succeeded: 2, failed: 1 })
    expect(trueConditionTypes(plan.status)).toEqual(['FailureTarget', 'Failed'])
    expect(conditionOf(plan.status, 'Failed')).toMatchObject({ reason: 'FailedIndexes', message: 'Job has failed indexes' })
    expect(eventsOf(plan)).toEqual([{ eventType: 'Warning', reason: 'FailedIndexes', message: 'Job has failed indexes' }])
  })
})

describe('reconcile: successPolicy (R143–R145)', () => {
  const withPolicy = (rules: ReadonlyArray<Record<string, unknown>>, extra: Record<string, unknown> = {}, status = runningStatus({ active: 5, completedIndexes: '' })) =>
    makeJob({ spec: { completionMode: 'Indexed', completions: 5, parallelism: 5, successPolicy: { rules }, ...extra }, status })

  it('R143/R144: succeededIndexes met — SuccessCriteriaMet, lingering pods deleted, Complete only once they are gone', () => {
    const job = withPolicy([{ succeededIndexes: '0,2' }])
    let world = newWorld(job, at(10), [
      pod(job, 'Succeeded', { index: 0 }),
      pod(job, 'Running', { name: 'one', index: 1 }),
      pod(job, 'Succeeded', { index: 2 }),
      pod(job, 'Running', { name: 'three', index: 3 }),
      pod(job, 'Ready', { name: 'four', index: 4 }),
    ])
    const first = syncOnce(world)
    expect(conditionOf(first.plan.status, 'SuccessCriteriaMet')).toMatchObject({ reason: 'SuccessPolicy', message: 'Matched rules at index 0' })
    expect(conditionOf(first.plan.status, 'Complete')).toBeUndefined()
    expect(deletedNames(first.plan).sort()).toEqual(['four', 'one', 'three'])
    expect(first.plan.status).toMatchObject({ completedIndexes: '0,2', succeeded: 2, active: 0, ready: 0, terminating: 3, failed: 0 })
    expect(eventsOf(first.plan)).toEqual([])

    world = advance(podsEvent(first.world, () => true, { _tag: 'Terminate' }), 2000)
    const second = syncOnce(world)
    expect(trueConditionTypes(second.plan.status)).toEqual(['SuccessCriteriaMet', 'Complete'])
    expect(conditionOf(second.plan.status, 'Complete')).toMatchObject({ reason: 'SuccessPolicy', message: 'Matched rules at index 0' })
    expect(second.plan.status).toMatchObject({ failed: 0, succeeded: 2, terminating: 0, completionTime: second.plan.status.conditions?.[1]?.lastTransitionTime })
    expect(eventsOf(second.plan)).toEqual([{ eventType: 'Normal', reason: 'Completed', message: 'Job completed' }])
  })

  it('R143: succeededCount only', () => {
    const job = withPolicy([{ succeededCount: 2 }])
    const plan = reconcile(job, [pod(job, 'Succeeded', { index: 3 }), pod(job, 'Succeeded', { index: 4 })], at(10))
    expect(conditionOf(plan.status, 'SuccessCriteriaMet')).toMatchObject({ reason: 'SuccessPolicy', message: 'Matched rules at index 0' })
    expect(trueConditionTypes(plan.status)).toEqual(['SuccessCriteriaMet', 'Complete'])
  })

  it('R143: succeededIndexes with succeededCount counts only listed indexes; rules are tried in order', () => {
    const job = withPolicy([{ succeededIndexes: '0-2', succeededCount: 2 }, { succeededCount: 1 }])
    const listed = reconcile(job, [pod(job, 'Succeeded', { index: 0 }), pod(job, 'Succeeded', { index: 2 })], at(10))
    expect(conditionOf(listed.status, 'SuccessCriteriaMet')?.message).toBe('Matched rules at index 0')
    const unlisted = reconcile(job, [pod(job, 'Succeeded', { index: 4 })], at(10))
    expect(conditionOf(unlisted.status, 'SuccessCriteriaMet')?.message).toBe('Matched rules at index 1')
  })

  it('R143: no rule met — the Job goes on', () => {
    const job = withPolicy([{ succeededIndexes: '0-2' }], {}, runningStatus({ active: 4, completedIndexes: '' }))
    const plan = reconcile(job, [pod(job, 'Succeeded', { index: 0 }), ...[1, 2, 3, 4].map((index) => pod(job, 'Running', { index }))], at(10))
    expect(trueConditionTypes(plan.status)).toEqual([])
    expect(deletedNames(plan)).toEqual([])
  })

  it('R88/R145: failure wins when a FailJob rule and the success policy hold in the same sync', () => {
    const job = withPolicy([{ succeededCount: 1 }], { podFailurePolicy: { rules: [onExitCodes('FailJob', 'In', [42])] } })
    const plan = reconcile(job, [pod(job, 'Succeeded', { index: 0 }), pod(job, 'Failed', { name: 'bad', index: 1, exitCode: 42 })], at(10))
    expect(conditionOf(plan.status, 'FailureTarget')?.reason).toBe('PodFailurePolicy')
    expect(conditionOf(plan.status, 'SuccessCriteriaMet')).toBeUndefined()
    expect(conditionOf(plan.status, 'Complete')).toBeUndefined()
  })

  it('R145: an existing SuccessCriteriaMet survives later failures', () => {
    const job = withPolicy([{ succeededCount: 1 }], { backoffLimit: 0 }, {
      ...runningStatus({ active: 1, completedIndexes: '0', succeeded: 1 }),
      conditions: [condition('SuccessCriteriaMet', 'SuccessPolicy', 'Matched rules at index 0', at(5))],
    })
    const plan = reconcile(job, [pod(job, 'Failed', { index: 1 })], at(10))
    expect(conditionOf(plan.status, 'FailureTarget')).toBeUndefined()
    expect(trueConditionTypes(plan.status)).toEqual(['SuccessCriteriaMet', 'Complete'])
    expect(conditionOf(plan.status, 'Complete')?.reason).toBe('SuccessPolicy')
    expect(plan.status.failed).toBe(1)
  })

  it('R145: an existing FailureTarget is not rescued by the success policy', () => {
    const job = withPolicy([{ succeededCount: 1 }], {}, {
      ...runningStatus({ completedIndexes: '' }),
      conditions: [condition('FailureTarget', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit', at(5))],
    })
    const plan = reconcile(job, [pod(job, 'Succeeded', { index: 0 })], at(10))
    expect(trueConditionTypes(plan.status)).toEqual(['FailureTarget', 'Failed'])
  })

  it('R145: a SuccessCriteriaMet=False added by someone else is ignored', () => {
    const job = withPolicy([{ succeededCount: 3 }], {}, {
      ...runningStatus({ completedIndexes: '' }),
      conditions: [condition('SuccessCriteriaMet', 'Manual', 'set by hand', at(5), 'False')],
    })
    const plan = reconcile(job, [], at(10))
    expect(createdIndexes(plan)).toEqual([0, 1, 2, 3, 4])
  })

  it('R89/R159: a success-policy decision is not committed while expectations are unsatisfied', () => {
    const job = withPolicy([{ succeededCount: 1 }])
    const plan = reconcile(job, [pod(job, 'Succeeded', { index: 0 }), pod(job, 'Running', { index: 1 })], at(10), { expectationsSatisfied: false })
    expect(conditionOf(plan.status, 'SuccessCriteriaMet')).toBeUndefined()
    expect(plan.status.completedIndexes).toBe('0')
  })
})

describe('reconcile: podReplacementPolicy (R141, R142)', () => {
  it('R142: Failed — a terminating pod is neither a failure nor replaced, and is reported in `terminating`', () => {
    const job = makeJob({ spec: { parallelism: 2, podReplacementPolicy: 'Failed' }, status: runningStatus({ active: 2 }) })
    const plan = reconcile(job, [pod(job, 'Running'), pod(job, 'Terminating', { deletedAt: at(-3600) })], at(10))
    expect(creations(plan)).toHaveLength(0)
    expect(plan.status).toMatchObject({ active: 1, terminating: 1, failed: 0 })
  })

  it('R142: Failed — once the terminating pod ends Failed it is counted and replaced (reason recreate_failed)', () => {
    const job = makeJob({ spec: { parallelism: 2, podReplacementPolicy: 'Failed' }, status: runningStatus({ active: 1, terminating: 1 }) })
    const plan = reconcile(job, [pod(job, 'Running'), pod(job, 'Failed', { deletedAt: at(-3601), finishedAt: at(-3600) })], at(10))
    expect(creations(plan)).toHaveLength(1)
    expect(plan.status).toMatchObject({ active: 2, terminating: 0, failed: 1 })
    expect(plan.facts.creationReason).toBe('recreate_failed')
  })

  it('R141: TerminatingOrFailed — a terminating pod is a failure at once and is replaced', () => {
    const job = makeJob({ spec: { parallelism: 2 }, status: runningStatus({ active: 2 }) })
    expect(job.spec.podReplacementPolicy).toBe('TerminatingOrFailed')
    const plan = reconcile(job, [pod(job, 'Running'), pod(job, 'Terminating', { name: 'going', deletedAt: at(-3600) })], at(10))
    expect(creations(plan)).toHaveLength(1)
    expect(plan.status).toMatchObject({ active: 2, terminating: 1, failed: 1 })
    expect(plan.facts.creationReason).toBe('recreate_terminating_or_failed')
    expect(releasedNames(plan)).toEqual(['going'])
  })

  it('R96/R142: more terminating pods than parallelism — only active pods are deleted as excess', () => {
    const job = makeJob({ spec: { parallelism: 1, podReplacementPolicy: 'Failed' }, status: runningStatus({ active: 2, terminating: 4 }) })
    const plan = reconcile(job, [...pods(job, 'Running', 2), ...pods(job, 'Terminating', 4)], at(10))
    expect(deletedNames(plan)).toHaveLength(1)
    expect(plan.status).toMatchObject({ active: 1, terminating: 5, failed: 0 })
  })

  it('R100/R142: Indexed with a terminating pod — Failed does not re-create its index, TerminatingOrFailed does', () => {
    for (const [policy, expected] of [['Failed', []], ['TerminatingOrFailed', [1]]] as const) {
      const job = makeJob({
        spec: { completionMode: 'Indexed', completions: 3, parallelism: 3, podReplacementPolicy: policy },
        status: runningStatus({ active: 2, terminating: 1, completedIndexes: '' }),
      })
      const plan = reconcile(
        job,
        [pod(job, 'Running', { index: 0 }), pod(job, 'Terminating', { index: 1, deletedAt: at(-3600) }), pod(job, 'Running', { index: 2 })],
        at(10),
      )
      expect(createdIndexes(plan)).toEqual(expected)
      expect(plan.status.terminating).toBe(1)
      expect(plan.status.failed).toBe(policy === 'Failed' ? 0 : 1)
    }
  })
})
