/**
 * File-store figures for `npm run bench`: writes per second (one at a time: one fsync each;
 * many at once: group commit), and the end-to-end Job on the file store. Printed, never asserted.
 * Each run uses a new store directory under the system's temporary directory (on this disk).
 */
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { Effect, Layer } from 'effect'
import * as FileStore from '../adapters/stores/file/FileStore.js'
import type { Pod } from '../core/model/types.js'
import type { EndToEndFigures, EndToEndOptions } from './endToEnd.js'
import { benchEndToEnd } from './endToEnd.js'

export interface FileWriteFigures {
  readonly writes: number
  /** Writes in flight at once (1: each waits for the previous one's fsync). */
  readonly concurrency: number
  readonly wallMs: number
  readonly writesPerSecond: number
}

/** `writes` pod creations on a new file store, `concurrency` at a time. */
export async function benchFileStoreWrites(options: { readonly writes: number; readonly concurrency: number }): Promise<FileWriteFigures> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-file-store-'))
  try {
    const wallMs = await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const store = yield* FileStore.make(dir)
          let next = 0
          const writer = Effect.gen(function* () {
            for (let n = next++; n < options.writes; n = next++) yield* Effect.orDie(store.createPod(benchPod(n)))
          })
          const started = performance.now()
          yield* Effect.all(Array.from({ length: options.concurrency }, () => writer), { concurrency: 'unbounded' })
          return performance.now() - started
        }),
      ),
    )
    return { writes: options.writes, concurrency: options.concurrency, wallMs, writesPerSecond: (options.writes / wallMs) * 1000 }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

/** The end-to-end Job (`benchEndToEnd`) on a new file store; also how many bytes the store holds after. */
export async function benchFileStoreEndToEnd(options: EndToEndOptions): Promise<EndToEndFigures & { readonly storeBytes: number }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-file-store-'))
  try {
    const figures = await benchEndToEnd(Layer.orDie(FileStore.layer(dir)), options)
    const storeBytes = fs.readdirSync(dir).reduce((sum, name) => sum + fs.statSync(path.join(dir, name)).size, 0)
    return { ...figures, storeBytes }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

/**
 * Prints the file-store section of `npm run bench`. `bench/index.ts` calls
 * `await printFileStoreBench()`; `completions`/`parallelism` default to the 10k/500 Job.
 */
export async function printFileStoreBench(options: { readonly completions?: number; readonly parallelism?: number } = {}): Promise<void> {
  console.log(`\nfile store: pod creations on ${os.tmpdir()} (fsync before each answer)`)
  console.log('in flight   writes   wall (s)   writes/s')
  for (const [writes, concurrency] of [
    [500, 1],
    [5_000, 16],
    [20_000, 256],
  ] as const) {
    const figures = await benchFileStoreWrites({ writes, concurrency })
    console.log(`${String(concurrency).padStart(9)}  ${String(writes).padStart(7)}  ${(figures.wallMs / 1000).toFixed(2).padStart(9)}  ${figures.writesPerSecond.toFixed(0).padStart(9)}`)
  }
  const completions = options.completions ?? 10_000
  const parallelism = options.parallelism ?? 500
  console.log(`\nend to end on the file store: a Job of ${completions} completions, parallelism ${parallelism}, scripted pods that succeed at once`)
  console.log('store    batch   wall (s)   pod lifecycles/s   syncs   store MB')
  for (const eventBatchMs of [10, 1000]) {
    const figures = await benchFileStoreEndToEnd({ completions, parallelism, eventBatchMs })
    console.log(
      `file    ${`${eventBatchMs}ms`.padStart(6)}  ${(figures.wallMs / 1000).toFixed(2).padStart(9)}  ${figures.podLifecyclesPerSecond.toFixed(0).padStart(17)}  ${String(figures.syncs).padStart(6)}  ${(figures.storeBytes / 1e6).toFixed(1).padStart(8)}`,
    )
  }
}

function benchPod(n: number): Pod {
  return {
    metadata: { name: `bench-${n}`, namespace: 'bench', labels: { 'batch.kubernetes.io/job-name': 'bench', 'batch.kubernetes.io/controller-uid': '5bd5e5c2-8f50-4b9c-a6c8-6d7bb3dfc0a1' } },
    spec: { containers: [{ name: 'c', image: 'busybox', command: ['true'] }], restartPolicy: 'Never' },
  } as Pod
}
