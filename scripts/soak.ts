/**
 * `npm run soak [-- --schedules N --seed S] [--shard K/N]`: the model-based fault test at length. Random Jobs
 * and pod outcomes, each run fault-free once and then through several random fault schedules
 * (conformance/testing/faultModel.ts), and the totals: schedules run, faults injected by kind,
 * crashes, lost and double-counted completions, and every case that broke a rule, with what
 * replays it: `npm run soak -- --job '<job JSON>' --faults '<faults JSON>'` runs that one case
 * (fault-free, then with the faults) and prints every change the store committed.
 */
import { FastCheck as fc } from 'effect'
import type { FaultStats } from '../adapters/stores/faults/FaultyStore.js'
import { addStats, emptyStats } from '../adapters/stores/faults/FaultyStore.js'
import type { FaultCase, JobCase, RunResult } from '../conformance/testing/faultModel.js'
import { compare, faultCase, jobCase, runCaseNow } from '../conformance/testing/faultModel.js'

const SCHEDULES_PER_JOB = 3

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`)
  const value = at >= 0 ? Number(process.argv[at + 1]) : fallback
  if (!Number.isInteger(value) || value < 0) throw new Error(`--${name}: expected a whole number, got ${process.argv[at + 1]}`)
  return value
}

function json<A>(name: string): A | undefined {
  const at = process.argv.indexOf(`--${name}`)
  if (at < 0) return undefined
  try {
    return JSON.parse(process.argv[at + 1] ?? '') as A
  } catch {
    throw new Error(`--${name}: expected JSON as the soak prints it, got ${process.argv[at + 1]}`)
  }
}

/** One line per committed change: what a report needs to see how a run went. */
function printChanges(result: RunResult): void {
  for (const change of result.changes) {
    const { metadata } = change.object
    if (change.kind === 'Job') console.log(`  ${change.resourceVersion} Job ${change.type} ${JSON.stringify((change.object as { status?: unknown }).status ?? {})}`)
    else {
      const pod = change.object as { status?: { phase?: string }; metadata: typeof metadata }
      const index = metadata.annotations?.['batch.kubernetes.io/job-completion-index'] ?? '-'
      const deleting = metadata.deletionTimestamp !== undefined ? ' deleting' : ''
      const tracked = (metadata.finalizers ?? []).length > 0 ? ' tracked' : ''
      console.log(`  ${change.resourceVersion} Pod ${change.type} ${metadata.name} index ${index} ${pod.status?.phase ?? ''}${deleting}${tracked}`)
    }
  }
}

async function replay(job: JobCase, faults: FaultCase): Promise<void> {
  const reference = await runCaseNow(job, undefined)
  const faulty = await runCaseNow(job, faults)
  console.log(`fault-free: ${reference.terminal} ${reference.violations.join('; ')}`)
  console.log(`with faults: ${faulty.terminal} ${JSON.stringify(faulty.stats)}`)
  const verdict = compare(job, reference, faulty)
  console.log(verdict.problems.length === 0 ? 'no rule broken' : verdict.problems.join('\n'))
  console.log('\nfault-free run:')
  printChanges(reference)
  console.log('\nwith faults:')
  printChanges(faulty)
}

/** `--shard K/N`: run only the Jobs at positions K, K+N, K+2N… of the seed's sequence, so N processes share one soak. */
function shardOption(): { readonly index: number; readonly count: number } {
  const at = process.argv.indexOf('--shard')
  if (at < 0) return { index: 0, count: 1 }
  const match = /^(\d+)\/(\d+)$/.exec(process.argv[at + 1] ?? '')
  const index = Number(match?.[1])
  const count = Number(match?.[2])
  if (match === null || count < 1 || index >= count) throw new Error(`--shard: expected K/N with 0 <= K < N, got ${process.argv[at + 1]}`)
  return { index, count }
}

async function main(): Promise<void> {
  const oneJob = json<JobCase>('job')
  const oneFaults = json<FaultCase>('faults')
  if (oneJob !== undefined && oneFaults !== undefined) return replay(oneJob, oneFaults)
  const schedules = option('schedules', 3000)
  const seed = option('seed', Math.floor(Math.random() * 0x7fffffff))
  const shard = shardOption()
  const shardNote = shard.count === 1 ? '' : `, shard ${shard.index}/${shard.count} (every ${shard.count}th Job from the ${shard.index}th; the shards together run them all)`
  console.log(`soak: ${schedules} fault schedules, seed ${seed}${shardNote} (replay with --seed ${seed})`)
  const jobs = fc
    .sample(fc.tuple(jobCase, fc.array(faultCase, { minLength: SCHEDULES_PER_JOB, maxLength: SCHEDULES_PER_JOB })), {
      seed,
      numRuns: Math.ceil(schedules / SCHEDULES_PER_JOB),
    })
    .map((drawn, position) => ({ drawn, position }))
    .filter(({ position }) => position % shard.count === shard.index)
  const started = Date.now()
  let run = 0
  let stats: FaultStats = emptyStats
  let lost = 0
  let doubleCounted = 0
  let verdictsChanged = 0
  let extraPodSchedules = 0
  let transientExtraSchedules = 0
  const broken: string[] = []
  for (const { drawn: [job, faultsOfJob], position } of jobs) {
    const reference = await runCaseNow(job, undefined)
    if (reference.violations.length > 0) broken.push(`fault-free run of ${JSON.stringify(job)}: ${reference.violations.join('; ')}`)
    for (const [i, faults] of faultsOfJob.entries()) {
      if (position * SCHEDULES_PER_JOB + i >= schedules) break
      run++
      const result = await runCaseNow(job, faults)
      stats = addStats(stats, result.stats)
      lost += result.lost
      doubleCounted += result.doubleCounted
      if (result.extraPodsKept > 0) extraPodSchedules++
      if (result.extraPodsAfterLostAck > 0) transientExtraSchedules++
      const { problems, verdictChanged } = compare(job, reference, result)
      if (verdictChanged) verdictsChanged++
      if (problems.length > 0) {
        broken.push(`job ${JSON.stringify(job)}\n  faults ${JSON.stringify(faults)}\n  ${problems.join('\n  ')}`)
        // Right away too: a long soak is worth reading before it ends.
        console.log(`  broken: ${broken.at(-1)}`)
      }
    }
    if (run % 30 < SCHEDULES_PER_JOB) {
      const totals = `lost ${lost}, double-counted ${doubleCounted}, verdicts changed ${verdictsChanged}, extra pods kept ${extraPodSchedules}, transient extras ${transientExtraSchedules}, crashes ${stats.crashes}`
      console.log(`  ${run} schedules, ${((Date.now() - started) / 1000).toFixed(0)} s, ${broken.length} broken; ${totals}`)
    }
  }
  console.log(`\nschedules run: ${run} (${((Date.now() - started) / 1000).toFixed(0)} s)`)
  console.log(`store calls: ${stats.calls}, writes landed: ${stats.writes}`)
  console.log('faults injected by kind:')
  for (const [kind, count] of Object.entries(stats.faults)) console.log(`  ${kind.padEnd(20)} ${count}`)
  console.log(`controller crashes: ${stats.crashes}`)
  console.log(`lost completions: ${lost}`)
  console.log(`double-counted completions: ${doubleCounted}`)
  console.log(`schedules with a transient extra pod after a create whose answer was lost, before a sync saw it (allowed, R159): ${transientExtraSchedules}`)
  console.log(`schedules with an extra pod still running at a sync that saw it (Kubernetes deletes it, R96 R122): ${extraPodSchedules}`)
  console.log(`verdicts changed by faults (cases whose verdict cannot depend on timing, faultModel.ts): ${verdictsChanged}`)
  console.log(`\ncases that broke a rule: ${broken.length}`)
  for (const report of broken.slice(0, 20)) console.log(`\n${report}`)
  if (broken.length > 0) process.exitCode = 1
}

void main()
