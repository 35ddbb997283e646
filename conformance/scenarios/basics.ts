/** The docs' `pi` job, defaulting, rendered pods, status counters and events. */
import { readFileSync } from 'node:fs'
import { Effect } from 'effect'
import { expect } from 'vitest'
import { parse } from 'yaml'
import { succeedAfter } from '../../adapters/runtimes/scripted/ScriptedRuntime.js'
import {
  CONTROLLER_UID_LABEL,
  JOB_NAME_LABEL,
  LEGACY_CONTROLLER_UID_LABEL,
  LEGACY_JOB_NAME_LABEL,
  TRACKING_FINALIZER,
} from '../../core/model/wellKnown.js'
import { conditionOf, controllerOf, hasCondition, jobManifest, keyOf, millisOf, scenario } from '../toolkit.js'
import type { Scenario } from '../toolkit.js'

/** The Kubernetes documentation's example Job, as the repository ships it. */
export function piManifest(): Record<string, unknown> {
  return parse(readFileSync(new URL('../../examples/pi/job.yaml', import.meta.url), 'utf8')) as Record<string, unknown>
}

export const basics: ReadonlyArray<Scenario> = [
  scenario('R18 R116 R144 R156: the docs’ pi job completes with completionTime and a Completed event', (w) =>
    Effect.gen(function* () {
      yield* w.create(piManifest(), succeedAfter('30 seconds'))
      const job = yield* w.waitForJob('pi', (j) => hasCondition(j, 'Complete'))
      const complete = conditionOf(job, 'Complete')!
      expect(complete).toMatchObject({ status: 'True', reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods' })
      expect(conditionOf(job, 'SuccessCriteriaMet')).toMatchObject({ status: 'True', reason: 'CompletionsReached' })
      expect(job.status?.completionTime).toBe(complete.lastTransitionTime)
      expect(millisOf(job.status?.completionTime)).toBeGreaterThanOrEqual(millisOf(job.status?.startTime) + w.seconds(30) * 1000)
      expect(job.status).toMatchObject({ succeeded: 1, active: 0, ready: 0, terminating: 0 })
      expect(job.status?.failed ?? 0).toBe(0)
      expect(hasCondition(job, 'Failed')).toBe(false)
      const pods = yield* w.pods('pi')
      expect(w.recording('pi').created).toHaveLength(1)
      const events = yield* w.events('pi')
      const completed = events.filter((e) => e.reason === 'Completed')
      expect(completed).toHaveLength(1)
      expect(completed[0]).toMatchObject({ type: 'Normal', message: 'Job completed', source: 'job-controller' })
      expect(events.some((e) => e.reason === 'SuccessfulCreate' && e.message === `Created pod: ${w.recording('pi').created[0]}`)).toBe(true)
      // The only pod is counted and released.
      for (const pod of pods) expect(pod.metadata.finalizers ?? []).not.toContain(TRACKING_FINALIZER)
    }),
  ),

  scenario('R18 R20 R21 R22 R24 R25 R27 R28: the stored job has its defaults, generation 1 and a generated selector', (w) =>
    Effect.gen(function* () {
      const created = yield* w.create(piManifest())
      const uid = created.metadata.uid!
      expect(uid).not.toBe('')
      expect(created.metadata.generation).toBe(1)
      expect(created.spec).toMatchObject({
        parallelism: 1,
        completions: 1,
        backoffLimit: 4,
        completionMode: 'NonIndexed',
        suspend: false,
        podReplacementPolicy: 'TerminatingOrFailed',
        manualSelector: false,
      })
      expect(created.spec.selector.matchLabels).toEqual({ [CONTROLLER_UID_LABEL]: uid })
      expect(created.spec.template.metadata?.labels).toMatchObject({
        [CONTROLLER_UID_LABEL]: uid,
        [LEGACY_CONTROLLER_UID_LABEL]: uid,
        [JOB_NAME_LABEL]: 'pi',
        [LEGACY_JOB_NAME_LABEL]: 'pi',
      })
      const stored = yield* w.job('pi')
      expect(stored.metadata.uid).toBe(uid)
      expect(stored.spec.selector).toEqual(created.spec.selector)
    }),
  ),

  scenario('R20 R18: a job without backoffLimit gets 6; parallelism alone leaves completions unset (R19)', (w) =>
    Effect.gen(function* () {
      const plain = yield* w.create(jobManifest('plain'), () => ({ startAfter: 'manual' }))
      expect(plain.spec).toMatchObject({ backoffLimit: 6, parallelism: 1, completions: 1 })
      const queue = yield* w.create(jobManifest('queue', { parallelism: 2 }), () => ({ startAfter: 'manual' }))
      expect(queue.spec.parallelism).toBe(2)
      expect(queue.spec.completions).toBeUndefined()
    }),
  ),

  scenario('R103 R104 R169: a pod carries generateName "<job>-", the selector labels, a controller reference and the tracking finalizer', (w) =>
    Effect.gen(function* () {
      const job = yield* w.create(jobManifest('render', {}, { templateLabels: { app: 'render' } }))
      const [pod] = yield* w.waitForActive('render', 1)
      expect(pod!.metadata.generateName).toBe('render-')
      expect(pod!.metadata.name).toMatch(/^render-[a-z0-9]{5}$/)
      expect(pod!.metadata.labels).toMatchObject({
        app: 'render',
        [CONTROLLER_UID_LABEL]: job.metadata.uid,
        [JOB_NAME_LABEL]: 'render',
      })
      expect(pod!.metadata.finalizers).toEqual([TRACKING_FINALIZER])
      expect(pod!.metadata.ownerReferences).toEqual([
        { apiVersion: 'batch/v1', kind: 'Job', name: 'render', uid: job.metadata.uid, controller: true, blockOwnerDeletion: true },
      ])
      expect(pod!.spec.restartPolicy).toBe('Never')
      expect(pod!.spec.containers[0]?.name).toBe('main')
    }),
  ),

  scenario('R86 R17 R70 R91: startTime is set on the first sync; status.active and status.ready follow the pods', (w) =>
    Effect.gen(function* () {
      const created = yield* w.create(jobManifest('counters', { completions: 2, parallelism: 2 }), () => ({ readyAfter: 'manual' }))
      const pods = yield* w.waitForActive('counters', 2)
      let job = yield* w.waitForJob('counters', (j) => j.status?.active === 2)
      expect(job.status?.ready).toBe(0)
      expect(job.status?.terminating).toBe(0)
      expect(millisOf(job.status?.startTime)).toBeGreaterThanOrEqual(millisOf(created.metadata.creationTimestamp))
      yield* w.eventually(Effect.forEach(pods, (pod) => w.kubelet.ready(keyOf(pod))))
      job = yield* w.waitForJob('counters', (j) => j.status?.ready === 2)
      expect(job.status?.active).toBe(2)
      yield* w.kubelet.succeed(keyOf(pods[0]!))
      job = yield* w.waitForJob('counters', (j) => j.status?.succeeded === 1)
      expect(job.status).toMatchObject({ active: 1, ready: 1 })
    }),
  ),

  scenario('R106 R156: each created pod gets a Normal SuccessfulCreate event naming it', (w) =>
    Effect.gen(function* () {
      yield* w.create(jobManifest('announce', { completions: 3, parallelism: 3 }))
      const pods = yield* w.waitForActive('announce', 3)
      const events = yield* w.eventually(
        Effect.flatMap(w.events('announce'), (all) => {
          const creates = all.filter((e) => e.reason === 'SuccessfulCreate')
          return creates.length === 3 ? Effect.succeed(creates) : Effect.fail('not every creation reported yet')
        }),
      )
      expect(events.map((e) => e.message).sort()).toEqual(pods.map((p) => `Created pod: ${p.metadata.name}`).sort())
      for (const event of events) {
        expect(event).toMatchObject({ type: 'Normal', source: 'job-controller', involvedObject: { kind: 'Job', name: 'announce' } })
      }
    }),
  ),

  scenario('R108 R112 R17: once finished, no pod keeps the tracking finalizer and uncountedTerminatedPods is empty', (w) =>
    Effect.gen(function* () {
      yield* w.create(jobManifest('released', { completions: 3, parallelism: 3 }), succeedAfter('5 seconds'))
      const job = yield* w.waitForJob('released', (j) => hasCondition(j, 'Complete'))
      expect(job.status?.succeeded).toBe(3)
      expect(job.status?.uncountedTerminatedPods?.succeeded ?? []).toEqual([])
      expect(job.status?.uncountedTerminatedPods?.failed ?? []).toEqual([])
      const pods = yield* w.pods('released')
      expect(pods).toHaveLength(3)
      for (const pod of pods) {
        expect(pod.status?.phase).toBe('Succeeded')
        expect(pod.metadata.finalizers ?? []).not.toContain(TRACKING_FINALIZER)
        expect(controllerOf(pod)?.uid).toBe(job.metadata.uid)
      }
    }),
  ),
]
