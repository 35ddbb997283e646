/**
 * The file-backed `JobStore`: durable, crash-safe, and shared by every process that opens the
 * same directory (`jobctl`'s controller in one, `jobctl apply/get/delete` in others).
 *
 * ```ts
 * import * as FileStore from './adapters/stores/file/FileStore.js'
 * program.pipe(Effect.provide(FileStore.layer('./.jobctl')))
 * ```
 *
 * What each write does is decided by `store-kit` (the API server's rules, shared with the memory
 * store); this module adds where the result lives. The design, in the files that implement it:
 *
 * - `log.ts`: one append-only log per generation, shared by all processes without a lock: a
 *   record names the record it follows, and the first one appended after the head wins (a
 *   compare-and-swap on the log). One resourceVersion sequence for the whole store follows.
 * - `format.ts`: every line framed with its length and CRC-32, so that a torn write (a process
 *   killed mid-`write`) is told apart from damage, which is reported, never skipped.
 * - `snapshot.ts`, `compaction.ts`: when the log grows past `compactAfterBytes`, a `seal` record
 *   closes it, the sealing process writes the state at the seal to a snapshot (temporary file,
 *   fsync, rename, directory fsync) and old logs are retired.
 * - `watch.ts`: the background tail (`fs.watch` plus polling) that makes an idle process apply
 *   other processes' records; watches are store-kit's `WatchHub`, fed from the log, so they
 *   see every process's changes, in order.
 * - `directory.ts`, `faults.ts`: opening, creating, and one-line errors naming a path and a fix.
 *   A store this user can read but not write (a read-only mount, no write permission) opens
 *   read-only: reads work, and every write fails with one line saying the store is read-only.
 *
 * I/O errors: a write that fails, or stops short (`fs.writeSync` returns less: the rest failed),
 * fails the requests whose records did not make it into the log with one line; it is never
 * retried as if it had lost a race. A failed `fdatasync` fails the batch waiting for it (those
 * writes were not acknowledged). What such a write left in the log is a torn line, or, when the
 * rest of a short write landed after another process's append, a torn line and its rest, which
 * readers recognise (see `log.ts`); a torn or garbage end of the log is closed off when a store
 * is opened or written, with one warning line (`onWarning`). Acknowledged means fsynced: every
 * acknowledged record is a whole line, or a whole record missing only its newline, and is read.
 *
 * A write: catch up with the log, decide (store-kit), append the records in one `write`, read
 * them back to see that they won (else catch up and decide again), apply them to the in-memory
 * tables and watches, `fdatasync`, and only then answer. Writes that arrive in the same turn of
 * the event loop share one append and one fsync (group commit). The file-system steps are
 * synchronous, so a write is one step of the event loop, as in the memory store, and the store
 * behaves the same on effect's `TestClock`. Reads catch up with the log first (one `fstat` when
 * nothing changed), so a process reads what any other wrote before; a background tail
 * (`fs.watch` plus polling) feeds watches when this process is idle.
 *
 * For local file systems only (the lock-free append relies on `O_APPEND`; not NFS).
 */
import { randomBytes, randomUUID } from 'node:crypto'
import { Clock, Context, Effect, Either, Layer, Stream } from 'effect'
import type { Scope } from 'effect'
import type { CronJob } from '../../../core/index.js'
import type { Job, Pod } from '../../../core/model/types.js'
import { AlreadyExists, NotFound, StoreUnavailable } from '../../ports/errors.js'
import type { Gone } from '../../ports/errors.js'
import type { ResourceKind, TooLarge } from '../../ports/errors.js'
import { JobStore } from '../../ports/JobStore.js'
import { CronJobStore } from '../../ports/CronJobStore.js'
import type { CronJobStoreService } from '../../ports/CronJobStore.js'
import type { JobStoreService, ListOptions, ListResult, ObjectKey, StoredEvent } from '../../ports/JobStore.js'
import * as CronJobWrites from '../store-kit/cronJobWrites.js'
import { EventLog } from '../store-kit/eventLog.js'
import * as JobWrites from '../store-kit/jobWrites.js'
import { GENERATED_NAME_ATTEMPTS, generateName, prefixToGenerate } from '../store-kit/names.js'
import type { Write } from '../store-kit/objectMeta.js'
import { keyOf, manifestNames, put } from '../store-kit/objectMeta.js'
import { objectTooLarge, refusingLargeRequests, requestTarget, writeTooLarge } from '../store-kit/sizeLimits.js'
import { ObjectTable } from '../store-kit/objectTable.js'
import * as PodWrites from '../store-kit/podWrites.js'
import { frozenCopy } from '../store-kit/snapshot.js'
import * as WatchHub from '../store-kit/watchHub.js'
import { tidyAfterSnapshot } from './compaction.js'
import { findStart, openDirectory } from './directory.js'
import type { ReadOnlyReason } from './faults.js'
import { FellBehind, FileStoreFault, readOnlyStore, unavailable } from './faults.js'
import type { LogRecord, SealRecord } from './format.js'
import { frameLine, logFileName } from './format.js'
import { createExclusive } from './fsync.js'
import { SharedLog } from './log.js'
import type { SnapshotContent } from './snapshot.js'
import { writeSnapshot } from './snapshot.js'
import { LogFollower } from './watch.js'

