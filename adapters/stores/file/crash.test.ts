/**
 * The crash test: writer processes (`testing/crashWriter.ts`, bundled once by esbuild so that a
 * hundred of them start quickly) write to one store directory under
 * load, three at a time, and are killed with SIGKILL at random moments, at least 100 times in
 * all: while opening, appending, syncing, or compacting (the writers compact every 64 KiB). After
 * every kill this process opens the store (while the other writers go on), and checks that every
 * write a writer acknowledged before is there, with at least the acknowledged content, and that
 * every object is whole.
 */
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import * as fs from 'node:fs'
import { describe, expect, it } from '@effect/vitest'
import { Effect } from 'effect'
import type { Job, Pod } from '../../../core/model/types.js'
import * as FileStore from './FileStore.js'
import { bundleScript } from './testing/bundle.js'
import { makeTempDir, onLines } from './testing/fixtures.js'

const KILLS = 102
const LANES = 3
const ns = 'crash'

/** What the writers acknowledged so far. */
class Acknowledged {
  readonly pods = new Map<string, { readonly rv: number; readonly step: number }>()
  readonly jobs = new Map<string, { readonly rv: number; readonly step: number }>()
  readonly deleted = new Set<string>()
  readonly events = new Map<string, number>()
  /** The writers (tags) known dead: each finished its last acknowledged write, at most one more. */
  readonly killed = new Set<string>()
  writes = 0

  record(line: string): void {
    const [what, name = '', a = '0', b = '0'] = line.split(' ')
    this.writes++
    switch (what) {
      case 'pod':
        this.pods.set(name, { rv: Number(a), step: Number(b) })
        return
      case 'job':
        this.jobs.set(name, { rv: Number(a), step: Number(b) })
        return
      case 'deleted':
        this.deleted.add(name)
        return
      case 'event':
        this.events.set(name, Number(a))
        return
      default:
        throw new Error(`unexpected line from a writer: ${line}`)
    }
  }

  copy(): Acknowledged {
    const copy = new Acknowledged()
    for (const [k, v] of this.pods) copy.pods.set(k, v)
    for (const [k, v] of this.jobs) copy.jobs.set(k, v)
    for (const k of this.deleted) copy.deleted.add(k)
    for (const [k, v] of this.events) copy.events.set(k, v)
    for (const k of this.killed) copy.killed.add(k)
    copy.writes = this.writes
    return copy
  }
}

/** Opens the store as a new process would and lists what is wrong (empty: all good). */
async function verify(dir: string, acknowledged: Acknowledged): Promise<string[]> {
  const { jobs, pods, events, version } = await Effect.runPromise(
    Effect.scoped(
      Effect.gen(function* () {
        const store = yield* FileStore.make(dir, { follow: false })
        const events = yield* store.listEvents({ namespace: ns })
        const jobs = yield* store.listJobs({ namespace: ns })
        const pods = yield* store.listPods({ namespace: ns })
        return { pods: pods.items, jobs: jobs.items, events, version: Number(pods.resourceVersion) }
      }),
    ),
  )
  const problems: string[] = []
  const podsByName = new Map(pods.map((p) => [p.metadata.name ?? '', p]))
  const jobsByName = new Map(jobs.map((j) => [j.metadata.name ?? '', j]))
  for (const [name, ack] of acknowledged.pods) {
    const stored = podsByName.get(name)
    if (acknowledged.deleted.has(name)) {
      if (stored !== undefined) problems.push(`pod ${name} was deleted (acknowledged) but is there`)
      continue
    }
    // A writer deletes two pods in three after their last status update. A writer still running may
    // have gone on meanwhile; a killed one may have written its next write without acknowledging
    // it, so the delete too once the last update was acknowledged.
    const dash = name.lastIndexOf('-')
    const mayBeDeleted = Number(name.slice(dash + 1)) % 3 !== 0 && (ack.step === 2 || !acknowledged.killed.has(name.slice(0, dash)))
    if (stored === undefined) {
      if (!mayBeDeleted) problems.push(`pod ${name} (acknowledged at rv ${ack.rv}, step ${ack.step}) is missing`)
    }
    else if (Number(stored.metadata.resourceVersion) < ack.rv || Number(stored.status?.message ?? '0') < ack.step) {
      problems.push(`pod ${name} is older than acknowledged: rv ${stored.metadata.resourceVersion} < ${ack.rv} or step ${stored.status?.message} < ${ack.step}`)
    }
  }
  for (const [name, ack] of acknowledged.jobs) {
    const stored = jobsByName.get(name)
    if (stored === undefined) problems.push(`job ${name} (acknowledged at rv ${ack.rv}) is missing`)
    else if (Number(stored.metadata.resourceVersion) < ack.rv || (stored.status?.active ?? 0) < ack.step) problems.push(`job ${name} is older than acknowledged`)
  }
  for (const [name, count] of acknowledged.events) {
    const stored = events.find((e) => e.involvedObject.name === name)
    if (stored === undefined || stored.count < count) problems.push(`event about ${name}: count ${stored?.count} < acknowledged ${count}`)
  }
  const versions = new Set<string>()
  for (const object of [...pods, ...jobs] as Array<Pod | Job>) {
    const { name, uid, resourceVersion } = object.metadata
    const rv = Number(resourceVersion)
    if (!Number.isSafeInteger(rv) || rv < 1 || rv > version) problems.push(`${name}: resourceVersion ${resourceVersion} outside 1..${version}`)
    if (versions.has(resourceVersion ?? '')) problems.push(`${name}: resourceVersion ${resourceVersion} used twice`)
    versions.add(resourceVersion ?? '')
    if (typeof uid !== 'string' || uid.length !== 36) problems.push(`${name}: bad uid ${uid}`)
    const containers = 'template' in object.spec ? (object as Job).spec.template.spec.containers : (object as Pod).spec.containers
    if (!Array.isArray(containers) || containers.length !== 1) problems.push(`${name}: its containers are not what was written`)
  }
  return problems
}

