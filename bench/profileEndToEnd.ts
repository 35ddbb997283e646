/**
 * Runs only the end-to-end figure, for profiling:
 * `node --import tsx --cpu-prof --cpu-prof-dir=/tmp/prof bench/profileEndToEnd.ts [runs] [batchMs]`.
 * Prints one line per run and the median.
 */
import * as MemoryStore from '../adapters/stores/memory/MemoryStore.js'
import { benchEndToEnd } from './endToEnd.js'

const runs = Number(process.argv[2] ?? 1)
const eventBatchMs = Number(process.argv[3] ?? 10)
const rates: number[] = []
const cpuMs: number[] = []
for (let i = 0; i < runs; i++) {
  // CPU time (all threads, the collector's included) is steadier than wall time on a shared machine.
  const cpuBefore = process.cpuUsage()
  const figures = await benchEndToEnd(MemoryStore.layer, { completions: 10_000, parallelism: 500, eventBatchMs })
  const cpu = process.cpuUsage(cpuBefore)
  rates.push(figures.podLifecyclesPerSecond)
  cpuMs.push((cpu.user + cpu.system) / 1000)
  console.log(
    `run ${i + 1}: ${(figures.wallMs / 1000).toFixed(2)} s, ${figures.podLifecyclesPerSecond.toFixed(0)} pod lifecycles/s, ${figures.syncs} syncs, CPU ${(cpuMs.at(-1)! / 1000).toFixed(2)} s`,
  )
}
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!
console.log(`median of ${runs}: ${median(rates).toFixed(0)} pod lifecycles/s, CPU ${(median(cpuMs) / 1000).toFixed(2)} s`)
