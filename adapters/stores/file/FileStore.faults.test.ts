/**
 * The file store under I/O errors injected at the `fs` boundary (`testing/faultyFs.ts`): failed,
 * interrupted and short writes, short writes whose rest lands after another process's append,
 * a failing fdatasync, and damaged ends of the log. What is checked is what a user sees: every
 * acknowledged write is there for the next process, a failure is one line, and the store never
 * stays unusable after the fault is gone.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import { afterEach, describe, expect, it } from '@effect/vitest'
import { Effect, Exit, FastCheck as fc, Scope } from 'effect'
import type { JobStoreService } from '../../ports/JobStore.js'
import * as FileStore from './FileStore.js'
import type { FileStoreOptions } from './FileStore.js'
import { fenceLineAt, frameLine } from './format.js'
import { AnotherWriter, injectFaults } from './testing/faultyFs.js'
import type { FaultPlan, InjectedFaults, WriteFault } from './testing/faultyFs.js'
import { jobManifest, makeTempDir, pod, tempDir } from './testing/fixtures.js'

const ns = 'ns'
const key = (name: string) => ({ namespace: ns, name })

let installed: InjectedFaults | undefined
const inject = (plan: FaultPlan): InjectedFaults => {
  installed = injectFaults(plan)
  return installed
}
afterEach(() => {
  installed?.restore()
  installed = undefined
})

/** Opens the store as a new process would (collecting its warnings), uses it, closes it. */
const withStore = <A, E>(dir: string, use: (store: JobStoreService) => Effect.Effect<A, E>, warnings: string[] = [], options: FileStoreOptions = {}) =>
  Effect.scoped(Effect.flatMap(FileStore.make(dir, { follow: false, onWarning: (line) => warnings.push(line), ...options }), use))

const podNames = (dir: string, warnings: string[] = []) =>
  withStore(dir, (store) => Effect.map(store.listPods(), (list) => list.items.map((p) => p.metadata.name)), warnings)

/** The one-line reason a write failed with. */
const failure = <A, E extends { readonly _tag: string; readonly message: string }>(effect: Effect.Effect<A, E>) =>
  Effect.map(Effect.flip(effect), (error) => {
    expect(error._tag).toBe('StoreUnavailable')
    expect(error.message).not.toContain('\n')
    return error.message
  })

const logOf = (dir: string) => path.join(dir, 'log.00000001')

