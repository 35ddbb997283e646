/**
 * The worked examples of the spec's Appendix B, end to end: a manifest decoded and defaulted
 * by the model, then driven by `reconcile` against the fixtures' simulated store.
 */
import { readFileSync } from 'node:fs'
import { parse } from 'yaml'
import { describe, expect, it } from 'vitest'
import { COMPLETION_INDEX_ANNOTATION, TRACKING_FINALIZER } from '../model/wellKnown.js'
import {
  PI_MANIFEST,
  advance,
  at,
  conditionOf,
  createdIndexes,
  creations,
  eventsOf,
  jobFromManifest,
  jobManifest,
  jobOf,
  newWorld,
  podsEvent,
  statusWrites,
  syncOnce,
  timeAt,
  trueConditionTypes,
  type World,
} from './testing/fixtures.js'

const PI_YAML = new URL('../../examples/pi/job.yaml', import.meta.url)

describe('Appendix B: the pi Job from decode to Complete', () => {
  it('examples/pi/job.yaml is the docs’ pi Job', () => {
    expect(parse(readFileSync(PI_YAML, 'utf8'))).toEqual(PI_MANIFEST)
  })

  it('R18/R20: decodes with completions 1, parallelism 1, backoffLimit 4 and a generated selector', () => {
    const job = jobFromManifest(parse(readFileSync(PI_YAML, 'utf8')), { createdAt: at(0) })
    expect(job.spec).toMatchObject({ completions: 1, parallelism: 1, backoffLimit: 4, completionMode: 'NonIndexed', suspend: false })
    expect(job.spec.selector.matchLabels).toEqual({ 'batch.kubernetes.io/controller-uid': job.metadata.uid })
  })

  it('creates pi-xxxxx, the pod succeeds, the Job completes in two writes and is then left alone', () => {
    const job = jobFromManifest(parse(readFileSync(PI_YAML, 'utf8')), { createdAt: at(0) })
    let world: World = newWorld(job, at(0))

    // Sync 1: one pod, startTime, active 1.
    const first = syncOnce(world)
    expect(creations(first.plan)).toHaveLength(1)
    expect(creations(first.plan)[0]!.pod.metadata.generateName).toBe('pi-')
    expect(first.plan.status).toMatchObject({ startTime: timeAt(0), active: 1, ready: 0, succeeded: 0, failed: 0 })
    world = first.world
    expect(world.pods).toHaveLength(1)
    const piPod = world.pods[0]!
    expect(piPod.metadata.name).toMatch(/^pi-[0-9a-z]{5}$/)
    expect(piPod.metadata.finalizers).toEqual([TRACKING_FINALIZER])
    expect(piPod.spec.containers[0]!.command).toEqual(['perl', '-Mbignum=bpi', '-wle', 'print bpi(2000)'])

    // Nothing happens until the pod does something.
    expect(syncOnce(advance(world, 1000)).plan.actions).toEqual([])

    // The kubelet runs it; it becomes ready, then succeeds at t=30 s.
    world = podsEvent(advance(world, 2000), () => true, { _tag: 'Start' })
    world = podsEvent(world, () => true, { _tag: 'Ready' })
    const readySync = syncOnce(world)
    expect(readySync.plan.status).toMatchObject({ active: 1, ready: 1 })
    world = podsEvent({ ...readySync.world, nowMs: at(30) }, () => true, { _tag: 'Succeed' })

    // Sync 2: write #1 records the UID with SuccessCriteriaMet, the finalizer goes, write #2 counts it and completes.
    const second = syncOnce(advance(world, 500))
    const [write1, write2] = statusWrites(second.plan)
    expect(write1).toMatchObject({ active: 0, ready: 0, succeeded: 0, uncountedTerminatedPods: { succeeded: [piPod.metadata.uid] } })
    expect(trueConditionTypes(write1)).toEqual(['SuccessCriteriaMet'])
    expect(conditionOf(write1, 'SuccessCriteriaMet')?.reason).toBe('CompletionsReached')
    expect(write2).toMatchObject({ succeeded: 1, uncountedTerminatedPods: {}, completionTime: timeAt(30) })
    expect(trueConditionTypes(write2)).toEqual(['SuccessCriteriaMet', 'Complete'])
    expect(second.plan.actions.map((a) => a._tag)).toEqual(['UpdateJobStatus', 'RemoveTrackingFinalizer', 'UpdateJobStatus', 'RecordEvent'])
    expect(eventsOf(second.plan)).toEqual([{ eventType: 'Normal', reason: 'Completed', message: 'Job completed' }])
    world = second.world
    expect(world.pods[0]!.metadata.finalizers ?? []).toEqual([])
    expect(world.events).toEqual([{ eventType: 'Normal', reason: 'Completed', message: 'Job completed' }])

    // Finished: never another pod, nothing to do.
    const third = syncOnce(advance(world, 60_000))
    expect(third.plan.actions).toEqual([])
    expect(jobOf(third.world).status).toEqual(jobOf(world).status)
  })
})

