/**
 * The crash run: the real `jobctl controller` on a file store, SIGKILLed at random moments 20
 * times while Jobs run real short processes (NonIndexed, Indexed, backoffLimitPerIndex), and
 * started again each time. Each pod's process appends what it did to a file of its own; at the
 * end every Job's status must be what those processes did — no result lost to a crash, none
 * counted twice, no finalizer left, never more processes at once than the Job's parallelism.
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { Job, Pod } from '../../core/model/types.js'
import { jobctl } from './testing/binary.js'
import { eventually, filesIn, getItems, isFinished, startController, trueCondition } from './testing/controllerRuns.js'
import { jobManifest, tempDir, writeManifest } from './testing/manifests.js'

const KILLS = 20
/** Completions of the three Jobs of a wave: small, so that the Jobs still running after the last kill finish soon. */
const PLAIN = 10
const INDEXED = 8
const PER_INDEX = 6
const TRACKING_FINALIZER = 'batch.kubernetes.io/job-tracking'

/**
 * A pod's process: logs its start (and completion index), sleeps 0.3-0.9 s, fails one time in
 * five (exit 1), logs its end and exit code; on SIGTERM it logs 143. `$1`: the directory of the
 * logs, `$2`: the Job. (Its file is its own: retries of an index share the hostname.)
 */
const POD_SCRIPT = `f=$1/$2.$HOSTNAME.$$.$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')
trap 'echo "end $(date +%s%3N) 143" >> $f; exit 143' TERM
echo "start $(date +%s%3N) \${JOB_COMPLETION_INDEX:--}" >> $f
r=$(od -An -N1 -tu1 /dev/urandom | tr -d ' ')
sleep 0.$((3 + r % 7))
code=0
[ "$r" -lt 51 ] && code=1
echo "end $(date +%s%3N) $code" >> $f
exit $code
`

/** The three kinds of Job of one wave, with their parallelism. */
function wave(n: number, script: string, runs: string): ReadonlyArray<{ readonly name: string; readonly parallelism: number; readonly manifest: Record<string, unknown> }> {
  const job = (name: string, spec: Record<string, unknown>) => ({
    name,
    parallelism: spec['parallelism'] as number,
    manifest: jobManifest(name, ['sh', script, runs, name], spec),
  })
  return [
    job(`plain-${n}`, { completions: PLAIN, parallelism: 3, backoffLimit: 100 }),
    job(`indexed-${n}`, { completions: INDEXED, parallelism: 3, completionMode: 'Indexed', backoffLimit: 100 }),
    // backoffLimit as the API server defaults it with backoffLimitPerIndex (the helper's default is 0).
    job(`perindex-${n}`, { completions: PER_INDEX, parallelism: 2, completionMode: 'Indexed', backoffLimitPerIndex: 1, backoffLimit: 2147483647 }),
  ]
}

/** What one pod's process did, from its own log. */
interface ProcessRecord {
  readonly job: string
  readonly index: number | undefined
  readonly startMs: number
  readonly endMs: number | undefined
  readonly exitCode: number | undefined
}

function processRecords(runs: string): ReadonlyArray<ProcessRecord> {
  return [...filesIn(runs)].map(([file, lines]) => {
    const start = lines.find((l) => l.startsWith('start '))?.split(' ') ?? []
    const end = lines.find((l) => l.startsWith('end '))?.split(' ')
    return {
      job: file.slice(0, file.indexOf('.')),
      index: start[2] === undefined || start[2] === '-' ? undefined : Number(start[2]),
      startMs: Number(start[1]),
      endMs: end === undefined ? undefined : Number(end[1]),
      exitCode: end === undefined ? undefined : Number(end[2]),
    }
  })
}

/** The controller's interval form of a set of indexes: `0-3,7`, and a pair as `6,7` (R117). */
function intervals(indexes: ReadonlySet<number>): string {
  const sorted = [...indexes].sort((a, b) => a - b)
  const parts: string[] = []
  for (let i = 0; i < sorted.length; ) {
    let j = i
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++
    parts.push(i === j ? String(sorted[i]) : `${sorted[i]}${j === i + 1 ? ',' : '-'}${sorted[j]}`)
    i = j + 1
  }
  return parts.join(',')
}

/** The most processes of one Job that ran at the same moment. */
function maxConcurrent(records: ReadonlyArray<ProcessRecord>): number {
  const edges = records.flatMap((r) => [
    { at: r.startMs, delta: 1 },
    { at: r.endMs ?? Number.POSITIVE_INFINITY, delta: -1 },
  ])
  // At the same millisecond an end comes before a start: the two did not overlap.
  edges.sort((a, b) => a.at - b.at || a.delta - b.delta)
  let running = 0
  let most = 0
  for (const edge of edges) {
    running += edge.delta
    most = Math.max(most, running)
  }
  return most
}

