/**
 * What the process runtime bounds, seen from outside: how many containers it launches at once
 * (from the run files it leaves in its state directory) and what a wide pod costs the store.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from '@effect/vitest'
import { Effect, Schedule } from 'effect'
import * as MemoryStore from '../../stores/memory/MemoryStore.js'
import { JobStore } from '../../ports/JobStore.js'
import type { Container, Pod } from '../../../core/model/types.js'
import * as ProcessRuntime from './ProcessRuntime.js'
import { measurePodStoreCost } from './testing/storeBytes.js'

const TEST_TIMEOUT = 240_000

const scratch = Effect.acquireRelease(
  Effect.sync(() => mkdtempSync(join(tmpdir(), 'process-runtime-bounds-'))),
  (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true })),
)

/** One launch of a container: from the runtime's spec file (written just before the launch) to the supervisor's claim. */
interface Launch {
  readonly from: bigint
  readonly to: bigint
}

/** The launches recorded in a state directory: `spec.json` is written right before, `started.json` by the claim. */
function launchesIn(stateDirectory: string): ReadonlyArray<Launch> {
  const launches: Launch[] = []
  for (const pod of readdirSync(stateDirectory, { withFileTypes: true })) {
    if (!pod.isDirectory()) continue
    for (const run of readdirSync(join(stateDirectory, pod.name), { withFileTypes: true })) {
      if (!run.isDirectory()) continue
      const dir = join(stateDirectory, pod.name, run.name)
      launches.push({ from: statSync(join(dir, 'spec.json'), { bigint: true }).mtimeNs, to: statSync(join(dir, 'started.json'), { bigint: true }).mtimeNs })
    }
  }
  return launches
}

/** The most launches in progress at one time (one that ended when another began does not overlap it). */
function mostAtOnce(launches: ReadonlyArray<Launch>): number {
  const edges = launches.flatMap((l) => [
    { at: l.from, delta: 1 },
    { at: l.to, delta: -1 },
  ])
  edges.sort((a, b) => (a.at === b.at ? a.delta - b.delta : a.at < b.at ? -1 : 1))
  let current = 0
  let most = 0
  for (const edge of edges) {
    current += edge.delta
    most = Math.max(most, current)
  }
  return most
}

const wide = (name: string, containers: number): Pod => ({
  metadata: { name, namespace: 'default' },
  spec: {
    restartPolicy: 'Never',
    containers: Array.from({ length: containers }, (_, i): Container => ({ name: `c${i}`, image: 'sh', command: ['sh', '-c', `echo ${name}-${i}`] })),
  },
})

describe('ProcessRuntime bounds', () => {
  it.live(
    'launches at most maxConcurrentContainerStarts containers at once across pods, and every container still runs',
    () =>
      Effect.gen(function* () {
        const dir = yield* scratch
        const state = join(dir, 'pods')
        const store = yield* JobStore
        const runtime = yield* ProcessRuntime.make({ nodeName: 'node-1', stateDirectory: state, maxConcurrentContainerStarts: 2 }).pipe(Effect.provideService(JobStore, store))
        yield* runtime.start
        const pods = [wide('a', 12), wide('b', 6), wide('c', 6)]
        for (const pod of pods) yield* store.createPod(pod)
        for (const pod of pods) {
          const done = yield* store.getPod({ namespace: 'default', name: pod.metadata.name ?? '' }).pipe(
            Effect.filterOrFail((p) => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed', () => 'not yet'),
            Effect.retry(Schedule.spaced('50 millis')),
            Effect.timeout('3 minutes'),
            Effect.orDie,
          )
          expect(done.status?.phase).toBe('Succeeded')
          expect(done.status?.containerStatuses?.map((c) => c.state?.terminated?.exitCode)).toEqual(pod.spec.containers.map(() => 0))
          // Each container's own output is in its log: it ran, once.
          for (const [i, container] of pod.spec.containers.entries()) {
            expect(readFileSync(join(state, done.metadata.uid ?? '', `${container.name}.log`), 'utf8')).toBe(`${pod.metadata.name}-${i}\n`)
          }
        }
        const launches = launchesIn(state)
        expect(launches).toHaveLength(24)
        expect(mostAtOnce(launches)).toBeLessThanOrEqual(2)
      }).pipe(Effect.scoped, Effect.provide(MemoryStore.layer)),
    TEST_TIMEOUT,
  )

  it.live(
    "a pod's status writes grow linearly with its containers, not with their square (issue 13: 125 / 250 / 500 containers wrote 7 / 27.5 / 108.6 MiB)",
    () =>
      Effect.gen(function* () {
        const small = yield* measurePodStoreCost(20)
        const large = yield* measurePodStoreCost(80)
        expect([small.phase, large.phase]).toEqual(['Succeeded', 'Succeeded'])
        // Four times the containers: four times the bytes when the writes are linear, sixteen
        // when each container change rewrites the whole status. Twice linear is the limit.
        expect(large.bytesAppended).toBeLessThanOrEqual(8 * small.bytesAppended)
      }),
    TEST_TIMEOUT,
  )
})
