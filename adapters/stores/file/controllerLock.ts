/**
 * One Job controller per file store. Two controllers on one store each run every Job, and
 * their pod runtimes declare each other's pods lost; so `jobctl controller` holds
 * `DIR/controller.lock` for as long as it runs, and a second one waits for it.
 *
 * The lock is the kernel's lock on the open file (an fcntl open-file-description lock on Linux,
 * flock on macOS, through `fs-native-extensions`), not a heartbeat: it dies with its process, so
 * a SIGKILLed holder frees the store at once and a holder whose event loop is busy never loses
 * it. A holder writes who it is into the file (`{"pid":…,"host":"…","since":"…"}`) once it holds
 * the lock, and empties it when it lets go; the file of a holder that was killed still names it,
 * but its lock is free, which `readControllerLock` tells apart.
 *
 * Removing the file while a controller holds it would let a second controller lock a new file
 * of the same name: the holder looks every few seconds and stops with `ControllerLockLost`
 * (as a leader whose Lease was taken, see `kubernetes/leaderElection.ts`).
 */
import { Data, Duration, Effect } from 'effect'
import type { Scope } from 'effect'
import * as fs from 'node:fs'
import { createRequire } from 'node:module'
import { hostname } from 'node:os'
import * as path from 'node:path'
import { StoreUnavailable } from '../../ports/errors.js'
import { ioFault, unavailable } from './faults.js'
import { FILE_MODE, errnoOf, readAt } from './fsync.js'

/** The lock's file name in the store directory. */
export const CONTROLLER_LOCK_FILE = 'controller.lock'

/** How often a waiting controller tries again, and a holder checks that its file is still there. */
export const DEFAULT_RETRY_PERIOD: Duration.Duration = Duration.seconds(1)

/** Who holds (or last held) the lock, as its file says. */
export interface ControllerHolder {
  readonly pid: number
  readonly host: string
  /** RFC 3339: when it took the lock. */
  readonly since: string
}

/** What `readControllerLock` finds. */
export type LockState =
  /** A live process holds the lock; `holder` is undefined while it has not written its name yet. */
  | { readonly _tag: 'Held'; readonly holder: ControllerHolder | undefined }
  /** Nobody holds it; `last` is a holder that was killed before it could empty the file. */
  | { readonly _tag: 'Free'; readonly last: ControllerHolder | undefined }

/** The holder's file was removed or replaced while it held the lock: another controller may hold the new one. */
export class ControllerLockLost extends Data.TaggedError('ControllerLockLost')<{ readonly file: string }> {
  override get message(): string {
    return `controller lock lost: ${this.file} was removed or replaced while this controller held it; another controller may run on the store now`
  }
}

/** `pid 4242 on build-7 since 2026-12-03T14:00:00.000Z`. */
export function describeHolder(holder: ControllerHolder | undefined): string {
  return holder === undefined ? 'a process that has not written its name yet' : `pid ${holder.pid} on ${holder.host} since ${holder.since}`
}

/** The lock of the store in `dir`. */
export const controllerLockFile = (dir: string): string => path.join(path.resolve(dir), CONTROLLER_LOCK_FILE)

/** Tuning and reporting of `holdControllerLock`. */
export interface HoldOptions<E = never> {
  /** Told once, when the lock is found held by another process (with its name, once written); failing gives up waiting. */
  readonly onWaiting?: (holder: ControllerHolder | undefined) => Effect.Effect<void, E>
  /** Default 1 s. */
  readonly retryPeriod?: Duration.DurationInput
}

/** The lock, held for the life of the scope. */
export interface HeldLock {
  readonly file: string
  readonly holder: ControllerHolder
  /** Fails once the lock file was removed or replaced; never succeeds. */
  readonly lost: Effect.Effect<never, ControllerLockLost | StoreUnavailable>
}