/** Tuning of a file store. */
export interface FileStoreOptions {
  /** How many changes of each kind a watch can replay from a resourceVersion. Default 10 000. */
  readonly historySize?: number
  /** The size of the current log at which the next write compacts it. Default 64 MiB. */
  readonly compactAfterBytes?: number
  /**
   * How often an idle process looks for other processes' writes when `fs.watch` is silent.
   * Default 200 ms. While a watch is open, this timer keeps the Node.js process alive.
   */
  readonly pollIntervalMs?: number
  /**
   * Follow other processes' writes in the background (`fs.watch` and polling), so that watches
   * see them while this process is idle. Default `true`. Without it, the store catches up only
   * when it is called (enough for a one-shot command that never watches).
   */
  readonly follow?: boolean
  /**
   * Receives one line about damage the store repaired when it was opened or written (a torn or
   * garbage end of the log closed off). Default: the line on stderr, after `Warning: `.
   */
  readonly onWarning?: (line: string) => void
}

/** The default number of remembered changes per kind. */
export const DEFAULT_HISTORY_SIZE = 10_000
/** The default log size that triggers a compaction. */
export const DEFAULT_COMPACT_AFTER_BYTES = 64 * 1024 * 1024
/** The default polling interval of the background tail. */
export const DEFAULT_POLL_INTERVAL_MS = 200

/** How long damage at the same place must stay before a process gives up on the store. */
const DAMAGE_SETTLES_MS = 1_000

/** How many times a batch is decided again after losing the race to other processes. */
const MAX_ATTEMPTS = 1_000

type Stored = Job | Pod | CronJob
type KindName = 'Job' | 'Pod' | 'CronJob'

/** Both ports of one file store: Jobs, Pods and Events, and CronJobs. */
export type FileStoreService = JobStoreService & CronJobStoreService

/** What a request decided, against the state as of its turn in the batch. */
type Decision =
  | { readonly _tag: 'Fail'; readonly error: unknown }
  | { readonly _tag: 'Done'; readonly value: unknown }
  | { readonly _tag: 'Object'; readonly kind: KindName; readonly write: Write<Stored> }
  | { readonly _tag: 'Event'; readonly event: StoredEvent; readonly nowMs: number }

/** Reads the stored objects as the batch has changed them so far. */
interface View {
  readonly get: (kind: KindName, namespace: string, name: string) => Stored | undefined
}

interface Request {
  readonly decide: (view: View) => Decision
  readonly resume: (result: Effect.Effect<unknown, unknown>) => void
  cancelled: boolean
}

interface State {
  readonly jobs: ObjectTable<Job>
  readonly pods: ObjectTable<Pod>
  readonly cronJobs: ObjectTable<CronJob>
  readonly events: EventLog
}

/** The table of one kind. */
function tableOf(state: State, kind: KindName): ObjectTable<Stored> {
  switch (kind) {
    case 'Job':
      return state.jobs as ObjectTable<Stored>
    case 'Pod':
      return state.pods as ObjectTable<Stored>
    case 'CronJob':
      return state.cronJobs as ObjectTable<Stored>
  }
}