describe('FileStore under write faults', () => {
  it.scoped('a short write whose rest lands after another process\'s record: nothing reads as damage, both writes are stored (R: acknowledged writes are never lost)', () =>
    Effect.gen(function* () {
      const dir = yield* tempDir
      yield* withStore(dir, (store) => store.createPod(pod('a')))
      const another = new AnotherWriter(dir)
      // The first write(2) of the next append puts 30% of it in the log; before libuv writes the
      // rest, another process appends its record.
      inject({ write: (i) => (i === 0 ? { _tag: 'Short', keep: 0.3, rest: 'LandsAfterAnother' } : undefined), between: () => void another.put('other') })
      const created = yield* withStore(dir, (store) => store.createPod(pod('b')))
      another.close()
      expect(another.acknowledged).toEqual(['other'])
      expect(created.metadata.resourceVersion).toBe('3') // after `other` (rv 2): the split record was not accepted, the retry was
      expect(yield* podNames(dir)).toEqual(['a', 'other', 'b'])
    }),
  )

  it.scoped('a write(2) that reports 7 bytes it never wrote, the rest written by libuv (as strace showed): that write fails with one line, the store is not refused, the next write works', () =>
    Effect.gen(function* () {
      const dir = yield* tempDir
      yield* withStore(dir, (store) => store.createPod(pod('a')))
      const faults = inject({ write: (i) => (i === 0 ? { _tag: 'Short', keep: 7 / 400, rest: 'Lands', firstLost: true } : undefined) })
      const warnings: string[] = []
      const message = yield* failure(withStore(dir, (store) => store.createPod(pod('b')), warnings))
      expect(message).toMatch(/^cannot append to .*: the write reported \d+ bytes written, but they are not in the file/)
      expect(warnings).toHaveLength(1)
      expect(warnings[0]).toMatch(/the start of a write at byte \d+ never reached the file .* were fenced off and skipped$/)
      faults.restore()
      const later: string[] = []
      expect((yield* withStore(dir, (store) => store.createPod(pod('b')), later)).metadata.resourceVersion).toBe('2')
      expect(yield* podNames(dir, later)).toEqual(['a', 'b'])
      expect(later).toEqual([])
    }),
  )

  it.scoped('every write(2) reports bytes it never wrote: each write fails at once with one line, not after a thousand attempts', () =>
    Effect.gen(function* () {
      const dir = yield* tempDir
      yield* withStore(dir, (store) => store.createPod(pod('a')))
      const faults = inject({ write: () => ({ _tag: 'Vanishes' }) })
      const message = yield* failure(withStore(dir, (store) => store.createPod(pod('b'))))
      expect(message).toMatch(/^cannot append to .*: the write reported \d+ bytes written, but they are not in the file/)
      expect(faults.writes()).toBe(1)
      faults.restore()
      expect(yield* podNames(dir)).toEqual(['a'])
    }),
  )

  it.scoped('the same with another process appending between the two write(2)s: both writes are stored', () =>
    Effect.gen(function* () {
      const dir = yield* tempDir
      yield* withStore(dir, (store) => store.createPod(pod('a')))
      const another = new AnotherWriter(dir)
      inject({
        write: (i) => (i === 0 ? { _tag: 'Short', keep: 0.5, rest: 'LandsAfterAnother', firstLost: true } : undefined),
        between: () => void another.put('other'),
      })
      yield* withStore(dir, (store) => store.createPod(pod('b')))
      another.close()
      expect(yield* podNames(dir)).toEqual(['a', 'other', 'b'])
    }),
  )

  it.scoped('every write cut short (disk full after a few bytes): each write fails at once with one line, not after a thousand attempts; the store works again after', () =>
    Effect.gen(function* () {
      const dir = yield* tempDir
      yield* withStore(dir, (store) => store.createPod(pod('a')))
      const faults = inject({ write: () => ({ _tag: 'Short', keep: 0.1, rest: 'Fails' }) })
      const warnings: string[] = []
      const message = yield* failure(withStore(dir, (store) => store.createPod(pod('b')), warnings))
      expect(message).toMatch(new RegExp(`^cannot append to ${logOf(dir)}: the write stopped after \\d+ of \\d+ bytes \\(disk full or file size limit\\?\\)`))
      expect(faults.writes()).toBe(1)
      faults.restore()
      // The next process closes off the torn line the failed write left, says so, and writes.
      const later: string[] = []
      yield* withStore(dir, (store) => store.createPod(pod('c')), later)
      expect(later).toHaveLength(1)
      expect(later[0]).toMatch(/a record cut short at byte \d+ .* was closed off and skipped; it had not been acknowledged$/)
      expect(yield* podNames(dir)).toEqual(['a', 'c'])
    }),
  )

  it.scoped('ENOSPC, EDQUOT and EIO on a write: one line each; what was acknowledged before stays, and the next write works', () =>
    Effect.gen(function* () {
      const dir = yield* tempDir
      yield* withStore(dir, (store) => store.createPod(pod('a')))
      for (const code of ['ENOSPC', 'EDQUOT', 'EIO'] as const) {
        const faults = inject({ write: () => ({ _tag: 'Fails', code }) })
        const message = yield* failure(withStore(dir, (store) => store.createPod(pod('b'))))
        expect(message).toContain(`cannot append to ${logOf(dir)}: `)
        expect(message).toContain(`(${code})`)
        faults.restore()
      }
      yield* withStore(dir, (store) => store.createPod(pod('b')))
      expect(yield* podNames(dir)).toEqual(['a', 'b'])
    }),
  )

  it.scoped('EINTR on a write (nothing written) is tried again: the write succeeds', () =>
    Effect.gen(function* () {
      const dir = yield* tempDir
      inject({ write: (i) => (i < 3 ? { _tag: 'Fails', code: 'EINTR' } : undefined) })
      const created = yield* withStore(dir, (store) => store.createPod(pod('a')))
      expect(created.metadata.resourceVersion).toBe('1')
      expect(yield* podNames(dir)).toEqual(['a'])
    }),
  )

  it.scoped('fdatasync fails: the write is not acknowledged (one line); what was acknowledged before is kept; the next write is acknowledged', () =>
    Effect.gen(function* () {
      const dir = yield* tempDir
      yield* withStore(dir, (store) => store.createJob(jobManifest('before')))
      const faults = inject({ fdatasync: (i) => (i === 0 ? 'EIO' : undefined) })
      const message = yield* failure(withStore(dir, (store) => store.createPod(pod('b'))))
      expect(message).toBe(`cannot make ${logOf(dir)} durable (fdatasync: EIO): the writes waiting for it were not acknowledged, and may or may not be stored`)
      faults.restore()
      yield* withStore(dir, (store) =>
        Effect.gen(function* () {
          expect((yield* store.getJob(key('before'))).metadata.name).toBe('before')
          yield* store.createPod(pod('c'))
        }),
      )
      // `b` was written before the fsync failed: it may be stored (it is here: the page cache kept it).
      expect(yield* podNames(dir)).toEqual(['b', 'c'])
    }),
  )
})

