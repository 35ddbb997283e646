/**
 * The process runtime with a state directory across its own restarts: containers outlive it
 * and a runtime started later takes them over, as a kubelet does after a restart (it does not
 * kill containers, it finds them in the container runtime and keeps reporting them).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from '@effect/vitest'
import { Duration, Effect, Exit, Ref, Schedule, Scope, Stream } from 'effect'
import * as MemoryStore from '../../stores/memory/MemoryStore.js'
import type { JobStoreService, ObjectKey } from '../../ports/JobStore.js'
import { JobStore } from '../../ports/JobStore.js'
import type { PodRuntimeService } from '../../ports/PodRuntime.js'
import type { Pod } from '../../../core/model/types.js'
import * as ProcessRuntime from './ProcessRuntime.js'
import { processIsAlive } from './testing/processes.js'

const TEST_TIMEOUT = 120_000
const WAIT = Duration.seconds(60)
const key = (name: string): ObjectKey => ({ namespace: 'default', name })

/** A runtime on `store` and `stateDirectory`, started in a scope of its own; `stop` is its graceful stop. */
function startRuntime(store: JobStoreService, options: ProcessRuntime.ProcessRuntimeOptions) {
  return Effect.gen(function* () {
    const scope = yield* Scope.make()
    const runtime = yield* ProcessRuntime.make({ nodeName: 'node-1', ...options }).pipe(Effect.provideService(JobStore, store))
    yield* runtime.start.pipe(Scope.extend(scope))
    return { runtime, stop: Scope.close(scope, Exit.void) }
  })
}

/** A scratch directory with the runtime's state and the files the test's containers use, removed at the end. */
const scratch = Effect.acquireRelease(
  Effect.sync(() => mkdtempSync(join(tmpdir(), 'process-runtime-restart-'))),
  (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true })),
)

/**
 * A container that prints `started PID`, waits until the file `go` exists, prints `finished` and
 * exits with `code`; on SIGTERM it prints `term` and exits 143.
 */
function waitingPod(name: string, go: string, code: number, extra: Partial<Pod['spec']> = {}): Pod {
  const script = `trap 'echo term; exit 143' TERM; echo started $$$$; while [ ! -e ${go} ]; do sleep 0.05; done; echo finished; exit ${code}`
  return {
    metadata: { name, namespace: 'default' },
    spec: { restartPolicy: 'Never', ...extra, containers: [{ name: 'main', image: 'sh', command: ['sh', '-c', script] }] },
  }
}

function waitForPod(store: JobStoreService, name: string, what: string, predicate: (pod: Pod) => boolean) {
  return Effect.gen(function* () {
    const last = yield* Ref.make<Pod | undefined>(undefined)
    return yield* store.getPod(key(name)).pipe(
      Effect.tap((pod) => Ref.set(last, pod)),
      Effect.filterOrFail(predicate, () => 'not yet'),
      Effect.retry(Schedule.spaced('25 millis')),
      Effect.timeout(WAIT),
      Effect.catchAll(() => Effect.flatMap(Ref.get(last), (pod) => Effect.dieMessage(`pod ${name} never got ${what}; last seen: ${JSON.stringify(pod)}`))),
    )
  })
}

function waitForPodGone(store: JobStoreService, name: string) {
  return store.getPod(key(name)).pipe(
    Effect.flatMap(() => Effect.fail('still there')),
    Effect.catchTag('NotFound', () => Effect.void),
    Effect.retry(Schedule.spaced('25 millis')),
    Effect.timeout(WAIT),
    Effect.orDie,
  )
}

/** The pid a container printed as `started PID`. */
function startedPid(runtime: PodRuntimeService, name: string) {
  return runtime.logs(key(name)).pipe(
    Effect.flatMap((text) => {
      const match = /started (\d+)\n/.exec(text)
      return match === null ? Effect.fail('not yet') : Effect.succeed(Number(match[1]))
    }),
    Effect.retry(Schedule.spaced('25 millis')),
    Effect.timeout(WAIT),
    Effect.orDie,
  )
}


/** The parent of a process (here: the container's supervisor). */
function parentOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
}

function waitUntil(what: string, condition: () => boolean) {
  return Effect.sync(condition).pipe(
    Effect.filterOrFail((ok) => ok, () => 'not yet'),
    Effect.retry(Schedule.spaced('25 millis')),
    Effect.timeout(WAIT),
    Effect.catchAll(() => Effect.dieMessage(`never: ${what}`)),
  )
}

