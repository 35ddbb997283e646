/**
 * `npx tsx bench/podStatusWrites.ts [N...]`: the bytes a file store takes for one pod of N
 * containers run by the process runtime (containers that exit 0 at once; default N: 125, 250,
 * 500). Printed, never asserted; the linear-growth test is in adapters/runtimes/process.
 */
import { Effect } from 'effect'
import { measurePodStoreCost } from '../adapters/runtimes/process/testing/storeBytes.js'

const sizes = process.argv.slice(2).map(Number).filter((n) => Number.isInteger(n) && n > 0)
console.log('containers   store MiB   bytes/container   phase')
let previous: number | undefined
for (const containers of sizes.length > 0 ? sizes : [125, 250, 500]) {
  const cost = await Effect.runPromise(measurePodStoreCost(containers))
  const mib = cost.bytesAppended / (1024 * 1024)
  const growth = previous === undefined ? '' : `   (x${(cost.bytesAppended / previous).toFixed(2)})`
  console.log(`${String(containers).padStart(10)}  ${mib.toFixed(2).padStart(10)}  ${(cost.bytesAppended / containers).toFixed(0).padStart(16)}   ${cost.phase ?? '?'}${growth}`)
  previous = cost.bytesAppended
}
