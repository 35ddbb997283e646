import { describe, expect, it } from '@effect/vitest'
import { Context, Effect, Layer, TestClock, type Scope } from 'effect'
import * as MemoryStore from '../../stores/memory/MemoryStore.js'
import { JobStore, type JobStoreService, type ObjectKey } from '../../ports/JobStore.js'
import { PodRuntime } from '../../ports/PodRuntime.js'
import type { Pod } from '../../../core/model/types.js'
import { COMPLETION_INDEX_ANNOTATION, CONTROLLER_UID_LABEL } from '../../../core/model/wellKnown.js'
import * as ScriptedRuntime from './ScriptedRuntime.js'

type Env = JobStore | PodRuntime | ScriptedRuntime.ScriptedRuntime | Scope.Scope

/** Runs `body` on `TestClock` against a fresh memory store with a started scripted runtime. */
function withScripted<A, E>(
  script: ScriptedRuntime.PodScript | undefined,
  body: Effect.Effect<A, E, Env>,
  store: Layer.Layer<JobStore> = MemoryStore.layer,
) {
  return Effect.gen(function* () {
    yield* (yield* PodRuntime).start
    return yield* body
  }).pipe(Effect.provide(ScriptedRuntime.layer(script).pipe(Layer.provideMerge(store))))
}

const key = (name: string): ObjectKey => ({ namespace: 'default', name })

function podOf(name: string, options: { restartPolicy?: string; index?: number; job?: string; finalizers?: string[]; containers?: string[] } = {}): Pod {
  return {
    metadata: {
      name,
      namespace: 'default',
      labels: { [CONTROLLER_UID_LABEL]: options.job ?? 'job-1' },
      ...(options.index !== undefined ? { annotations: { [COMPLETION_INDEX_ANNOTATION]: String(options.index) } } : {}),
      ...(options.finalizers !== undefined ? { finalizers: options.finalizers } : {}),
    },
    spec: {
      restartPolicy: options.restartPolicy ?? 'Never',
      containers: (options.containers ?? ['main']).map((c) => ({ name: c, image: 'busybox', command: ['true'] })),
    },
  }
}

const create = (pod: Pod) => Effect.flatMap(JobStore, (store) => store.createPod(pod))
const getPod = (name: string) => Effect.flatMap(JobStore, (store) => store.getPod(key(name)))
const controls = ScriptedRuntime.ScriptedRuntime

const named = (name: string) => (pod: Pod) => pod.metadata.name === name
const phaseIs = (name: string, phase: string) => (pod: Pod) => pod.metadata.name === name && pod.status?.phase === phase
const condition = (pod: Pod, type: string) => pod.status?.conditions?.find((c) => c.type === type)
const main = (pod: Pod) => pod.status?.containerStatuses?.[0]