describe('FileStore: a damaged end of the log', () => {
  it.scoped('an acknowledged Job whose final newline is missing is read by every command, and the next write follows it', () =>
    Effect.gen(function* () {
      const dir = yield* tempDir
      yield* withStore(dir, (store) => Effect.all([store.createJob(jobManifest('first')), store.createJob(jobManifest('last'))], { concurrency: 1 }))
      const log = logOf(dir)
      const bytes = fs.readFileSync(log)
      expect(bytes[bytes.length - 1]).toBe(0x0a)
      fs.truncateSync(log, bytes.length - 1)
      const names = (store: JobStoreService) => Effect.map(store.listJobs({ namespace: ns }), (list) => list.items.map((j) => j.metadata.name))
      const warnings: string[] = []
      expect(yield* withStore(dir, names, warnings)).toEqual(['first', 'last'])
      expect(warnings).toEqual([])
      yield* withStore(dir, (store) => store.getJob(key('last')))
      const job = yield* withStore(dir, (store) => store.createJob(jobManifest('after')))
      expect(job.metadata.resourceVersion).toBe('3')
      expect(yield* withStore(dir, names)).toEqual(['first', 'last', 'after'])
    }),
  )

  it.scoped('garbage after the last newline: reads skip it, opening fences it off with one warning, and writes go on', () =>
    Effect.gen(function* () {
      const dir = yield* tempDir
      yield* withStore(dir, (store) => Effect.all([store.createPod(pod('a')), store.createPod(pod('b'))], { concurrency: 1 }))
      const log = logOf(dir)
      const size = fs.statSync(log).size
      fs.appendFileSync(log, 'x7 not a record at all')
      const warnings: string[] = []
      yield* withStore(dir, (store) => store.createPod(pod('c')), warnings)
      expect(warnings).toEqual([
        `file store ${log}: 22 bytes at byte ${size}, after the last record, were no record and no part of one; they were fenced off and skipped (nothing acknowledged was in them)`,
      ])
      const again: string[] = []
      expect(yield* podNames(dir, again)).toEqual(['a', 'b', 'c'])
      expect(again).toEqual([])
    }),
  )

  it.scoped('garbage after the last newline while a process has the store open: its next write fences it off and succeeds', () =>
    Effect.gen(function* () {
      const dir = yield* tempDir
      const warnings: string[] = []
      yield* withStore(
        dir,
        (store) =>
          Effect.gen(function* () {
            yield* store.createPod(pod('a'))
            fs.appendFileSync(logOf(dir), Buffer.from([0xff, 0xfe, 0x41]))
            expect((yield* store.listPods()).items.map((p) => p.metadata.name)).toEqual(['a'])
            yield* store.createPod(pod('b'))
          }),
        warnings,
      )
      expect(warnings).toHaveLength(1)
      expect(warnings[0]).toContain('3 bytes at byte')
      expect(yield* podNames(dir)).toEqual(['a', 'b'])
    }),
  )

  it.scoped('a process that reads another writer\'s remnant before its fence: that read fails with one line, the next one (after the fence) works; the process does not give up on the store', () =>
    Effect.gen(function* () {
      const dir = yield* tempDir
      const log = logOf(dir)
      yield* withStore(dir, (store) =>
        Effect.gen(function* () {
          yield* store.createPod(pod('a'))
          // What the kernel kept of another writer's record whose first 9 bytes it lost.
          const line = Buffer.from(frameLine({ t: 'put', id: 'w.1', prev: 'x', rv: 9, k: 'Pod', o: { metadata: { name: 'lost', namespace: ns } } }))
          const at = fs.statSync(log).size
          const remnant = line.subarray(9, line.length - 1)
          fs.appendFileSync(log, Buffer.concat([remnant, Buffer.from('\n')]))
          expect(yield* failure(store.listPods())).toMatch(new RegExp(`^file store ${log} is corrupt at byte ${at} `))
          fs.appendFileSync(log, fenceLineAt(at, remnant)) // the writer fences it off
          expect((yield* store.listPods()).items.map((p) => p.metadata.name)).toEqual(['a'])
          yield* store.createPod(pod('b'))
        }),
      )
      expect(yield* podNames(dir)).toEqual(['a', 'b'])
    }),
  )

  it.scoped('a changed byte in the last whole record is still damage: reported, never skipped or fenced off', () =>
    Effect.gen(function* () {
      const dir = yield* tempDir
      yield* withStore(dir, (store) => Effect.all([store.createPod(pod('a')), store.createPod(pod('b'))], { concurrency: 1 }))
      const log = logOf(dir)
      const bytes = fs.readFileSync(log)
      const at = bytes.lastIndexOf('"name":"b"')
      bytes[at + 8] = 'z'.charCodeAt(0)
      fs.writeFileSync(log, bytes)
      const message = yield* failure(podNames(dir))
      expect(message).toMatch(/is corrupt at byte \d+ \(checksum mismatch\)/)
      expect(fs.readFileSync(log)).toEqual(bytes)
    }),
  )
})

