import * as MemoryStore from '../adapters/stores/memory/MemoryStore.js'
import { printCoreBundleBench } from './coreBundle.js'
import { benchEndToEnd } from './endToEnd.js'
import { printFileStoreBench } from './fileStore.js'
import { benchReconcile } from './reconcileBench.js'
import { printStartupBench } from './startup.js'

/** `npm run bench`: printed figures, never assertions. */
async function main(): Promise<void> {
  console.log('reconcile: one sync of a Job with N pods (median)')
  console.log('mode        pods     ms/reconcile   ns/pod')
  for (const mode of ['NonIndexed', 'Indexed'] as const) {
    for (const pods of [1_000, 10_000, 100_000]) {
      const { msPerReconcile, nsPerPod } = benchReconcile(mode, pods)
      console.log(`${mode.padEnd(11)} ${String(pods).padStart(7)}  ${msPerReconcile.toFixed(2).padStart(13)}  ${nsPerPod.toFixed(0).padStart(7)}`)
    }
  }

  console.log('\nend to end: a Job of 10k completions, parallelism 500, scripted pods that succeed at once')
  console.log('store    batch   wall (s)   pod lifecycles/s   syncs')
  for (const eventBatchMs of [10, 1000]) {
    const figures = await benchEndToEnd(MemoryStore.layer, { completions: 10_000, parallelism: 500, eventBatchMs })
    console.log(
      `memory  ${`${eventBatchMs}ms`.padStart(6)}  ${(figures.wallMs / 1000).toFixed(2).padStart(9)}  ${figures.podLifecyclesPerSecond.toFixed(0).padStart(17)}  ${String(figures.syncs).padStart(6)}`,
    )
  }
  // The first row runs on code the JIT has not warmed up yet; the same run again shows the steady state.
  const warm = await benchEndToEnd(MemoryStore.layer, { completions: 10_000, parallelism: 500, eventBatchMs: 10 })
  console.log(
    `memory  ${'10ms'.padStart(6)}  ${(warm.wallMs / 1000).toFixed(2).padStart(9)}  ${warm.podLifecyclesPerSecond.toFixed(0).padStart(17)}  ${String(warm.syncs).padStart(6)}   (again, warm)`,
  )

  await printFileStoreBench()

  printStartupBench()

  await printCoreBundleBench()
}

await main()