describe('ScriptedRuntime controls', () => {
  it.scoped('binds a new pod and reports it Pending and scheduled; start, ready and succeed move it on', () =>
    withScripted(
      undefined,
      Effect.gen(function* () {
        const runtime = yield* controls
        yield* create(podOf('a'))
        const bound = yield* runtime.awaitPod(named('a'))
        expect(bound.spec.nodeName).toBe(ScriptedRuntime.SCRIPTED_NODE_NAME)
        expect(bound.status?.phase).toBe('Pending')
        expect(bound.status?.startTime).toBe('1970-01-01T00:00:00Z')
        expect(condition(bound, 'PodScheduled')?.status).toBe('True')
        expect(main(bound)?.state?.waiting?.reason).toBe('ContainerCreating')

        yield* TestClock.adjust('2 seconds')
        const started = yield* runtime.start(key('a'), { ready: false })
        expect(started.status?.phase).toBe('Running')
        expect(main(started)).toMatchObject({ ready: false, started: true, state: { running: { startedAt: '1970-01-01T00:00:02Z' } } })
        expect(condition(started, 'Ready')?.status).toBe('False')

        yield* TestClock.adjust('3 seconds')
        const ready = yield* runtime.ready(key('a'))
        expect(condition(ready, 'Ready')).toMatchObject({ status: 'True', lastTransitionTime: '1970-01-01T00:00:05Z' })
        expect(condition(ready, 'ContainersReady')?.status).toBe('True')

        yield* TestClock.adjust('5 seconds')
        yield* runtime.succeed(key('a'))
        const done = yield* getPod('a')
        expect(done.status?.phase).toBe('Succeeded')
        expect(main(done)?.state?.terminated).toEqual({
          exitCode: 0,
          reason: 'Completed',
          startedAt: '1970-01-01T00:00:02Z',
          finishedAt: '1970-01-01T00:00:10Z',
        })
        expect(condition(done, 'Ready')).toMatchObject({ status: 'False', reason: 'PodCompleted', lastTransitionTime: '1970-01-01T00:00:10Z' })
        expect((yield* runtime.pods).map((p) => p.metadata.name)).toEqual(['a'])
      }),
    ),
  )

  it.scoped('fail sets the exit code of the named container and adds conditions; the other containers exit 0', () =>
    withScripted(
      undefined,
      Effect.gen(function* () {
        const runtime = yield* controls
        yield* create(podOf('b', { containers: ['main', 'sidecar'] }))
        yield* runtime.awaitPod(named('b'))
        yield* runtime.start(key('b'))
        const failed = yield* runtime.fail(key('b'), {
          exitCode: 42,
          containerName: 'sidecar',
          conditions: [{ type: 'DisruptionTarget', status: 'True', reason: 'EvictionByEvictionAPI' }],
          reason: 'Evicted',
        })
        expect(failed.status?.phase).toBe('Failed')
        expect(failed.status?.reason).toBe('Evicted')
        const byName = Object.fromEntries((failed.status?.containerStatuses ?? []).map((c) => [c.name, c.state?.terminated]))
        expect(byName['sidecar']).toMatchObject({ exitCode: 42, reason: 'Error' })
        expect(byName['main']).toMatchObject({ exitCode: 0, reason: 'Completed' })
        expect(condition(failed, 'DisruptionTarget')).toMatchObject({ status: 'True', reason: 'EvictionByEvictionAPI' })
      }),
    ),
  )

  it.scoped('restartContainer restarts in place: restartCount + 1, lastState.terminated, still Running', () =>
    withScripted(
      undefined,
      Effect.gen(function* () {
        const runtime = yield* controls
        yield* create(podOf('c', { restartPolicy: 'OnFailure' }))
        yield* runtime.awaitPod(named('c'))
        yield* runtime.start(key('c'))
        yield* TestClock.adjust('1 second')
        yield* runtime.restartContainer(key('c'), { exitCode: 3 })
        yield* TestClock.adjust('1 second')
        const pod = yield* runtime.restartContainer(key('c'))
        expect(pod.status?.phase).toBe('Running')
        expect(main(pod)).toMatchObject({
          restartCount: 2,
          lastState: { terminated: { exitCode: 1, reason: 'Error', startedAt: '1970-01-01T00:00:01Z', finishedAt: '1970-01-01T00:00:02Z' } },
          state: { running: { startedAt: '1970-01-01T00:00:02Z' } },
        })
      }),
    ),
  )

  it.scoped('a step that does not apply fails with InvalidTransition; a pod it does not run with NotFound', () =>
    withScripted(
      undefined,
      Effect.gen(function* () {
        const runtime = yield* controls
        yield* create(podOf('d'))
        yield* runtime.awaitPod(named('d'))
        expect((yield* Effect.flip(runtime.ready(key('d'))))._tag).toBe('InvalidTransition')
        yield* runtime.fail(key('d'))
        const error = yield* Effect.flip(runtime.succeed(key('d')))
        expect(error._tag).toBe('InvalidTransition')
        expect(error.message).toBe('cannot succeed pod default/d: it has failed already')
        expect((yield* Effect.flip(runtime.finishTermination(key('d'))))._tag).toBe('InvalidTransition')
        expect((yield* Effect.flip(runtime.start(key('nope'))))._tag).toBe('NotFound')
      }),
    ),
  )
})