/**
 * Waits until this process holds the store's controller lock (trying every retry period,
 * interruptibly), writes its name into the file, and lets go when the scope closes.
 */
export function holdControllerLock<E = never>(dir: string, options: HoldOptions<E> = {}): Effect.Effect<HeldLock, StoreUnavailable | E, Scope.Scope> {
  const file = controllerLockFile(dir)
  const retryPeriod = Duration.decode(options.retryPeriod ?? DEFAULT_RETRY_PERIOD)
  const onWaiting = options.onWaiting ?? (() => Effect.void)
  return Effect.gen(function* () {
    const locks = yield* nativeLocks(file)
    let announced = false
    let refusals = 0
    for (;;) {
      // One step: a lock taken is released with the scope even if an interruption follows at once.
      const attempt = yield* Effect.uninterruptible(
        Effect.flatMap(
          Effect.try({ try: (): Attempt => tryToHold(locks, file), catch: unavailable }),
          (outcome): Effect.Effect<Attempt, never, Scope.Scope> =>
            outcome._tag === 'Holding' ? Effect.as(Effect.addFinalizer(() => Effect.sync(() => letGo(outcome.fd))), outcome) : Effect.succeed(outcome),
        ),
      )
      if (attempt._tag === 'Holding') {
        const { fd, holder } = attempt
        return { file, holder, lost: untilReplaced(file, fd, retryPeriod) }
      }
      // A holder writes its name just after it takes the lock: look once more before saying it has none.
      refusals += 1
      if (!announced && (attempt.holder !== undefined || refusals > 1)) {
        announced = true
        yield* onWaiting(attempt.holder)
      }
      yield* Effect.sleep(retryPeriod)
    }
  })
}

/** Who holds the store's controller lock, if anyone: the lock itself says whether its holder lives. */
export function readControllerLock(dir: string): Effect.Effect<LockState, StoreUnavailable> {
  const file = controllerLockFile(dir)
  return Effect.flatMap(nativeLocks(file), (locks) =>
    Effect.try({
      try: (): LockState => {
        let fd: number
        try {
          fd = fs.openSync(file, fs.constants.O_RDONLY | NOFOLLOW)
        } catch (error) {
          if (errnoOf(error) === 'ENOENT') return { _tag: 'Free', last: undefined }
          throw ioFault('open', file, error)
        }
        try {
          const recorded = readHolder(fd)
          // A shared lock is refused only while a controller holds the exclusive one.
          if (!locks.tryLock(fd, { shared: true })) return { _tag: 'Held', holder: recorded }
          locks.unlock(fd)
          return { _tag: 'Free', last: recorded }
        } finally {
          fs.closeSync(fd)
        }
      },
      catch: unavailable,
    }),
  )
}

// ---------------------------------------------------------------------------------------

const NOFOLLOW = fs.constants.O_NOFOLLOW ?? 0

/** The two calls of `fs-native-extensions` this module uses. */
interface NativeLocks {
  /** A non-blocking lock of the whole file; false when another open file holds a conflicting one. */
  readonly tryLock: (fd: number, options?: { readonly shared?: boolean }) => boolean
  readonly unlock: (fd: number) => void
}

let loaded: NativeLocks | undefined

/**
 * Loads the native module at run time through Node's own `require`, so that a bundle of this
 * module (bin/jobctl.js) leaves it in node_modules with its prebuilt binaries.
 */
function nativeLocks(file: string): Effect.Effect<NativeLocks, StoreUnavailable> {
  return Effect.try({
    try: () => {
      if (loaded !== undefined) return loaded
      const load = createRequire(import.meta.url)
      const module: unknown = load(NATIVE_MODULE)
      if (!isNativeLocks(module)) throw new Error(`${NATIVE_MODULE} has no tryLock/unlock`)
      loaded = module
      return module
    },
    catch: (error) =>
      new StoreUnavailable({
        reason: `cannot lock ${file}: the native module ${NATIVE_MODULE} does not load on this machine (${error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error)}): run npm ci`,
      }),
  })
}