// ---------------------------------------------------------------------------------------
// The property: faults at random points of a random history of two processes' writes.

type Step =
  | { readonly op: 'create' | 'update' | 'delete'; readonly by: 0 | 1; readonly pick: number }
  /** Process `by` dies between its next write and that write's fsync, and is started again. */
  | { readonly op: 'crash'; readonly by: 0 | 1 }
  /** The machine loses power: of what was not fsynced, only a prefix (`keep`) reaches the disk. */
  | { readonly op: 'powerLoss'; readonly keep: number }

const by = fc.constantFrom<0 | 1>(0, 1)
/** A fraction, spread evenly (fast-check's doubles favour 0 and 1). */
const fraction = fc.integer({ min: 0, max: 1000 }).map((n) => n / 1000)
const stepArbitrary: fc.Arbitrary<Step> = fc.oneof(
  { arbitrary: fc.record({ op: fc.constant('create' as const), by, pick: fc.nat() }), weight: 5 },
  { arbitrary: fc.record({ op: fc.constant('update' as const), by, pick: fc.nat() }), weight: 3 },
  { arbitrary: fc.record({ op: fc.constant('delete' as const), by, pick: fc.nat() }), weight: 2 },
  { arbitrary: fc.record({ op: fc.constant('crash' as const), by }), weight: 1 },
  { arbitrary: fc.record({ op: fc.constant('powerLoss' as const), keep: fraction }), weight: 1 },
)
const writeFaultArbitrary: fc.Arbitrary<WriteFault> = fc.oneof(
  fc.record({ _tag: fc.constant('Fails' as const), code: fc.constantFrom('ENOSPC' as const, 'EIO' as const, 'EINTR' as const, 'EDQUOT' as const) }),
  fc.constant({ _tag: 'Vanishes' as const }),
  fc.record({
    _tag: fc.constant('Short' as const),
    keep: fraction,
    rest: fc.constantFrom('Fails' as const, 'Lands' as const, 'LandsAfterAnother' as const),
    firstLost: fc.boolean(),
  }),
)
/** Isolated faults: positions (of write calls) at least 4 calls apart. */
const spacedPositions = (count: number) =>
  fc.array(fc.integer({ min: 4, max: 12 }), { minLength: count, maxLength: count }).map((gaps) => gaps.map((_, i) => gaps.slice(0, i + 1).reduce((a, b) => a + b, 0) - 4))
