import { benchReconcile } from './reconcileBench.js'

/** `npm run bench`: printed figures, never assertions. */
function main(): void {
  console.log('reconcile: one sync of a Job with N pods (median)')
  console.log('mode        pods     ms/reconcile   ns/pod')
  for (const mode of ['NonIndexed', 'Indexed'] as const) {
    for (const pods of [1_000, 10_000, 100_000]) {
      const { msPerReconcile, nsPerPod } = benchReconcile(mode, pods)
      console.log(`${mode.padEnd(11)} ${String(pods).padStart(7)}  ${msPerReconcile.toFixed(2).padStart(13)}  ${nsPerPod.toFixed(0).padStart(7)}`)
    }
  }
}

main()
