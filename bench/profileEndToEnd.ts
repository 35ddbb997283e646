/**
 * Runs only the end-to-end figure, for profiling:
 * `node --import tsx --cpu-prof --cpu-prof-dir=/tmp/prof bench/profileEndToEnd.ts [runs] [batchMs]`.
 * Prints one line per run and the median.
 */
import * as MemoryStore from '../adapters/memory/MemoryStore.js'
import { benchEndToEnd } from './endToEnd.js'

const runs = Number(process.argv[2] ?? 1)
const eventBatchMs = Number(process.argv[3] ?? 10)
const rates: number[] = []
for (let i = 0; i < runs; i++) {
  const figures = await benchEndToEnd(MemoryStore.layer, { completions: 10_000, parallelism: 500, eventBatchMs })
  rates.push(figures.podLifecyclesPerSecond)
  console.log(`run ${i + 1}: ${(figures.wallMs / 1000).toFixed(2)} s, ${figures.podLifecyclesPerSecond.toFixed(0)} pod lifecycles/s, ${figures.syncs} syncs`)
}
rates.sort((a, b) => a - b)
console.log(`median of ${runs}: ${rates[Math.floor(rates.length / 2)]!.toFixed(0)} pod lifecycles/s`)
