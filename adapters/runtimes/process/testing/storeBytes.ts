/** How many bytes running one pod costs a file store: shared by the status-cost test and `bench/podStatusWrites.ts`. */
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { Effect, Schedule } from 'effect'
import * as FileStore from '../../../stores/file/FileStore.js'
import { JobStore } from '../../../ports/JobStore.js'
import type { Container, Pod } from '../../../../core/model/types.js'
import * as ProcessRuntime from '../ProcessRuntime.js'

/** What one run of a pod of `containers` quick containers cost its store. */
export interface PodStoreCost {
  readonly containers: number
  /** Bytes the store's files grew by, from before the pod was created until it had succeeded. */
  readonly bytesAppended: number
  /** The pod's final phase. */
  readonly phase: string | undefined
}

const directoryBytes = (dir: string): number =>
  fs.readdirSync(dir, { withFileTypes: true }).reduce((sum, entry) => (entry.isFile() ? sum + fs.statSync(path.join(dir, entry.name)).size : sum), 0)

/**
 * Runs one pod of `containers` containers that exit 0 at once through the process runtime on a
 * new file store (compaction off, so nothing appended is taken back), and measures what the
 * store's files grew by.
 */
export function measurePodStoreCost(containers: number, options: ProcessRuntime.ProcessRuntimeOptions = {}): Effect.Effect<PodStoreCost> {
  return Effect.gen(function* () {
    const dir = yield* Effect.acquireRelease(
      Effect.sync(() => fs.mkdtempSync(path.join(os.tmpdir(), 'pod-store-cost-'))),
      (d) => Effect.sync(() => fs.rmSync(d, { recursive: true, force: true })),
    )
    const storeDir = path.join(dir, 'store')
    const store = yield* Effect.orDie(FileStore.make(storeDir, { compactAfterBytes: Number.MAX_SAFE_INTEGER, follow: false }))
    const runtime = yield* ProcessRuntime.make({ nodeName: 'node-1', stateDirectory: path.join(dir, 'pods'), ...options }).pipe(Effect.provideService(JobStore, store))
    yield* runtime.start
    const list: ReadonlyArray<Container> = Array.from({ length: containers }, (_, i) => ({ name: `c${i}`, image: 'sh', command: ['true'] }))
    const pod: Pod = { metadata: { name: 'wide', namespace: 'default' }, spec: { restartPolicy: 'Never', containers: list } }
    const before = directoryBytes(storeDir)
    yield* Effect.orDie(store.createPod(pod))
    const done = yield* store.getPod({ namespace: 'default', name: 'wide' }).pipe(
      Effect.filterOrFail((p) => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed', () => 'not yet'),
      Effect.retry(Schedule.spaced('50 millis')),
      Effect.orDie,
    )
    return { containers, bytesAppended: directoryBytes(storeDir) - before, phase: done.status?.phase }
  }).pipe(Effect.scoped)
}