describe('ScriptedRuntime deletion', () => {
  it.scoped('by default a deleted running pod ends at once: exit 143, Failed, then deleted with grace 0', () =>
    withScripted(
      undefined,
      Effect.gen(function* () {
        const store = yield* JobStore
        const runtime = yield* controls
        yield* create(podOf('e', { finalizers: ['test/keep'] }))
        yield* runtime.awaitPod(named('e'))
        yield* runtime.start(key('e'))
        yield* store.deletePod(key('e'))
        // The finalizer keeps the pod after the runtime's delete, so its final status can be read.
        const pod = yield* runtime.awaitPod((p) => p.metadata.deletionGracePeriodSeconds === 0)
        expect(pod.status?.phase).toBe('Failed')
        expect(main(pod)?.state?.terminated).toMatchObject({ exitCode: 143, reason: 'Error' })
        yield* store.patchPodMetadata(key('e'), { removeFinalizers: ['test/keep'] })
        yield* runtime.awaitPods((pods) => pods.length === 0)
        expect((yield* Effect.flip(getPod('e')))._tag).toBe('NotFound')
      }),
    ),
  )

  it.scoped('holdTermination keeps a deleted pod terminating until finishTermination', () =>
    withScripted(
      () => ({ holdTermination: true }),
      Effect.gen(function* () {
        const store = yield* JobStore
        const runtime = yield* controls
        yield* create(podOf('f'))
        yield* runtime.awaitPod(phaseIs('f', 'Running'))
        yield* store.deletePod(key('f'))
        const terminating = yield* runtime.awaitPod((p) => named('f')(p) && p.metadata.deletionTimestamp !== undefined)
        expect(terminating.status?.phase).toBe('Running')
        yield* TestClock.adjust('1 hour')
        expect((yield* getPod('f')).status?.phase).toBe('Running')
        yield* runtime.finishTermination(key('f'), { exitCode: 137 })
        expect((yield* Effect.flip(getPod('f')))._tag).toBe('NotFound')
      }),
    ),
  )

  it.scoped('a finished pod that is deleted goes at once, even when terminations are held', () =>
    withScripted(
      () => ({ holdTermination: true, outcome: { after: '1 second', result: 'Succeeded' } }),
      Effect.gen(function* () {
        const store = yield* JobStore
        const runtime = yield* controls
        yield* create(podOf('g', { finalizers: ['test/keep'] }))
        yield* runtime.awaitPod(phaseIs('g', 'Running'))
        yield* TestClock.adjust('1 second')
        yield* runtime.awaitPod(phaseIs('g', 'Succeeded'))
        yield* store.deletePod(key('g'))
        yield* store.patchPodMetadata(key('g'), { removeFinalizers: ['test/keep'] })
        yield* runtime.awaitPods((pods) => pods.length === 0)
      }),
    ),
  )
})

