import { existsSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from '@effect/vitest'
import { Duration, Effect, Layer, Ref, Schedule, Stream, type Scope } from 'effect'
import * as MemoryStore from '../../stores/memory/MemoryStore.js'
import { JobStore, type ObjectKey } from '../../ports/JobStore.js'
import { PodRuntime } from '../../ports/PodRuntime.js'
import type { Container, Pod, PodSpec } from '../../../core/model/types.js'
import { COMPLETION_INDEX_ANNOTATION } from '../../../core/model/wellKnown.js'
import { NO_COMMAND_MESSAGE } from './env.js'
import * as ProcessRuntime from './ProcessRuntime.js'
import { processIsAlive } from './testing/processes.js'

// These tests run real processes on a shared machine: they wait for what a user would see
// (with generous limits) and never assert on how long something took.
const TEST_TIMEOUT = 120_000
const WAIT = Duration.seconds(60)

type Env = JobStore | PodRuntime | Scope.Scope

/** Runs `body` against a fresh memory store with a started process runtime. */
function withRuntime<A, E>(options: ProcessRuntime.ProcessRuntimeOptions, body: Effect.Effect<A, E, Env>) {
  return Effect.gen(function* () {
    yield* (yield* PodRuntime).start
    return yield* body
  }).pipe(Effect.scoped, Effect.provide(ProcessRuntime.layer(options).pipe(Layer.provideMerge(MemoryStore.layer))))
}

const key = (name: string): ObjectKey => ({ namespace: 'default', name })

function podOf(name: string, containers: ReadonlyArray<Container>, spec: Partial<PodSpec> = {}, metadata: Partial<Pod['metadata']> = {}): Pod {
  return {
    metadata: { name, namespace: 'default', ...metadata },
    spec: { restartPolicy: 'Never', ...spec, containers },
  }
}

const create = (pod: Pod) => Effect.flatMap(JobStore, (store) => store.createPod(pod))

/** Polls the pod until `predicate` holds; fails the test with the last version seen after a minute. */
function waitForPod(name: string, what: string, predicate: (pod: Pod) => boolean) {
  return Effect.gen(function* () {
    const store = yield* JobStore
    const last = yield* Ref.make<Pod | undefined>(undefined)
    return yield* store.getPod(key(name)).pipe(
      Effect.tap((pod) => Ref.set(last, pod)),
      Effect.filterOrFail(predicate, () => 'not yet'),
      Effect.retry(Schedule.spaced('25 millis')),
      Effect.timeout(WAIT),
      Effect.catchAll(() =>
        Effect.flatMap(Ref.get(last), (pod) =>
          Effect.dieMessage(`pod ${name} never got ${what}; last seen: ${JSON.stringify(pod?.status)}`),
        ),
      ),
    )
  })
}

/** Polls until the store no longer has the pod. */
function waitForPodGone(name: string) {
  return Effect.gen(function* () {
    const store = yield* JobStore
    yield* store.getPod(key(name)).pipe(
      Effect.flatMap(() => Effect.fail('still there')),
      Effect.catchTag('NotFound', () => Effect.void),
      Effect.retry(Schedule.spaced('25 millis')),
      Effect.timeout(WAIT),
      Effect.orDie,
    )
  })
}

/** Records every version of the pods the store publishes from now on. */
function recordHistory() {
  return Effect.gen(function* () {
    const store = yield* JobStore
    const history = yield* Ref.make<ReadonlyArray<{ readonly type: string; readonly pod: Pod }>>([])
    const { resourceVersion } = yield* store.listPods()
    yield* Effect.forkScoped(
      Stream.runForEach(store.watchPods({ resourceVersion }), (event) =>
        event.type === 'Bookmark' ? Effect.void : Ref.update(history, (h) => [...h, { type: event.type, pod: event.object }]),
      ),
    )
    return history
  })
}

const logsOf = (name: string, container?: string) =>
  Effect.flatMap(PodRuntime, (runtime) => runtime.logs(key(name), container !== undefined ? { container } : undefined))

const isDone = (pod: Pod) => pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed'
const isRunning = (pod: Pod) => pod.status?.phase === 'Running'


function waitUntilDead(pid: number) {
  return Effect.sync(() => processIsAlive(pid)).pipe(
    Effect.filterOrFail((alive) => !alive, () => 'alive'),
    Effect.retry(Schedule.spaced('25 millis')),
    Effect.timeout(WAIT),
    Effect.catchAll(() => Effect.dieMessage(`process ${pid} is still alive`)),
  )
}

describe('ProcessRuntime', () => {
  it.live(
    "runs the docs' pi manifest: perl prints 2000 digits of pi into the pod's log",
    () =>
      withRuntime(
        { nodeName: 'laptop' },
        Effect.gen(function* () {
          yield* create(
            podOf('pi-x1', [{ name: 'pi', image: 'perl:5.34.0', command: ['perl', '-Mbignum=bpi', '-wle', 'print bpi(2000)'] }]),
          )
          const pod = yield* waitForPod('pi-x1', 'a terminal phase', isDone)
          const log = yield* logsOf('pi-x1')
          if (log.includes('Math/BigInt/Calc.pm')) {
            expect.fail(
              `the host's perl has the bignum bug of perl 5.36 (install a newer Math::BigInt, e.g. Debian's libmath-bigint-perl):\n${log}`,
            )
          }
          expect(pod.status?.phase).toBe('Succeeded')
          expect(log.startsWith('3.14159265358979323846')).toBe(true)
          expect(log).toHaveLength(2002)
          expect(log).toMatch(/^3\.\d{1999}\n$/)
          expect(pod.spec.nodeName).toBe('laptop')
          expect(pod.status?.containerStatuses?.[0]).toMatchObject({
            name: 'pi',
            image: 'perl:5.34.0',
            ready: false,
            started: false,
            restartCount: 0,
            state: { terminated: { exitCode: 0, reason: 'Completed' } },
          })
        }),
      ),
    TEST_TIMEOUT,
  )

  it.live(
    'writes the status a user expects: phase, start time, conditions, container states',
    () =>
      withRuntime(
        {},
        Effect.gen(function* () {
          const history = yield* recordHistory()
          yield* create(podOf('status-1', [{ name: 'main', image: 'node', command: ['node', '-e', 'setTimeout(() => {}, 300)'] }]))
          const pod = yield* waitForPod('status-1', 'Succeeded', isDone)
          const seen = (yield* Ref.get(history)).filter((e) => e.pod.metadata.name === 'status-1').map((e) => e.pod)

          // Pending while the container is created, then Running and Ready, then Succeeded.
          const phases = seen.map((p) => p.status?.phase).filter((p, i, all) => p !== all[i - 1])
          expect(phases).toEqual(['Pending', 'Running', 'Succeeded'])
          const running = seen.find(isRunning)
          expect(running?.status?.containerStatuses?.[0]).toMatchObject({ ready: true, started: true, state: { running: {} } })
          expect(running?.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True')

          const status = pod.status
          expect(status?.startTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
          const conditions = Object.fromEntries((status?.conditions ?? []).map((c) => [c.type, c]))
          expect(conditions['PodScheduled']?.status).toBe('True')
          expect(conditions['Initialized']?.status).toBe('True')
          expect(conditions['ContainersReady']).toMatchObject({ status: 'False', reason: 'PodCompleted' })
          expect(conditions['Ready']).toMatchObject({ status: 'False', reason: 'PodCompleted' })
          expect(conditions['Ready']?.lastTransitionTime).toBeDefined()
          const terminated = status?.containerStatuses?.[0]?.state?.terminated
          expect(terminated).toMatchObject({ exitCode: 0, reason: 'Completed' })
          expect(terminated?.startedAt).toBeDefined()
          expect(terminated?.finishedAt).toBeDefined()
        }),
      ),
    TEST_TIMEOUT,
  )

  it.live(
    'reports exit codes: a failing container with restartPolicy Never fails the pod',
    () =>
      withRuntime(
        {},
        Effect.gen(function* () {
          yield* create(podOf('exit-3', [{ name: 'main', command: ['perl', '-e', 'print STDERR "giving up\\n"; exit 3'] }]))
          const pod = yield* waitForPod('exit-3', 'a terminal phase', isDone)
          expect(pod.status?.phase).toBe('Failed')
          expect(pod.status?.containerStatuses?.[0]).toMatchObject({
            restartCount: 0,
            state: { terminated: { exitCode: 3, reason: 'Error' } },
          })
          expect(yield* logsOf('exit-3')).toBe('giving up\n')
        }),
      ),
    TEST_TIMEOUT,
  )

  it.live(
    'gives the process the env of its template, JOB_COMPLETION_INDEX from a fieldRef, HOSTNAME and PATH, and nothing of the host: not HOME, not through /proc/$PPID/environ',
    () =>
      withRuntime(
        {},
        Effect.gen(function* () {
          process.env['JOB_RECONCILER_TEST_HOST_ONLY'] = 'leaked'
          yield* create(
            podOf(
              'env-3',
              [
                {
                  name: 'main',
                  command: [
                    'node',
                    '-e',
                    'const e = process.env; const parent = require("fs").readFileSync("/proc/" + process.ppid + "/environ", "utf8"); console.log([e.GREETING, e.JOB_COMPLETION_INDEX, e.POD_NAME, e.HOSTNAME, e.JOB_RECONCILER_TEST_HOST_ONLY ?? "absent", e.HOME ?? "no-home", e.PATH ? "path" : "no path", parent === "" ? "parent-env-empty" : "parent-env-set", process.argv[1]].join(" "))',
                  ],
                  args: ['$(HOME)'],
                  env: [
                    { name: 'GREETING', value: 'hello' },
                    {
                      name: 'JOB_COMPLETION_INDEX',
                      valueFrom: { fieldRef: { fieldPath: `metadata.annotations['${COMPLETION_INDEX_ANNOTATION}']` } },
                    },
                    { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                  ],
                },
              ],
              {},
              { annotations: { [COMPLETION_INDEX_ANNOTATION]: '3' } },
            ),
          )
          const pod = yield* waitForPod('env-3', 'a terminal phase', isDone)
          expect(pod.status?.phase).toBe('Succeeded')
          expect(yield* logsOf('env-3')).toBe('hello 3 env-3 env-3 absent no-home path parent-env-empty $(HOME)\n')
        }).pipe(Effect.ensuring(Effect.sync(() => delete process.env['JOB_RECONCILER_TEST_HOST_ONLY']))),
      ),
    TEST_TIMEOUT,
  )

  it.live(
    'interleaves stdout and stderr in arrival order; runs init containers first and keeps each container its own log',
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'process-runtime-'))
      // Each write waits for the test to have seen the previous one, so the order is certain.
      const program = [
        '$| = 1; my $d = shift;',
        'sub after { my $f = shift; select(undef, undef, undef, 0.02) until -e "$d/$f" }',
        'print "out1\\n"; after("1"); print STDERR "err1\\n"; after("2"); print "out2\\n";',
      ].join(' ')
      const logIs = (expected: string) =>
        logsOf('multi').pipe(Effect.filterOrFail((log) => log === expected), Effect.retry(Schedule.spaced('25 millis')), Effect.timeout(WAIT))
      return withRuntime(
        {},
        Effect.gen(function* () {
          yield* create(
            podOf(
              'multi',
              [
                { name: 'a', command: ['perl', '-e', program, dir] },
                { name: 'b', command: ['perl', '-e', 'print "from b\\n"'] },
              ],
              { initContainers: [{ name: 'setup', command: ['perl', '-e', 'print "init done\\n"'] }] },
            ),
          )
          yield* logIs('out1\n')
          writeFileSync(join(dir, '1'), '')
          yield* logIs('out1\nerr1\n')
          writeFileSync(join(dir, '2'), '')
          const pod = yield* waitForPod('multi', 'a terminal phase', isDone)
          expect(pod.status?.phase).toBe('Succeeded')
          expect(pod.status?.initContainerStatuses?.[0]?.state?.terminated?.exitCode).toBe(0)
          expect(yield* logsOf('multi')).toBe('out1\nerr1\nout2\n')
          expect(yield* logsOf('multi', 'b')).toBe('from b\n')
          expect(yield* logsOf('multi', 'setup')).toBe('init done\n')
          const missing = yield* Effect.flip(logsOf('multi', 'nope'))
          expect(missing._tag).toBe('NotFound')
          const unknownPod = yield* Effect.flip(logsOf('no-such-pod'))
          expect(unknownPod._tag).toBe('NotFound')
        }),
      )
    },
    TEST_TIMEOUT,
  )

  it.live(
    'a program that does not exist: exit code 127, reason StartError, a message naming it',
    () =>
      withRuntime(
        {},
        Effect.gen(function* () {
          yield* create(podOf('enoent', [{ name: 'main', command: ['no-such-program-here', '--help'] }]))
          const pod = yield* waitForPod('enoent', 'a terminal phase', isDone)
          expect(pod.status?.phase).toBe('Failed')
          const terminated = pod.status?.containerStatuses?.[0]?.state?.terminated
          expect(terminated).toMatchObject({ exitCode: 127, reason: 'StartError' })
          expect(terminated?.message).toContain('no-such-program-here')
        }),
      ),
    TEST_TIMEOUT,
  )

  it.live(
    'a container whose name is not a DNS-1123 label fails with CreateContainerConfigError: its files are named after it, nothing is written outside the runtime\'s directory',
    () =>
      withRuntime(
        {},
        Effect.gen(function* () {
          const outside = join(tmpdir(), `escaped-${process.pid}.log`)
          yield* create(podOf('bad-name', [{ name: `../../../../../..${tmpdir()}/escaped-${process.pid}`, command: ['echo', 'hi'] }]))
          const pod = yield* waitForPod('bad-name', 'a terminal phase', isDone)
          expect(pod.status?.phase).toBe('Failed')
          expect(pod.status?.containerStatuses?.[0]?.state?.terminated).toMatchObject({ exitCode: 127, reason: 'CreateContainerConfigError' })
          expect(existsSync(outside)).toBe(false)
        }),
      ),
    TEST_TIMEOUT,
  )

  it.live(
    'a container without a command fails with a message saying why (the image entrypoint is unknown here)',
    () =>
      withRuntime(
        {},
        Effect.gen(function* () {
          yield* create(podOf('no-command', [{ name: 'main', image: 'busybox', args: ['sleep', '1'] }]))
          const pod = yield* waitForPod('no-command', 'a terminal phase', isDone)
          expect(pod.status?.phase).toBe('Failed')
          expect(pod.status?.containerStatuses?.[0]?.state?.terminated).toEqual(
            expect.objectContaining({ exitCode: 127, reason: 'RunContainerError', message: NO_COMMAND_MESSAGE }),
          )
        }),
      ),
    TEST_TIMEOUT,
  )

  it.live(
    'restartPolicy OnFailure restarts a failed container in place: restartCount rises, lastState records the exit, the pod stays Running',
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'process-runtime-'))
      // Fails with 1 twice, then succeeds.
      const script = 'my $f = shift; my $n = (-e $f) ? do { open my $h, "<", $f; <$h> } : 0; open my $h, ">", $f; print $h $n + 1; close $h; print "attempt $n\\n"; exit($n < 2 ? 1 : 0)'
      // A back-off well beyond the status batch (100 ms): a state shorter than that may be merged away.
      return withRuntime(
        { restartBackoffBaseMs: 500 },
        Effect.gen(function* () {
          const history = yield* recordHistory()
          yield* create(
            podOf('flaky', [{ name: 'main', command: ['perl', '-e', script, join(dir, 'count')] }], { restartPolicy: 'OnFailure' }),
          )
          const pod = yield* waitForPod('flaky', 'a terminal phase', isDone)
          expect(pod.status?.phase).toBe('Succeeded')
          const container = pod.status?.containerStatuses?.[0]
          expect(container?.restartCount).toBe(2)
          expect(container?.lastState?.terminated).toMatchObject({ exitCode: 1, reason: 'Error' })
          expect(container?.state?.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' })

          const seen = (yield* Ref.get(history)).filter((e) => e.pod.metadata.name === 'flaky').map((e) => e.pod)
          expect(seen.some((p) => p.status?.phase === 'Failed')).toBe(false)
          const counts = seen.map((p) => p.status?.containerStatuses?.[0]?.restartCount ?? 0)
          expect(counts).toEqual([...counts].sort((a, b) => a - b))
          const waiting = seen.map((p) => p.status?.containerStatuses?.[0]?.state?.waiting?.reason)
          expect(waiting).toContain('CrashLoopBackOff')
          expect(yield* logsOf('flaky')).toBe('attempt 0\nattempt 1\nattempt 2\n')
        }),
      )
    },
    TEST_TIMEOUT,
  )

  it.live(
    'deleting a pod sends SIGTERM: the container reports 143, the pod Failed, then the runtime deletes it',
    () =>
      withRuntime(
        {},
        Effect.gen(function* () {
          const store = yield* JobStore
          yield* create(
            podOf('term', [{ name: 'main', command: ['perl', '-e', '$| = 1; print "up\\n"; sleep 100'] }], {}, { finalizers: ['test/keep'] }),
          )
          yield* waitForPod('term', 'Running', isRunning)
          yield* store.deletePod(key('term'))
          // The finalizer keeps the pod after the runtime's final delete, so its last status can be read.
          const pod = yield* waitForPod('term', 'its final status', isDone)
          expect(pod.metadata.deletionTimestamp).toBeDefined()
          expect(pod.status?.phase).toBe('Failed')
          expect(pod.status?.containerStatuses?.[0]?.state?.terminated).toMatchObject({ exitCode: 143, reason: 'Error' })
          yield* waitForPod('term', 'deletion grace 0 from the runtime', (p) => p.metadata.deletionGracePeriodSeconds === 0)
          yield* store.patchPodMetadata(key('term'), { removeFinalizers: ['test/keep'] })
          yield* waitForPodGone('term')
        }),
      ),
    TEST_TIMEOUT,
  )

  it.live(
    'a process that ignores SIGTERM is killed with SIGKILL after the grace period (137)',
    () =>
      withRuntime(
        {},
        Effect.gen(function* () {
          const store = yield* JobStore
          yield* create(
            podOf(
              'stubborn',
              [{ name: 'main', command: ['perl', '-e', '$SIG{TERM} = "IGNORE"; $| = 1; print "up\\n"; sleep 100'] }],
              { terminationGracePeriodSeconds: 1 },
              { finalizers: ['test/keep'] },
            ),
          )
          yield* waitForPod('stubborn', 'Running', isRunning)
          // SIGTERM handlers are in place once it has printed.
          yield* logsOf('stubborn').pipe(Effect.filterOrFail((log) => log === 'up\n'), Effect.retry(Schedule.spaced('25 millis')), Effect.timeout(WAIT))
          yield* store.deletePod(key('stubborn'))
          const pod = yield* waitForPod('stubborn', 'its final status', isDone)
          expect(pod.status?.phase).toBe('Failed')
          expect(pod.status?.containerStatuses?.[0]?.state?.terminated).toMatchObject({ exitCode: 137, reason: 'Error' })
          yield* store.patchPodMetadata(key('stubborn'), { removeFinalizers: ['test/keep'] })
          yield* waitForPodGone('stubborn')
        }),
      ),
    TEST_TIMEOUT,
  )

  it.live(
    'a pod removed from the store while running has its processes killed',
    () =>
      withRuntime(
        {},
        Effect.gen(function* () {
          const store = yield* JobStore
          // `$$` is Kubernetes' escape for a literal `$` in command and args, so perl sees `$$`.
          yield* create(podOf('vanish', [{ name: 'main', command: ['perl', '-e', '$| = 1; print "$$$$\\n"; sleep 100'] }]))
          const log = yield* logsOf('vanish').pipe(
            Effect.filterOrFail((text) => text.endsWith('\n')),
            Effect.retry(Schedule.spaced('25 millis')),
            Effect.timeout(WAIT),
          )
          const pid = Number(log.trim())
          expect(processIsAlive(pid)).toBe(true)
          // A force delete (grace 0) removes the pod at once, without waiting for the runtime.
          yield* store.deletePod(key('vanish'), { gracePeriodSeconds: 0 })
          yield* waitUntilDead(pid)
        }),
      ),
    TEST_TIMEOUT,
  )

  it.live(
    'closing the scope kills every child, grandchildren included',
    () =>
      Effect.gen(function* () {
        const pids = yield* withRuntime(
          {},
          Effect.gen(function* () {
            yield* create(podOf('tree', [{ name: 'main', command: ['sh', '-c', 'sleep 100 & echo $$$$ $!; wait'] }]))
            const log = yield* logsOf('tree').pipe(
              Effect.filterOrFail((text) => text.endsWith('\n')),
              Effect.retry(Schedule.spaced('25 millis')),
              Effect.timeout(WAIT),
            )
            const found = log.trim().split(' ').map(Number)
            for (const pid of found) expect(processIsAlive(pid)).toBe(true)
            return found
          }),
        )
        expect(pids).toHaveLength(2)
        for (const pid of pids) yield* waitUntilDead(pid)
      }),
    TEST_TIMEOUT,
  )

  it.live(
    'runs at most maxConcurrentPods at once; the others stay Pending and unbound until a slot frees',
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'process-runtime-'))
      const gate = join(dir, 'go')
      const waitForGate = ['perl', '-e', 'select(undef, undef, undef, 0.02) until -e $ARGV[0]', gate]
      return withRuntime(
        { maxConcurrentPods: 2 },
        Effect.gen(function* () {
          const store = yield* JobStore
          const history = yield* recordHistory()
          for (const name of ['slot-a', 'slot-b', 'slot-c']) yield* create(podOf(name, [{ name: 'main', command: waitForGate }]))
          // Two run; the third waits for a slot.
          const running = yield* Effect.gen(function* () {
            const { items } = yield* store.listPods()
            return items.filter(isRunning)
          }).pipe(Effect.filterOrFail((pods) => pods.length === 2), Effect.retry(Schedule.spaced('25 millis')), Effect.timeout(WAIT))
          expect(running).toHaveLength(2)
          yield* Effect.sleep('300 millis')
          const waiting = (yield* store.listPods()).items.filter((p) => p.spec.nodeName === undefined)
          expect(waiting).toHaveLength(1)
          expect(waiting[0]?.status?.phase).toBe('Pending')

          writeFileSync(gate, '')
          for (const name of ['slot-a', 'slot-b', 'slot-c']) {
            expect((yield* waitForPod(name, 'a terminal phase', isDone)).status?.phase).toBe('Succeeded')
          }
          // Never more than two bound and unfinished at any point of the store's history.
          const state = new Map<string, Pod>()
          let most = 0
          for (const event of yield* Ref.get(history)) {
            state.set(event.pod.metadata.name ?? '', event.pod)
            const active = [...state.values()].filter((p) => p.spec.nodeName !== undefined && !isDone(p))
            most = Math.max(most, active.length)
          }
          expect(most).toBe(2)
        }),
      )
    },
    TEST_TIMEOUT,
  )

  it.live(
    'a pod left running on this node with nothing here to adopt ends Failed with ContainerStatusUnknown (137) and DisruptionTarget (pod GC: DeletionByPodGC)',
    () =>
      Effect.gen(function* () {
        const store = yield* JobStore
        // What a runtime that crashed leaves behind: bound to its node, Running, no process.
        yield* store.createPod(podOf('left-over', [{ name: 'main', image: 'sh', command: ['sleep', '100'] }]))
        yield* store.bindPod(key('left-over'), 'restarted-node')
        yield* store.updatePodStatus(key('left-over'), {
          phase: 'Running',
          containerStatuses: [{ name: 'main', restartCount: 0, ready: true, state: { running: { startedAt: '2026-01-01T00:00:00Z' } } }],
        })
        yield* (yield* PodRuntime).start
        const pod = yield* waitForPod('left-over', 'a terminal phase', isDone)
        expect(pod.status?.phase).toBe('Failed')
        expect(pod.status?.containerStatuses?.[0]?.state?.terminated).toMatchObject({ exitCode: 137, reason: 'ContainerStatusUnknown' })
        expect(pod.status?.conditions).toContainEqual(expect.objectContaining({ type: 'DisruptionTarget', status: 'True', reason: 'DeletionByPodGC' }))
      }).pipe(Effect.scoped, Effect.provide(ProcessRuntime.layer({ nodeName: 'restarted-node' }).pipe(Layer.provideMerge(MemoryStore.layer)))),
    TEST_TIMEOUT,
  )

  it.live(
    'takes only the pods takesPod accepts and leaves the others unbound for another node',
    () =>
      withRuntime(
        { nodeName: 'picky', takesPod: (pod) => Effect.succeed(pod.metadata.labels?.['run-here'] === 'yes') },
        Effect.gen(function* () {
          yield* create(podOf('elsewhere', [{ name: 'main', image: 'sh', command: ['true'] }], {}, { labels: { 'run-here': 'no' } }))
          yield* create(podOf('here', [{ name: 'main', image: 'sh', command: ['true'] }], {}, { labels: { 'run-here': 'yes' } }))
          const ran = yield* waitForPod('here', 'a terminal phase', isDone)
          expect(ran.spec.nodeName).toBe('picky')
          expect(ran.status?.phase).toBe('Succeeded')
          // The declined pod was offered first and is still waiting for a node.
          const left = yield* Effect.flatMap(JobStore, (store) => store.getPod(key('elsewhere')))
          expect(left.spec.nodeName).toBeUndefined()
          expect(left.status?.phase ?? 'Pending').toBe('Pending')
        }),
      ),
    TEST_TIMEOUT,
  )
})