function stateFrom(snapshot: SnapshotContent | undefined): State {
  const state: State = { jobs: new ObjectTable(), pods: new ObjectTable(), cronJobs: new ObjectTable(), events: new EventLog() }
  if (snapshot === undefined) return state
  for (const job of snapshot.jobs) state.jobs.put(frozenCopy(job))
  for (const pod of snapshot.pods) state.pods.put(frozenCopy(pod))
  for (const cronJob of snapshot.cronJobs ?? []) state.cronJobs.put(frozenCopy(cronJob))
  for (const { event, lastMs } of snapshot.events) state.events.restore(event, lastMs)
  return state
}

/**
 * A file store on `dir` for the life of the scope. Fails with `StoreUnavailable` (one line
 * naming the path and what to do) when the directory cannot be used.
 */
export function make(dir: string, options: FileStoreOptions = {}): Effect.Effect<FileStoreService, StoreUnavailable, Scope.Scope> {
  return Effect.gen(function* () {
    let engine: Engine | undefined
    const currentVersion = (): number => engine?.version ?? 0
    const historySize = options.historySize ?? DEFAULT_HISTORY_SIZE
    const jobHub = yield* WatchHub.make<Job, StoreUnavailable>(historySize, currentVersion)
    const podHub = yield* WatchHub.make<Pod, StoreUnavailable>(historySize, currentVersion)
    const cronJobHub = yield* WatchHub.make<CronJob, StoreUnavailable>(historySize, currentVersion)
    engine = yield* Effect.acquireRelease(
      Effect.try({ try: () => new Engine(dir, options, { Job: jobHub, Pod: podHub, CronJob: cronJobHub }), catch: unavailable }),
      (opened) => Effect.sync(() => opened.close()),
    )
    return engine.service
  })
}

/**
 * `JobStore` and `CronJobStore` backed by the directory `dir` (created, owner-only, when only
 * its last component is missing).
 */
export const layer = (dir: string, options: FileStoreOptions = {}): Layer.Layer<JobStore | CronJobStore, StoreUnavailable> =>
  Layer.scopedContext(Effect.map(make(dir, options), (service) => Context.make(JobStore, service).pipe(Context.add(CronJobStore, service))))

/** The watch hub of every kind. */
interface Hubs {
  readonly Job: WatchHub.WatchHub<Job, StoreUnavailable>
  readonly Pod: WatchHub.WatchHub<Pod, StoreUnavailable>
  readonly CronJob: WatchHub.WatchHub<CronJob, StoreUnavailable>
}

/** The synchronous heart of a file store in one process. */
class Engine {
  readonly dir: string
  readonly service: FileStoreService
  private log: SharedLog
  private state: State
  /** Names this store's records (`<writerId>.<sequence>`): unique among all processes. */
  private readonly writerId = randomBytes(6).toString('hex')
  private readonly ownPrefix = `${this.writerId}.`
  private sequence = 0
  private queue: Request[] = []
  private flushScheduled = false
  private tailScheduled = false
  private closed = false
  /** Set once damage is found for good: every operation fails with it from then on. */
  private broken: StoreUnavailable | undefined
  /** Damage seen once (its message, and when): final when it is still there a while later. */
  private damageSeen: { readonly message: string; readonly atMs: number } | undefined
  /** Ids of this process's records seen accepted while catching up after a lost race. */
  private readonly acceptedOwn = new Set<string>()
  private retiredUpTo = 0
  private readonly compactAfterBytes: number
  /** Wakes this process for other processes' writes; absent when the store does not follow. */
  private readonly follower: LogFollower | undefined
  /** Why the store cannot be written here (read-only mount, no permission), if it cannot. */
  private readonly readOnly: ReadOnlyReason | undefined
  private readonly warn: (line: string) => void

  constructor(
    dir: string,
    options: FileStoreOptions,
    private readonly hubs: Hubs,
  ) {
    const opened = openDirectory(dir)
    this.dir = opened.dir
    this.readOnly = opened.readOnly
    this.warn = options.onWarning ?? ((line) => process.stderr.write(`Warning: ${line}\n`))
    this.compactAfterBytes = options.compactAfterBytes ?? DEFAULT_COMPACT_AFTER_BYTES
    const loaded = this.load()
    this.log = loaded.log
    this.state = loaded.state
    this.service = this.makeService()
    this.follower =
      options.follow === false ? undefined : new LogFollower(this.dir, options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS, () => this.scheduleTail())
  }