describe('ScriptedRuntime scripts', () => {
  it.scoped('"every pod succeeds 1 s after it starts"', () =>
    withScripted(
      ScriptedRuntime.succeedAfter('1 second'),
      Effect.gen(function* () {
        const runtime = yield* controls
        for (const name of ['p1', 'p2', 'p3']) yield* create(podOf(name))
        const running = yield* runtime.awaitPods((pods) => pods.length === 3 && pods.every((p) => p.status?.phase === 'Running'))
        expect(running.every((p) => condition(p, 'Ready')?.status === 'True')).toBe(true)
        yield* TestClock.adjust('999 millis')
        expect((yield* runtime.pods).every((p) => p.status?.phase === 'Running')).toBe(true)
        yield* TestClock.adjust('1 milli')
        const done = yield* runtime.awaitPods((pods) => pods.every((p) => p.status?.phase === 'Succeeded'))
        expect(done.map((p) => main(p)?.state?.terminated?.finishedAt)).toEqual(Array(3).fill('1970-01-01T00:00:01Z'))
      }),
    ),
  )

  const indexThreeFailsTwice: ScriptedRuntime.PodScript = ({ index, attempt, restartCount }) =>
    index === 3 && attempt + restartCount < 2
      ? { outcome: { after: '1 second', result: 'Failed', exitCode: 42 } }
      : { outcome: { after: '1 second', result: 'Succeeded' } }

  it.scoped('"index 3 fails twice with exit code 42 then succeeds": new pods count as attempts (Never)', () =>
    withScripted(
      indexThreeFailsTwice,
      Effect.gen(function* () {
        const runtime = yield* controls
        const outcomes: Array<[string, number | undefined]> = []
        for (const [name, index] of [['i2-a', 2], ['i3-a', 3], ['i3-b', 3], ['i3-c', 3]] as const) {
          yield* create(podOf(name, { index }))
          yield* runtime.awaitPod(phaseIs(name, 'Running'))
          yield* TestClock.adjust('1 second')
          const pod = yield* runtime.awaitPod((p) => named(name)(p) && (p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed'))
          outcomes.push([pod.status?.phase ?? '', main(pod)?.state?.terminated?.exitCode])
        }
        expect(outcomes).toEqual([
          ['Succeeded', 0],
          ['Failed', 42],
          ['Failed', 42],
          ['Succeeded', 0],
        ])
      }),
    ),
  )

  it.scoped('the same script with OnFailure restarts the container in place twice (after a back-off), then succeeds', () =>
    withScripted(
      // A kubelet-like back-off before each restart keeps the CrashLoopBackOff state in view.
      (pod) => ({ ...indexThreeFailsTwice(pod), ...(pod.restartCount > 0 ? { startAfter: '10 seconds' } : {}) }),
      Effect.gen(function* () {
        const runtime = yield* controls
        const isI3 = named('i3')
        yield* create(podOf('i3', { index: 3, restartPolicy: 'OnFailure' }))
        yield* runtime.awaitPod(phaseIs('i3', 'Running'))
        for (const restarts of [0, 1]) {
          yield* TestClock.adjust('1 second')
          const crashed = yield* runtime.awaitPod((p) => isI3(p) && main(p)?.state?.waiting !== undefined)
          expect(crashed.status?.phase).toBe('Running')
          expect(main(crashed)).toMatchObject({
            restartCount: restarts,
            ready: false,
            state: { waiting: { reason: 'CrashLoopBackOff' } },
            lastState: { terminated: { exitCode: 42, reason: 'Error' } },
          })
          yield* TestClock.adjust('10 seconds')
          yield* runtime.awaitPod((p) => isI3(p) && main(p)?.restartCount === restarts + 1 && main(p)?.state?.running !== undefined)
        }
        yield* TestClock.adjust('1 second')
        const done = yield* runtime.awaitPod(phaseIs('i3', 'Succeeded'))
        expect(main(done)).toMatchObject({ restartCount: 2, lastState: { terminated: { exitCode: 42 } }, state: { terminated: { exitCode: 0 } } })
      }),
    ),
  )

  it.scoped('"pods are evicted with a DisruptionTarget condition": Failed even with OnFailure', () =>
    withScripted(
      () => ({
        outcome: {
          after: '10 minutes',
          result: 'Failed',
          exitCode: 137,
          conditions: [{ type: 'DisruptionTarget', status: 'True', reason: 'EvictionByEvictionAPI', message: 'Eviction API: evicting' }],
          reason: 'Evicted',
        },
      }),
      Effect.gen(function* () {
        const runtime = yield* controls
        yield* create(podOf('ev', { restartPolicy: 'OnFailure' }))
        yield* runtime.awaitPod(phaseIs('ev', 'Running'))
        yield* TestClock.adjust('10 minutes')
        const pod = yield* runtime.awaitPod(phaseIs('ev', 'Failed'))
        expect(main(pod)).toMatchObject({ restartCount: 0, state: { terminated: { exitCode: 137 } } })
        expect(condition(pod, 'DisruptionTarget')).toMatchObject({
          status: 'True',
          reason: 'EvictionByEvictionAPI',
          lastTransitionTime: '1970-01-01T00:10:00Z',
        })
        expect(pod.status?.reason).toBe('Evicted')
      }),
    ),
  )

  it.scoped('startAfter and readyAfter: Pending, then Running but not ready, then ready; the plan logs', () =>
    withScripted(
      () => ({ startAfter: '5 seconds', readyAfter: '2 seconds', logs: 'hello\n' }),
      Effect.gen(function* () {
        const runtime = yield* PodRuntime
        const scripted = yield* controls
        yield* create(podOf('slow'))
        yield* scripted.awaitPod(phaseIs('slow', 'Pending'))
        yield* TestClock.adjust('5 seconds')
        const started = yield* scripted.awaitPod(phaseIs('slow', 'Running'))
        expect(condition(started, 'Ready')?.status).toBe('False')
        yield* TestClock.adjust('2 seconds')
        const ready = yield* scripted.awaitPod((p) => named('slow')(p) && condition(p, 'Ready')?.status === 'True')
        expect(condition(ready, 'Ready')?.lastTransitionTime).toBe('1970-01-01T00:00:07Z')
        expect(yield* runtime.logs(key('slow'))).toBe('hello\n')
      }),
    ),
  )

  it.scoped('a manual start still lets the plan decide the outcome, timed from that start', () =>
    withScripted(
      () => ({ startAfter: 'manual', outcome: { after: '30 seconds', result: 'Succeeded' } }),
      Effect.gen(function* () {
        const runtime = yield* controls
        yield* create(podOf('m'))
        yield* runtime.awaitPod(named('m'))
        yield* TestClock.adjust('1 hour')
        expect((yield* getPod('m')).status?.phase).toBe('Pending')
        yield* runtime.start(key('m'))
        yield* TestClock.adjust('30 seconds')
        yield* runtime.awaitPod(phaseIs('m', 'Succeeded'))
      }),
    ),
  )
})

describe('ScriptedRuntime through the port', () => {
  it.scoped('only binds, writes status and deletes through JobStore, and keeps conditions others wrote', () =>
    Effect.gen(function* () {
      const store = yield* MemoryStore.make
      // The runtime gets a spy of the store; the test uses the store itself.
      const calls = new Set<string>()
      const spy = Object.fromEntries(
        Object.entries(store).map(([name, member]) => [
          name,
          typeof member === 'function'
            ? (...args: unknown[]) => {
                calls.add(name)
                return (member as (...a: unknown[]) => unknown)(...args)
              }
            : member,
        ]),
      ) as unknown as JobStoreService
      const context = yield* Layer.build(ScriptedRuntime.layer().pipe(Layer.provide(Layer.succeed(JobStore, spy))))
      const runtime = Context.get(context, ScriptedRuntime.ScriptedRuntime)
      yield* Context.get(context, PodRuntime).start

      yield* store.createPod(podOf('s', { finalizers: ['test/keep'] }))
      yield* runtime.awaitPod(named('s'))
      yield* runtime.start(key('s'))
      // Another component adds a condition (as the taint manager does); the runtime's writes keep it.
      const current = yield* store.getPod(key('s'))
      yield* store.updatePodStatus(key('s'), {
        ...current.status,
        conditions: [...(current.status?.conditions ?? []), { type: 'DisruptionTarget', status: 'True', reason: 'DeletionByTaintManager' }],
      })
      yield* runtime.awaitPod((p) => named('s')(p) && condition(p, 'DisruptionTarget') !== undefined)
      yield* store.deletePod(key('s'))
      const final = yield* runtime.awaitPod((p) => p.metadata.deletionGracePeriodSeconds === 0)
      expect(final.status?.phase).toBe('Failed')
      expect(condition(final, 'DisruptionTarget')?.reason).toBe('DeletionByTaintManager')
      yield* store.patchPodMetadata(key('s'), { removeFinalizers: ['test/keep'] })
      yield* runtime.awaitPods((pods) => pods.length === 0)

      expect([...calls].sort()).toEqual(['bindPod', 'deletePod', 'listPods', 'updatePodStatus', 'watchPods'])
    }),
  )
})
