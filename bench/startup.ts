/** How long `jobctl version` takes from process start to exit: the compiled CLI against tsx on the sources. */
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const JOBCTL = fileURLToPath(new URL('../bin/jobctl.js', import.meta.url))
const RUNS = 10

function medianStartMs(env: Readonly<Record<string, string>>): number {
  const times: number[] = []
  for (let run = 0; run < RUNS; run++) {
    const started = performance.now()
    const result = spawnSync(process.execPath, [JOBCTL, 'version'], { env: { ...process.env, ...env }, encoding: 'utf8' })
    if (result.status !== 0) throw new Error(`jobctl version failed: ${result.stderr}`)
    times.push(performance.now() - started)
  }
  times.sort((a, b) => a - b)
  return times[Math.floor(times.length / 2)] ?? NaN
}

export function printStartupBench(): void {
  console.log(`\njobctl start-up: \`jobctl version\`, median of ${RUNS} runs`)
  console.log(`compiled (dist/jobctl.mjs)        ${medianStartMs({}).toFixed(0).padStart(6)} ms`)
  console.log(`tsx on the sources (JOBCTL_DEV=1) ${medianStartMs({ JOBCTL_DEV: '1' }).toFixed(0).padStart(6)} ms`)
}