/**
 * Faults at isolated positions. Writes that lose their start (`firstLost`) and fsync failures are
 * not combined in one run: a write that lost its start, then a failed fsync of its fence, then a
 * power loss before any fsync succeeds may leave the remnant on disk without its fence, which
 * then reads as damage (reported, never hidden; nothing acknowledged is in it).
 */
const planArbitrary = fc.boolean().chain((lying) =>
  fc.record({
    writes: fc
      .integer({ min: 0, max: 8 })
      .chain((count) => fc.tuple(spacedPositions(count), fc.array(writeFaultArbitrary, { minLength: count, maxLength: count })))
      .map(([positions, faults]) =>
        positions.map((position, i) => {
          const fault = faults[i] as WriteFault
          return [position, fault._tag === 'Short' ? { ...fault, firstLost: lying && fault.firstLost === true } : fault] as const
        }),
      ),
    syncs: lying ? fc.constant([]) : fc.array(fc.tuple(fc.nat({ max: 40 }), fc.constantFrom('EIO', 'ENOSPC')), { maxLength: 3 }),
  }),
)

/** What the test knows of a pod from the answers it got. */
interface Known {
  /** The resourceVersion of its last acknowledged write. */
  rv: number
  /** `unknown`: a write whose outcome is unknown (it failed) may have removed it. */
  state: 'present' | 'deleted' | 'unknown'
}

interface Opened {
  readonly scope: Scope.CloseableScope
  readonly store: JobStoreService
}