  /** The store's resourceVersion as this process knows it. */
  get version(): number {
    return this.log.rv
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    this.follower?.close()
    this.log.close()
    const pending = this.queue
    this.queue = []
    for (const request of pending) request.resume(Effect.fail(new StoreUnavailable({ reason: `the file store ${this.dir} was closed` })))
  }

  // ---- reading the log ----

  /**
   * The state from the newest snapshot and every accepted record after it. The watches start
   * over at the snapshot (open ones end with `Gone`). A snapshot or log compacted away while
   * being read makes it start again.
   */
  private load(): { log: SharedLog; state: State } {
    for (let attempt = 0; ; attempt++) {
      const start = findStart(this.dir)
      if (start === undefined) {
        if (attempt >= 100) throw new FileStoreFault(`the file store ${this.dir} keeps changing while it is opened: try again`)
        continue
      }
      const log = new SharedLog(this.dir, start.position, { warn: this.warn, ...(this.readOnly === undefined ? {} : { readOnly: this.readOnly }) })
      const state = stateFrom(start.snapshot)
      this.hubs.Job.reset(start.position.rv)
      this.hubs.Pod.reset(start.position.rv)
      this.hubs.CronJob.reset(start.position.rv)
      try {
        const apply = (record: LogRecord): void => this.applyTo(state, log, record)
        log.catchUp(apply)
        // A torn or garbage end left by a writer that was killed or failed is closed off now.
        const repaired = log.closeOffTail(apply)
        if (repaired !== undefined) this.warn(repaired)
        return { log, state }
      } catch (error) {
        log.close()
        if (!(error instanceof FellBehind) || attempt >= 100) throw error
      }
    }
  }

  /** Applies what other processes appended since the last look; throws a fault. */
  private refresh(): void {
    if (this.broken !== undefined) throw this.broken
    if (this.closed) throw new StoreUnavailable({ reason: `the file store ${this.dir} was closed` })
    try {
      this.log.catchUp((record) => this.applyTo(this.state, this.log, record))
    } catch (error) {
      if (error instanceof FellBehind) {
        this.log.close()
        const loaded = this.load()
        this.log = loaded.log
        this.state = loaded.state
        return
      }
      if (error instanceof FileStoreFault && error.damaged) {
        // A damaged line may be what a writer kept of its own write, which it fences off at once
        // (see log.ts): the call fails, but only damage still there a second later is final.
        const nowMs = Date.now()
        if (this.damageSeen?.message !== error.message) this.damageSeen = { message: error.message, atMs: nowMs }
        else if (nowMs - this.damageSeen.atMs >= DAMAGE_SETTLES_MS) {
          this.broken = unavailable(error)
          this.hubs.Job.fail(this.broken)
          this.hubs.Pod.fail(this.broken)
          this.hubs.CronJob.fail(this.broken)
        }
      }
      throw error
    }
  }

  /** Applies one accepted record: tables, events, watches; a won seal also writes the snapshot. */
  private applyTo(state: State, log: SharedLog, record: LogRecord): void {
    if (record.id.startsWith(this.ownPrefix)) this.acceptedOwn.add(record.id)
    switch (record.t) {
      case 'put':
      case 'del': {
        const object = frozenCopy(record.o)
        const namespace = object.metadata.namespace ?? ''
        const name = object.metadata.name ?? ''
        const table = tableOf(state, record.k)
        const existed = table.get(namespace, name) !== undefined
        if (record.t === 'del') table.remove(namespace, name)
        else table.put(object)
        const hub = this.hubs[record.k] as WatchHub.WatchHub<Stored, StoreUnavailable>
        hub.publish({ resourceVersion: record.rv, object, type: record.t === 'del' ? 'Deleted' : existed ? 'Modified' : 'Added' })
        return
      }
      case 'event':
        // A record of an older version holds the occurrence, not the event as it is now.
        if ('name' in record.e) state.events.put(record.e, record.ms)
        else state.events.recordUnnamed(record.e, record.ms)
        return
      case 'seal':
        if (record.id.startsWith(this.ownPrefix)) this.snapshotAtSeal(state, log, record)
        return
    }
  }