const terminated = (pod: Pod) => pod.status?.containerStatuses?.[0]?.state?.terminated
const isDone = (pod: Pod) => pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed'
const isRunning = (pod: Pod) => pod.status?.phase === 'Running'

/**
 * What every scenario starts with: a fresh store and state directory, a first runtime that runs
 * the pod `made` gives until its container has started and the pod is Running, then stops gracefully.
 */
function startedThenStopped(made: (dir: string) => Pod, options: ProcessRuntime.ProcessRuntimeOptions = {}) {
  return Effect.gen(function* () {
    const dir = yield* scratch
    const state = join(dir, 'state')
    const store = yield* MemoryStore.make
    const first = yield* startRuntime(store, { stateDirectory: state, ...options })
    const created = yield* store.createPod(made(dir))
    const name = created.metadata.name ?? ''
    const pid = yield* startedPid(first.runtime, name)
    yield* waitForPod(store, name, 'Running', isRunning)
    yield* first.stop
    return { dir, state, store, created, pid }
  })
}

describe('ProcessRuntime with a state directory, across restarts of the runtime', () => {
  it.live(
    'a graceful stop leaves the container running; it ends while no runtime runs, and the next runtime reports its exit code and its whole log',
    () =>
      Effect.gen(function* () {
        const { dir, state, store, pid } = yield* startedThenStopped((dir) => waitingPod('outlives', join(dir, 'go'), 3))
        expect(processIsAlive(pid)).toBe(true)
        expect((yield* store.getPod(key('outlives'))).status?.phase).toBe('Running')

        writeFileSync(join(dir, 'go'), '')
        yield* waitUntil(`process ${pid} ends`, () => !processIsAlive(pid))

        const second = yield* startRuntime(store, { stateDirectory: state })
        const pod = yield* waitForPod(store, 'outlives', 'a terminal phase', isDone)
        expect(pod.status?.phase).toBe('Failed')
        expect(terminated(pod)).toMatchObject({ exitCode: 3, reason: 'Error' })
        expect(pod.status?.conditions?.some((c) => c.type === 'DisruptionTarget')).toBe(false)
        expect(yield* second.runtime.logs(key('outlives'))).toBe(`started ${pid}\nfinished\n`)
        yield* second.stop
      }).pipe(Effect.scoped),
    TEST_TIMEOUT,
  )

  it.live(
    'a container still running when a runtime starts is adopted, not reported lost: the pod stays Running and its end is reported',
    () =>
      Effect.gen(function* () {
        const { dir, state, store, pid } = yield* startedThenStopped((dir) => waitingPod('adopted', join(dir, 'go'), 0))

        const phases = yield* Ref.make<ReadonlyArray<string>>([])
        const { resourceVersion } = yield* store.listPods()
        yield* Effect.forkScoped(
          Stream.runForEach(store.watchPods({ resourceVersion }), (event) =>
            event.type === 'Bookmark' ? Effect.void : Ref.update(phases, (p) => [...p, event.object.status?.phase ?? '']),
          ),
        )
        const second = yield* startRuntime(store, { stateDirectory: state })
        // The second runtime has taken the pod over once it serves its log.
        expect(yield* startedPid(second.runtime, 'adopted')).toBe(pid)
        expect(processIsAlive(pid)).toBe(true)
        writeFileSync(join(dir, 'go'), '')
        const pod = yield* waitForPod(store, 'adopted', 'a terminal phase', isDone)
        expect(pod.status?.phase).toBe('Succeeded')
        expect(terminated(pod)).toMatchObject({ exitCode: 0, reason: 'Completed' })
        expect(yield* Ref.get(phases)).not.toContain('Failed')
        yield* second.stop
      }).pipe(Effect.scoped),
    TEST_TIMEOUT,
  )

  it.live(
    'a run whose supervisor was killed is lost: the pod fails with DisruptionTarget (DeletionByPodGC, as pod GC marks pods of a lost node) and ContainerStatusUnknown, and its container does not run on',
    () =>
      Effect.gen(function* () {
        const { state, store, pid } = yield* startedThenStopped((dir) => waitingPod('lost', join(dir, 'go'), 0))
        const supervisor = parentOf(pid)
        process.kill(supervisor, 'SIGKILL')
        yield* waitUntil(`supervisor ${supervisor} ends`, () => !processIsAlive(supervisor))

        const second = yield* startRuntime(store, { stateDirectory: state })
        const pod = yield* waitForPod(store, 'lost', 'a terminal phase', isDone)
        expect(pod.status?.phase).toBe('Failed')
        expect(terminated(pod)).toMatchObject({ exitCode: 137, reason: 'ContainerStatusUnknown' })
        expect(pod.status?.conditions).toContainEqual(expect.objectContaining({ type: 'DisruptionTarget', status: 'True', reason: 'DeletionByPodGC' }))
        yield* waitUntil(`the orphaned container ${pid} is killed`, () => !processIsAlive(pid))
        yield* second.stop
      }).pipe(Effect.scoped),
    TEST_TIMEOUT,
  )

  it.live(
    'a pod removed from the store while no runtime ran has its container killed by the next one: no container runs unseen',
    () =>
      Effect.gen(function* () {
        const { state, store, created, pid } = yield* startedThenStopped((dir) => waitingPod('forgotten', join(dir, 'go'), 0))
        yield* store.deletePod(key('forgotten'), { gracePeriodSeconds: 0 })
        expect(processIsAlive(pid)).toBe(true)

        const second = yield* startRuntime(store, { stateDirectory: state })
        yield* waitUntil(`process ${pid} is killed`, () => !processIsAlive(pid))
        yield* waitUntil('its files are removed', () => !existsSync(join(state, created.metadata.uid ?? '')))
        yield* second.stop
      }).pipe(Effect.scoped),
    TEST_TIMEOUT,
  )

  it.live(
    'a pod deleted while no runtime ran gets SIGTERM from the next one (143), then the final delete',
    () =>
      Effect.gen(function* () {
        const { state, store } = yield* startedThenStopped((dir) => waitingPod('deleted', join(dir, 'go'), 0, { terminationGracePeriodSeconds: 30 }))
        yield* store.deletePod(key('deleted'))

        const versions = yield* Ref.make<ReadonlyArray<Pod>>([])
        const { resourceVersion } = yield* store.listPods()
        yield* Effect.forkScoped(
          Stream.runForEach(store.watchPods({ resourceVersion }), (event) =>
            event.type === 'Bookmark' ? Effect.void : Ref.update(versions, (v) => [...v, event.object]),
          ),
        )
        const second = yield* startRuntime(store, { stateDirectory: state })
        yield* waitForPodGone(store, 'deleted')
        const last = (yield* Ref.get(versions)).findLast(isDone)
        expect(last === undefined ? undefined : terminated(last)).toMatchObject({ exitCode: 143 })
        yield* second.stop
      }).pipe(Effect.scoped),
    TEST_TIMEOUT,
  )

  it.live(
    'adopted pods hold their slots: with maxConcurrentPods 1 a new pod waits until the adopted one has ended',
    () =>
      Effect.gen(function* () {
        const { dir, state, store } = yield* startedThenStopped((dir) => waitingPod('older', join(dir, 'go-older'), 0), { maxConcurrentPods: 1 })

        const second = yield* startRuntime(store, { stateDirectory: state, maxConcurrentPods: 1 })
        yield* store.createPod(waitingPod('newer', join(dir, 'go-newer'), 0))
        // Give the second runtime every chance to take the new pod while the adopted one runs.
        yield* startedPid(second.runtime, 'older')
        yield* Effect.sleep('1 second')
        expect((yield* store.getPod(key('newer'))).spec.nodeName).toBeUndefined()

        writeFileSync(join(dir, 'go-older'), '')
        const older = yield* waitForPod(store, 'older', 'a terminal phase', isDone)
        const newer = yield* waitForPod(store, 'newer', 'Running', isRunning)
        expect(newer.spec.nodeName).toBe('node-1')
        expect(Date.parse(newer.status?.startTime ?? '')).toBeGreaterThanOrEqual(Date.parse(terminated(older)?.finishedAt ?? '') )
        writeFileSync(join(dir, 'go-newer'), '')
        yield* waitForPod(store, 'newer', 'a terminal phase', isDone)
        yield* second.stop
      }).pipe(Effect.scoped),
    TEST_TIMEOUT,
  )
})