const NATIVE_MODULE = 'fs-native-extensions'

function isNativeLocks(value: unknown): value is NativeLocks {
  if (typeof value !== 'object' || value === null) return false
  const candidate = value as { readonly tryLock?: unknown; readonly unlock?: unknown }
  return typeof candidate.tryLock === 'function' && typeof candidate.unlock === 'function'
}

type Attempt = { readonly _tag: 'Holding'; readonly fd: number; readonly holder: ControllerHolder } | { readonly _tag: 'HeldByAnother'; readonly holder: ControllerHolder | undefined }

/** One attempt: open (creating) the file, lock it without waiting, and on success write this process's name. */
function tryToHold(locks: NativeLocks, file: string): Attempt {
  for (;;) {
    let fd: number
    try {
      fd = fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_CREAT | NOFOLLOW, FILE_MODE)
    } catch (error) {
      throw ioFault('open', file, error)
    }
    try {
      if (!locks.tryLock(fd)) {
        const holder = readHolder(fd)
        fs.closeSync(fd)
        return { _tag: 'HeldByAnother', holder }
      }
      // Removed (and perhaps created anew) between our open and our lock: lock the file the name names now.
      if (!namesFile(file, fd)) {
        fs.closeSync(fd)
        continue
      }
      const holder: ControllerHolder = { pid: process.pid, host: hostname(), since: new Date().toISOString() }
      writeHolder(fd, holder)
      return { _tag: 'Holding', fd, holder }
    } catch (error) {
      closeQuietly(fd)
      throw ioFault('lock', file, error)
    }
  }
}

/** Empties the file (nobody holds it now) and closes it, which releases the lock. */
function letGo(fd: number): void {
  try {
    fs.ftruncateSync(fd, 0)
  } catch {
    // Closing releases the lock all the same; the file then names a holder that is gone.
  }
  closeQuietly(fd)
}

/** Fails once `file` no longer names the open file `fd`. */
function untilReplaced(file: string, fd: number, period: Duration.Duration): Effect.Effect<never, ControllerLockLost | StoreUnavailable> {
  return Effect.gen(function* () {
    for (;;) {
      yield* Effect.sleep(period)
      const same = yield* Effect.try({ try: () => namesFile(file, fd), catch: unavailable })
      if (!same) return yield* Effect.fail(new ControllerLockLost({ file }))
    }
  })
}

function namesFile(file: string, fd: number): boolean {
  let named: fs.Stats
  try {
    named = fs.lstatSync(file)
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return false
    throw error
  }
  const open = fs.fstatSync(fd)
  return named.ino === open.ino && named.dev === open.dev
}

/** Whole, then cut to length: a reader sees the old name or the new one, never an empty file in between. */
function writeHolder(fd: number, holder: ControllerHolder): void {
  const text = Buffer.from(`${JSON.stringify(holder)}\n`, 'utf8')
  let offset = 0
  while (offset < text.length) offset += fs.writeSync(fd, text, offset, text.length - offset, offset)
  fs.ftruncateSync(fd, text.length)
}

/** The holder the file names; `undefined` when it is empty or not a holder's record. */
function readHolder(fd: number): ControllerHolder | undefined {
  const size = fs.fstatSync(fd).size
  if (size === 0 || size > 4096) return undefined
  let parsed: unknown
  try {
    parsed = JSON.parse(readAt(fd, 0, size).toString('utf8'))
  } catch {
    return undefined
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined
  const { pid, host, since } = parsed as { readonly pid?: unknown; readonly host?: unknown; readonly since?: unknown }
  return typeof pid === 'number' && typeof host === 'string' && typeof since === 'string' ? { pid, host, since } : undefined
}

function closeQuietly(fd: number): void {
  try {
    fs.closeSync(fd)
  } catch {
    // Already closed.
  }
}