  /**
   * Our seal won: the state now is the state at the seal. Written before anything after the
   * seal is applied; best effort (without it, the next compaction writes a later one).
   */
  private snapshotAtSeal(state: State, log: SharedLog, seal: SealRecord): void {
    try {
      log.sync() // the seal is durable before a snapshot names it
      writeSnapshot(this.dir, {
        generation: seal.next,
        rv: log.rv,
        head: seal.id,
        jobs: state.jobs.list(),
        pods: state.pods.list(),
        cronJobs: state.cronJobs.list(),
        events: state.events.entries(),
      })
      this.retiredUpTo = tidyAfterSnapshot(this.dir, seal.next, this.retiredUpTo, Date.now())
    } catch {
      // the log stays whole; compaction is only an optimisation
    }
  }

  private scheduleTail(): void {
    if (this.tailScheduled || this.closed) return
    this.tailScheduled = true
    setImmediate(() => {
      this.tailScheduled = false
      if (this.closed) return
      try {
        this.refresh()
      } catch {
        // damage is recorded by refresh and reported to every caller; anything else is retried
      }
    })
  }

  // ---- writing ----

  private submit<A, E>(decide: (view: View) => Decision): Effect.Effect<A, E | StoreUnavailable> {
    return Effect.async<A, E | StoreUnavailable>((resume) => {
      const request: Request = { decide, resume: (result) => resume(result as Effect.Effect<A, E | StoreUnavailable>), cancelled: false }
      this.queue.push(request)
      this.scheduleFlush()
      return Effect.sync(() => {
        request.cancelled = true
      })
    })
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return
    this.flushScheduled = true
    setImmediate(() => this.flush())
  }

  /** Commits every queued request as one batch, then answers them all. */
  private flush(): void {
    this.flushScheduled = false
    const batch = this.queue.filter((request) => !request.cancelled)
    this.queue = []
    if (batch.length === 0) return
    let results: ReadonlyArray<Effect.Effect<unknown, unknown>>
    try {
      const readOnly = this.readOnly ?? this.log.readOnly
      if (readOnly !== undefined) throw readOnlyStore(this.dir, readOnly)
      results = this.commit(batch)
      this.log.sync()
    } catch (error) {
      const failure = Effect.fail(unavailable(error))
      results = batch.map(() => failure)
    }
    batch.forEach((request, i) => request.resume(results[i] as Effect.Effect<unknown, unknown>))
    if (this.log.size >= this.compactAfterBytes && this.readOnly === undefined && this.log.readOnly === undefined) this.compact()
  }