describe('FileStore fault property', () => {
  it('property (R: no acknowledged write is lost): failed, interrupted, short and vanished writes, split writes, fsync failures, crashes and power losses at random points; every acknowledged write is there after, the store always opens, every failure is one line', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(stepArbitrary, { minLength: 4, maxLength: 24 }), planArbitrary, async (steps, plan) => {
        const dir = makeTempDir()
        const log = logOf(dir)
        const writeFaults = new Map(plan.writes)
        const syncFaults = new Map(plan.syncs)
        const warnings: string[] = []
        const failures: string[] = []
        const known = new Map<string, Known>()
        const acknowledgedByAnother: string[] = []
        let another: AnotherWriter | undefined
        let durable = 0
        let crashNextSync = false
        let checking = false
        const faults = injectFaults({
          write: (i) => writeFaults.get(i),
          fdatasync: (i) => {
            if (crashNextSync) {
              crashNextSync = false
              return 'EIO' // as seen by nobody: the process is gone before it answers
            }
            return syncFaults.get(i)
          },
          between: () => {
            another ??= new AnotherWriter(dir)
            if (another.put(`another-${acknowledgedByAnother.length}`)) acknowledgedByAnother.push(`another-${acknowledgedByAnother.length}`)
          },
          afterSync: (fd) => (durable = Math.max(durable, fs.fstatSync(fd).size)),
          which: () => !checking,
        })
        installed = faults
        const open = async (): Promise<Opened> => {
          const scope = await Effect.runPromise(Scope.make())
          const store = await Effect.runPromise(Scope.extend(FileStore.make(dir, { follow: false, onWarning: (line) => warnings.push(line) }), scope))
          return { scope, store }
        }
        const close = (opened: Opened) => Effect.runPromise(Scope.close(opened.scope, Exit.void))
        /** Runs a write; its answer, or `undefined` when it failed (the failure is noted). */
        const run = async <A>(effect: Effect.Effect<A, { readonly _tag: string; readonly message: string }>): Promise<{ readonly value: A } | undefined> => {
          const result = await Effect.runPromise(Effect.either(effect))
          if (result._tag === 'Right') return { value: result.right }
          failures.push(`${result.left._tag}: ${result.left.message}`)
          return undefined
        }
        /** A new process's view: every acknowledged write is there. */
        const check = async (): Promise<void> => {
          checking = true
          try {
            const fresh = await open()
            const listed = await Effect.runPromise(fresh.store.listPods({ namespace: ns }))
            await close(fresh)
            const stored = new Map(listed.items.map((p) => [p.metadata.name ?? '', Number(p.metadata.resourceVersion)]))
            for (const [name, { rv, state }] of known) {
              if (state === 'present') {
                expect(stored.has(name), `pod ${name} (acknowledged at rv ${rv}) is missing`).toBe(true)
                expect(stored.get(name) ?? 0).toBeGreaterThanOrEqual(rv)
              }
              if (state === 'deleted') expect(stored.has(name), `pod ${name} was deleted (acknowledged) but is there`).toBe(false)
            }
            for (const name of acknowledgedByAnother) expect(stored.has(name), `another process's pod ${name} is missing`).toBe(true)
            expect(new Set(stored.values()).size).toBe(stored.size) // no resourceVersion twice
          } finally {
            checking = false
          }
        }
        const processes: Opened[] = []
        try {
          processes.push(await open(), await open())
          let created = 0
          for (const step of steps) {
            if (step.op === 'powerLoss') {
              for (const opened of processes.splice(0)) await close(opened)
              another?.close()
              another = undefined
              const size = fs.statSync(log).size
              fs.truncateSync(log, durable + Math.floor(step.keep * (size - durable)))
              await check()
              processes.push(await open(), await open())
              continue
            }
            const { store } = processes[step.by] as Opened
            const present = [...known].filter(([, k]) => k.state === 'present').map(([name]) => name)
            if (step.op === 'create' || step.op === 'crash') {
              const name = `p${created++}`
              if (step.op === 'crash') crashNextSync = true
              const answer = await run(store.createPod(pod(name)))
              if (answer !== undefined) known.set(name, { rv: Number(answer.value.metadata.resourceVersion), state: 'present' })
              if (step.op === 'crash') {
                crashNextSync = false
                await close(processes[step.by] as Opened)
                processes[step.by] = await open()
              }
            } else if (present.length > 0) {
              const name = present[step.pick % present.length] as string
              const entry = known.get(name) as Known
              if (step.op === 'update') {
                const answer = await run(store.updatePodStatus(key(name), { phase: 'Running', message: String(step.pick) }))
                if (answer !== undefined) entry.rv = Number(answer.value.metadata.resourceVersion)
              } else {
                entry.state = (await run(store.deletePod(key(name)))) === undefined ? 'unknown' : 'deleted'
              }
            }
          }
          await check()
          for (const line of [...failures, ...warnings]) expect(line).not.toContain('\n')
          for (const line of failures) {
            expect(line).toMatch(/^StoreUnavailable: /)
            expect(line).not.toMatch(/too many concurrent writers|corrupt|restore the directory/)
          }
        } finally {
          for (const opened of processes) await close(opened)
          another?.close()
          faults.restore()
          installed = undefined
          fs.rmSync(dir, { recursive: true, force: true })
        }
      }),
      { numRuns: 100 },
    )
  }, 300_000)
})