describe('Appendix B: an Indexed Job, completions 5 and parallelism 2', () => {
  it('pods job-0 and job-1; index 1 succeeds ⇒ "1" and index 2 starts; 0, 1, 2 ⇒ "0-2"; all ⇒ Complete', () => {
    const job = jobFromManifest(jobManifest({ name: 'job', spec: { completionMode: 'Indexed', completions: 5, parallelism: 2 } }), { createdAt: at(0) })
    let world = newWorld(job, at(0))
    const indexOf = (name: string) => world.pods.find((p) => p.metadata.name === name)?.metadata.annotations?.[COMPLETION_INDEX_ANNOTATION]
    const byIndex = (index: number) => (p: World['pods'][number]) => p.metadata.annotations?.[COMPLETION_INDEX_ANNOTATION] === String(index)

    const first = syncOnce(world)
    expect(createdIndexes(first.plan)).toEqual([0, 1])
    world = first.world
    expect(world.pods.map((p) => p.spec.hostname)).toEqual(['job-0', 'job-1'])
    expect(world.pods.map((p) => p.metadata.name!.slice(0, 6))).toEqual(['job-0-', 'job-1-'])
    expect(world.pods.map((p) => indexOf(p.metadata.name!))).toEqual(['0', '1'])

    world = podsEvent(advance(world, 1000), () => true, { _tag: 'Start' })
    world = podsEvent(advance(world, 10_000), byIndex(1), { _tag: 'Succeed' })
    const second = syncOnce(world)
    expect(second.plan.status).toMatchObject({ completedIndexes: '1', succeeded: 1, active: 2 })
    expect(createdIndexes(second.plan)).toEqual([2])
    world = second.world

    world = podsEvent(advance(world, 1000), (p) => p.status?.phase === 'Pending', { _tag: 'Start' })
    world = podsEvent(world, byIndex(0), { _tag: 'Succeed' })
    world = podsEvent(world, byIndex(2), { _tag: 'Succeed' })
    const third = syncOnce(advance(world, 1000))
    expect(third.plan.status).toMatchObject({ completedIndexes: '0-2', succeeded: 3 })
    expect(createdIndexes(third.plan)).toEqual([3, 4])
    world = third.world

    world = podsEvent(advance(world, 1000), (p) => p.status?.phase === 'Pending', { _tag: 'Start' })
    world = podsEvent(world, byIndex(4), { _tag: 'Succeed' })
    const fourth = syncOnce(advance(world, 1000))
    expect(fourth.plan.status).toMatchObject({ completedIndexes: '0-2,4', succeeded: 4, active: 1 })
    expect(creations(fourth.plan)).toHaveLength(0)
    world = podsEvent(advance(fourth.world, 1000), byIndex(3), { _tag: 'Succeed' })
    const last = syncOnce(advance(world, 1000))
    expect(last.plan.status).toMatchObject({ completedIndexes: '0-4', succeeded: 5, active: 0 })
    expect(trueConditionTypes(last.plan.status)).toEqual(['SuccessCriteriaMet', 'Complete'])
  })
})