  /**
   * Decides the batch against the latest state, appends its records, and repeats until they
   * win. Returns each request's answer (in order).
   */
  private commit(batch: ReadonlyArray<Request>): Array<Effect.Effect<unknown, unknown>> {
    const results: Array<Effect.Effect<unknown, unknown>> = new Array(batch.length)
    let pending = batch.map((request, index) => ({ request, index }))
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt >= MAX_ATTEMPTS) throw new FileStoreFault(`too many concurrent writers on the file store ${this.dir}: gave up after ${MAX_ATTEMPTS} attempts`)
      this.refresh()
      const overlay = new Map<string, Stored | null>()
      const view: View = {
        get: (kind, namespace, name) => {
          const changed = overlay.get(`${kind}/${namespace}/${name}`)
          if (changed !== undefined) return changed ?? undefined
          return tableOf(this.state, kind).get(namespace, name)
        },
      }
      const records: LogRecord[] = []
      /** Per pending request: its answer, and the id of its record if it wrote one. */
      const answers: Array<{ readonly result: Effect.Effect<unknown, unknown>; readonly id?: string }> = []
      let rv = this.log.rv
      let prev = this.log.head
      for (const { request } of pending) {
        const decision = request.decide(view)
        switch (decision._tag) {
          case 'Fail':
            answers.push({ result: Effect.fail(decision.error) })
            break
          case 'Done':
            answers.push({ result: Effect.succeed(decision.value) })
            break
          case 'Object': {
            rv += 1
            const written = decision.write.object
            const object = frozenCopy({ ...written, metadata: { ...written.metadata, resourceVersion: String(rv) } })
            const id = this.nextId()
            const remove = decision.write._tag === 'Remove'
            records.push({ t: remove ? 'del' : 'put', id, prev, rv, k: decision.kind, o: object })
            prev = id
            overlay.set(`${decision.kind}/${object.metadata.namespace ?? ''}/${object.metadata.name ?? ''}`, remove ? null : object)
            answers.push({ result: Effect.succeed(object), id })
            break
          }
          case 'Event': {
            rv += 1
            const id = this.nextId()
            records.push({ t: 'event', id, prev, rv, e: decision.event, ms: decision.nowMs })
            prev = id
            answers.push({ result: Effect.succeed(decision.event), id })
            break
          }
        }
      }
      if (records.length === 0) {
        pending.forEach(({ index }, i) => (results[index] = (answers[i] as { readonly result: Effect.Effect<unknown, unknown> }).result))
        return results
      }
      const data = Buffer.from(`\n${records.map(frameLine).join('')}`, 'utf8')
      this.acceptedOwn.clear()
      const apply = (record: LogRecord): void => this.applyTo(this.state, this.log, record)
      const outcome = this.log.append(data, records, apply)
      if (outcome._tag !== 'Won') this.refresh() // lost the race, or failed part-way: see what won
      // Answers stand up to the last record of ours that was accepted (all of them, or none
      // unless a write was cut short); the rest are decided again against the new state, or
      // fail with the write's error (never retried as if they had lost a race).
      let standing = 0
      answers.forEach((answer, i) => {
        if (answer.id !== undefined && this.acceptedOwn.has(answer.id)) standing = i + 1
      })
      if (answers.every((answer) => answer.id === undefined || this.acceptedOwn.has(answer.id))) standing = answers.length
      for (let i = 0; i < standing; i++) results[(pending[i] as { readonly index: number }).index] = (answers[i] as { readonly result: Effect.Effect<unknown, unknown> }).result
      pending = pending.slice(standing)
      if (outcome._tag === 'Failed') {
        const failure = Effect.fail(unavailable(outcome.fault))
        for (const { index } of pending) results[index] = failure
        return results
      }
    }
    return results
  }

  private nextId(): string {
    this.sequence += 1
    return `${this.writerId}.${this.sequence.toString(36)}`
  }

  /**
   * Seals the current log (if nobody did meanwhile): creates the next log first, so that whoever
   * follows the seal finds it, then appends the seal; if it wins, applying it writes the
   * snapshot. Best effort: on any failure the log just keeps growing.
   */
  private compact(): void {
    try {
      for (let attempt = 0; attempt < 100; attempt++) {
        this.refresh()
        if (this.log.size < this.compactAfterBytes) return
        const generation = this.log.generation
        createExclusive(this.dir, logFileName(generation + 1))
        this.refresh()
        if (this.log.generation !== generation) return
        const seal: SealRecord = { t: 'seal', id: this.nextId(), prev: this.log.head, next: generation + 1 }
        const apply = (record: LogRecord): void => this.applyTo(this.state, this.log, record)
        const outcome = this.log.append(Buffer.from(`\n${frameLine(seal)}`, 'utf8'), [seal], apply)
        if (outcome._tag === 'Won' || outcome._tag === 'Failed') return
        this.refresh()
        if (this.log.generation !== generation) return
      }
    } catch {
      // the next write tries again
    }
  }

  // ---- the port ----

  private makeService(): FileStoreService {
    const read = <A>(f: (state: State) => A): Effect.Effect<A, StoreUnavailable> =>
      Effect.suspend(() => {
        try {
          this.refresh()
          return Effect.succeed(f(this.state))
        } catch (error) {
          return Effect.fail(unavailable(error))
        }
      })

    const notFound = (kind: ResourceKind, key: ObjectKey): NotFound => new NotFound({ kind, namespace: key.namespace, name: key.name })

    const get = <A extends Stored>(kind: KindName, key: ObjectKey): Effect.Effect<A, NotFound | StoreUnavailable> =>
      Effect.flatMap(
        read((state) => tableOf(state, kind).get(key.namespace, key.name)),
        (object) => (object === undefined ? Effect.fail(notFound(kind, key)) : Effect.succeed(object as A)),
      )

    const list = <A extends Stored>(kind: KindName, options: ListOptions | undefined): Effect.Effect<ListResult<A>, StoreUnavailable> =>
      read((state) => {
        const table = tableOf(state, kind) as ObjectTable<A>
        return { items: table.list(options?.namespace, options?.labelSelector), resourceVersion: String(this.log.rv) }
      })

    /** Reads the stored object as of the batch, decides the write with `decide`. */
    const modify = <A extends Stored, E>(
      kind: KindName,
      key: ObjectKey,
      decide: (stored: A, nowMs: number) => Either.Either<Write<A>, E>,
    ): Effect.Effect<A, NotFound | E | TooLarge | StoreUnavailable> =>
      Effect.flatMap(Clock.currentTimeMillis, (nowMs) =>
        this.submit<A, NotFound | E | TooLarge>((view): Decision => {
          const stored = view.get(kind, key.namespace, key.name) as A | undefined
          if (stored === undefined) return { _tag: 'Fail', error: notFound(kind, key) }
          const decided = decide(stored, nowMs)
          if (Either.isLeft(decided)) return { _tag: 'Fail', error: decided.left }
          const write = decided.right
          const tooLarge = writeTooLarge(kind, write)
          if (tooLarge !== undefined) return { _tag: 'Fail', error: tooLarge }
          return write._tag === 'Unchanged' ? { _tag: 'Done', value: write.object } : { _tag: 'Object', kind, write }
        }),
      )

    const modifyJob = <E>(key: ObjectKey, decide: (stored: Job, nowMs: number) => Either.Either<Write<Job>, E>) => modify('Job', key, decide)
    const modifyPod = <E>(key: ObjectKey, decide: (stored: Pod, nowMs: number) => Either.Either<Write<Pod>, E>) => modify('Pod', key, decide)
    const modifyCronJob = <E>(key: ObjectKey, decide: (stored: CronJob, nowMs: number) => Either.Either<Write<CronJob>, E>) =>
      modify('CronJob', key, decide)

    /**
     * Stores the object `create` makes, unless one with its name exists. With a `prefix` (the
     * object's `generateName`), a taken generated name is drawn again (8 attempts in all).
     */
    const insert = <A extends Stored, E>(
      kind: KindName,
      prefix: string | undefined,
      create: (generatedName: string | undefined, nowMs: number) => Either.Either<A, E>,
    ): Effect.Effect<A, AlreadyExists | E | TooLarge | StoreUnavailable> => {
      const attempt = Effect.gen(this, function* () {
        const generatedName = prefix === undefined ? undefined : yield* generateName(prefix)
        const nowMs = yield* Clock.currentTimeMillis
        return yield* this.submit<A, AlreadyExists | E | TooLarge>((view): Decision => {
          const created = create(generatedName, nowMs)
          if (Either.isLeft(created)) return { _tag: 'Fail', error: created.left }
          const object = created.right
          const tooLarge = objectTooLarge(kind, object)
          if (tooLarge !== undefined) return { _tag: 'Fail', error: tooLarge }
          const namespace = object.metadata.namespace ?? ''
          const name = object.metadata.name ?? ''
          if (view.get(kind, namespace, name) !== undefined) return { _tag: 'Fail', error: new AlreadyExists({ kind, namespace, name }) }
          return { _tag: 'Object', kind, write: put<Stored>(object) }
        })
      })
      if (prefix === undefined) return attempt
      return Effect.retry(attempt, {
        times: GENERATED_NAME_ATTEMPTS - 1,
        while: (error: AlreadyExists | E | TooLarge | StoreUnavailable) => error instanceof AlreadyExists,
      })
    }

    const refreshEffect: Effect.Effect<void, StoreUnavailable> = read(() => undefined)

    /** While a watch is open, the background tail keeps the process alive (it waits for others' writes). */
    const watching = <A>(stream: Stream.Stream<A, Gone | StoreUnavailable>): Stream.Stream<A, Gone | StoreUnavailable> =>
      this.follower?.keepingAlive(stream) ?? stream

    return {
      getJob: (key) => get<Job>('Job', key),
      listJobs: (options) => list<Job>('Job', options),
      createJob: (manifest) =>
        refusingLargeRequests(
          requestTarget('Job', manifest),
          manifest,
          insert('Job', prefixToGenerate(manifestNames(manifest)), (name, nowMs) => JobWrites.createJob(manifest, { name, uid: randomUUID(), nowMs })),
        ),
      updateJob: (job) =>
        refusingLargeRequests(requestTarget('Job', job), job, modifyJob(keyOf(job.metadata), (stored) => JobWrites.updateJob(stored, job))),
      updateJobStatus: (key, status, resourceVersion) =>
        refusingLargeRequests(requestTarget('Job', status, key), status, modifyJob(key, (stored) => JobWrites.updateJobStatus(stored, status, resourceVersion))),
      removeJobFinalizer: (key, finalizer) =>
        Effect.asVoid(modifyJob(key, (stored) => Either.right(JobWrites.removeJobFinalizer(stored, finalizer)))),
      deleteJob: (key, options) => Effect.asVoid(modifyJob(key, (stored, nowMs) => JobWrites.deleteJob(stored, options, nowMs))),
      watchJobs: (options) => watching(this.hubs.Job.watch(options, refreshEffect)),

      getPod: (key) => get<Pod>('Pod', key),
      listPods: (options) => list<Pod>('Pod', options),
      createPod: (pod) =>
        refusingLargeRequests(
          requestTarget('Pod', pod),
          pod,
          insert('Pod', prefixToGenerate(pod.metadata), (name, nowMs) => PodWrites.createPod(pod, { name: name ?? pod.metadata.name, uid: randomUUID(), nowMs })),
        ),
      patchPodMetadata: (key, patch) => modifyPod(key, (stored) => PodWrites.patchPodMetadata(stored, patch)),
      bindPod: (key, nodeName) => modifyPod(key, (stored, nowMs) => PodWrites.bindPod(stored, nodeName, nowMs)),
      updatePodStatus: (key, status, resourceVersion) =>
        refusingLargeRequests(requestTarget('Pod', status, key), status, modifyPod(key, (stored) => PodWrites.updatePodStatus(stored, status, resourceVersion))),
      deletePod: (key, options) => Effect.asVoid(modifyPod(key, (stored, nowMs) => PodWrites.deletePod(stored, options, nowMs))),
      watchPods: (options) => watching(this.hubs.Pod.watch(options, refreshEffect)),

      // The event as it is after the write goes in the log, so a replay needs no decision.
      createEvent: (event) =>
        Effect.flatMap(Clock.currentTimeMillis, (nowMs) =>
          this.submit<StoredEvent, never>((): Decision => ({ _tag: 'Event', event: this.state.events.named(event, nowMs), nowMs })),
        ),
      patchEvent: (key, update) =>
        Effect.flatMap(Clock.currentTimeMillis, (nowMs) =>
          this.submit<StoredEvent, NotFound>((): Decision => {
            const patched = this.state.events.patched(key.namespace, key.name, update, nowMs)
            if (patched === undefined) return { _tag: 'Fail', error: notFound('Event', key) }
            return { _tag: 'Event', event: patched, nowMs }
          }),
        ),
      listEvents: (options) => read((state) => state.events.list(options.namespace, options.involvedObjectName)),

      getCronJob: (key) => get<CronJob>('CronJob', key),
      listCronJobs: (options) => list<CronJob>('CronJob', options),
      createCronJob: (manifest) =>
        insert('CronJob', prefixToGenerate(manifestNames(manifest)), (name, nowMs) =>
          CronJobWrites.createCronJob(manifest, { name, uid: randomUUID(), nowMs }),
        ),
      updateCronJob: (cronJob) => modifyCronJob(keyOf(cronJob.metadata), (stored) => CronJobWrites.updateCronJob(stored, cronJob)),
      updateCronJobStatus: (key, status, resourceVersion) =>
        modifyCronJob(key, (stored) => CronJobWrites.updateCronJobStatus(stored, status, resourceVersion)),
      removeCronJobFinalizer: (key, finalizer) =>
        Effect.asVoid(modifyCronJob(key, (stored) => Either.right(CronJobWrites.removeCronJobFinalizer(stored, finalizer)))),
      deleteCronJob: (key, options) =>
        Effect.asVoid(modifyCronJob(key, (stored, nowMs) => CronJobWrites.deleteCronJob(stored, options, nowMs))),
      watchCronJobs: (options) => watching(this.hubs.CronJob.watch(options, refreshEffect)),
    }
  }
}

/** The `metadata` of an undecoded manifest, when it has names to read. */