/** A small seeded generator, so that a failure names the seed it ran with. */
function random(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

describe('FileStore crash test', () => {
  it(`SIGKILL at random moments, ${KILLS} times, three writers at once: every acknowledged write survives, nothing is torn`, async () => {
    const dir = makeTempDir()
    const bundleDir = makeTempDir()
    const writer = bundleScript('crashWriter.ts', bundleDir)
    const seed = Date.now() % 1_000_000
    const next = random(seed)
    const acknowledged = new Acknowledged()
    let kills = 0
    const failures: string[] = []
    const living = new Map<ChildProcess, Promise<unknown>>()

    const lane = async (laneNumber: number): Promise<void> => {
      for (let incarnation = 0; kills < KILLS && failures.length === 0; incarnation++) {
        const child = spawn(writer.command, [...writer.args, dir, `l${laneNumber}i${incarnation}`, '65536'], { stdio: ['ignore', 'pipe', 'pipe'] })
        let ready = false
        let stderr = ''
        onLines(child.stdout!, (line) => {
          if (line === 'ready') ready = true
          else acknowledged.record(line)
        })
        child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
        let done = false
        // 'close', not 'exit': every acknowledgement it wrote has been read by then.
        const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('close', (_code, signal) => ((done = true), resolve(signal))))
        living.set(child, exited)
        if (next() < 0.1) {
          await sleep(next() * 1500) // sometimes while it starts or opens the store
        } else {
          while (!ready && !done) await sleep(5)
          await sleep(next() * 400)
        }
        child.kill('SIGKILL')
        const signal = await exited
        living.delete(child)
        acknowledged.killed.add(`l${laneNumber}i${incarnation}`)
        if (signal !== 'SIGKILL') {
          failures.push(`writer l${laneNumber}i${incarnation} ended by itself (seed ${seed}): ${stderr.trim()}`)
          return
        }
        kills++
        const problems = await verify(dir, acknowledged.copy()).catch((error: unknown) => [`opening failed: ${String(error)}`])
        if (problems.length > 0) failures.push(`after kill ${kills} (seed ${seed}): ${problems.slice(0, 10).join('; ')}`)
      }
    }

    try {
      // A lane stops at its first failure; the others stop at their next kill.
      await Promise.all(Array.from({ length: LANES }, (_, i) => lane(i)))
      expect(failures).toEqual([])
      // All writers are dead: a last look at a quiet store.
      expect(await verify(dir, acknowledged.copy())).toEqual([])
      expect(kills).toBeGreaterThanOrEqual(KILLS)
      expect(acknowledged.writes).toBeGreaterThan(KILLS)
      // The writers compacted many times meanwhile (and were killed while doing it, some of them).
      const generations = fs.readdirSync(dir).filter((name) => name.startsWith('log.')).length
      expect(generations).toBeGreaterThan(3)
    } finally {
      for (const child of living.keys()) child.kill('SIGKILL')
      await Promise.all(living.values())
      if (process.env['CRASH_KEEP'] === undefined) fs.rmSync(dir, { recursive: true, force: true })
      else console.log('kept', dir)
      fs.rmSync(bundleDir, { recursive: true, force: true })
    }
  }, 600_000)
})