const randomMs = (min: number, max: number): number => min + Math.floor(Math.random() * (max - min))
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('jobctl controller SIGKILLed again and again on a file store', () => {
  it(
    `loses no pod result: after ${KILLS} SIGKILLs at random moments each Job's status is what its processes did (R84 counts, completedIndexes/failedIndexes R117/R137, terminal conditions R140), no finalizer is left and no Job ever ran more processes than its parallelism`,
    async () => {
      const cwd = tempDir()
      const runs = join(cwd, 'runs')
      mkdirSync(runs)
      const script = writeManifest(cwd, 'pod.sh', POD_SCRIPT)
      const jobs: Array<{ readonly name: string; readonly parallelism: number }> = []
      const applyWave = async () => {
        const next = wave(jobs.length / 3, script, runs)
        const applied = await jobctl(['apply', '-f', writeManifest(cwd, `wave-${jobs.length / 3}.yaml`, next.map((j) => j.manifest))], { cwd })
        expect(applied.code, applied.stderr).toBe(0)
        jobs.push(...next)
      }
      // One cold start of jobctl before the kills (its first start after a build is the slowest).
      expect((await jobctl(['version'], { cwd })).code).toBe(0)
      await applyWave()

      let kills = 0
      while (kills < KILLS) {
        const controller = startController(cwd, ['--event-batch', '100'])
        if (kills % 5 === 4) {
          // Now and then during start-up, before it has even listed the store.
          await sleep(randomMs(100, 600))
        } else {
          await controller.ready
          await sleep(randomMs(0, 1500))
        }
        controller.child.kill('SIGKILL')
        const result = await controller.exited
        expect(result.signal, `the controller ended on its own: ${result.stderr}`).toBe('SIGKILL')
        kills += 1
        // Every kill hits running Jobs: when all have finished, the next wave starts.
        if ((await getItems<Job>(cwd, 'jobs')).every(isFinished)) await applyWave()
      }

      const last = startController(cwd, ['--event-batch', '100'])
      await last.ready
      const finalJobs = await eventually('every Job finished', async () => {
        const items = await getItems<Job>(cwd, 'jobs')
        return items.length === jobs.length && items.every(isFinished) ? items : undefined
      })
      const pods = await eventually('no pod keeps the tracking finalizer', async () => {
        const items = await getItems<Pod>(cwd, 'pods')
        return items.every((p) => !(p.metadata.finalizers ?? []).includes(TRACKING_FINALIZER)) ? items : undefined
      })
      last.child.kill('SIGTERM')
      expect((await last.exited).code).toBe(0)

      const records = processRecords(runs)
      expect(records.filter((r) => r.endMs === undefined), 'processes that never ended').toEqual([])
      expect(pods.filter((p) => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed').map((p) => p.metadata.name)).toEqual([])
      for (const { name, parallelism } of jobs) {
        const job = finalJobs.find((j) => j.metadata.name === name)!
        const mine = records.filter((r) => r.job === name)
        const succeeded = mine.filter((r) => r.exitCode === 0)
        const failed = mine.filter((r) => r.exitCode !== 0)
        const context = `${name}: ${JSON.stringify(job.status)}`
        expect(job.status?.succeeded ?? 0, context).toBe(succeeded.length)
        expect(job.status?.failed ?? 0, context).toBe(failed.length)
        expect(maxConcurrent(mine), context).toBeLessThanOrEqual(parallelism)
        if (name.startsWith('plain-')) {
          expect(succeeded.length, context).toBe(PLAIN)
          expect(trueCondition(job, 'Complete'), context).toBeDefined()
          continue
        }
        const completed = new Set(succeeded.map((r) => r.index!))
        expect(job.status?.completedIndexes ?? '', context).toBe(intervals(completed))
        // No index succeeded twice.
        expect(completed.size, context).toBe(succeeded.length)
        if (name.startsWith('indexed-')) {
          expect(completed.size, context).toBe(INDEXED)
          expect(trueCondition(job, 'Complete'), context).toBeDefined()
          continue
        }
        // backoffLimitPerIndex 1: an index fails on its second failure and is not tried again.
        const failuresOf = (index: number) => failed.filter((r) => r.index === index).length
        const failedIndexes = new Set([...Array(PER_INDEX).keys()].filter((i) => !completed.has(i) && failuresOf(i) >= 2))
        for (let i = 0; i < PER_INDEX; i++) expect(completed.has(i) || failedIndexes.has(i), `${context}: index ${i}`).toBe(true)
        expect(job.status?.failedIndexes, context).toBe(intervals(failedIndexes))
        if (failedIndexes.size > 0) expect(trueCondition(job, 'Failed')?.reason, context).toBe('FailedIndexes')
        else expect(trueCondition(job, 'Complete'), context).toBeDefined()
      }
    },
    300_000,
  )
})
