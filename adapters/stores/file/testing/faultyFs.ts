/**
 * Fault injection at the `fs` boundary of the shared log (`logCalls` in `fsync.ts`): a write that
 * fails (ENOSPC, EIO, EINTR, ...), a short write as `fs.writeSync` makes one (libuv writes the
 * rest at once, in a second `write(2)`, which may fail, or land after another process's append),
 * and a failing `fdatasync`. Every store in this process (each with its own descriptors, as
 * separate processes have) goes through the same calls, so `which` picks the descriptor to hurt.
 */
import type { Pod } from '../../../../core/model/types.js'
import type { LogRecord } from '../format.js'
import { GENESIS, frameLine } from '../format.js'
import { logCalls } from '../fsync.js'
import type { LogCalls } from '../fsync.js'
import { SharedLog } from '../log.js'

/** What one `fs.writeSync` of the log does. */
export type WriteFault =
  /** The first `write(2)` fails: nothing is written. */
  | { readonly _tag: 'Fails'; readonly code: 'ENOSPC' | 'EIO' | 'EINTR' | 'EDQUOT' }
  /**
   * The first `write(2)` writes only `keep` (a fraction) of the bytes, at least one and not all.
   * libuv then writes the rest: that `write(2)` fails (the call returns the short count), or it
   * lands at once, or it lands after another process's append (`between` runs first).
   */
  /** Every `write(2)` of the call reports all it was given as written, and writes nothing. */
  | { readonly _tag: 'Vanishes' }
  | {
      readonly _tag: 'Short'
      readonly keep: number
      readonly rest: 'Fails' | 'Lands' | 'LandsAfterAnother'
      /** The first part never reaches the file although `write(2)` reported it (strace's `inject=write:retval=N`). */
      readonly firstLost?: boolean
    }

/** Which faults to inject, by the index of the call (0, 1, ... among the calls `which` lets through). */
export interface FaultPlan {
  readonly write?: (index: number) => WriteFault | undefined
  /** The errno `fdatasync` fails with, if it fails. */
  readonly fdatasync?: (index: number) => string | undefined
  /** Another process's append, run between the two parts of a `LandsAfterAnother` short write (without faults). */
  readonly between?: () => void
  /** Runs after every `fdatasync` that succeeded (any descriptor), with its descriptor. */
  readonly afterSync?: (fd: number) => void
  /** Which descriptors faults hit (default: all). */
  readonly which?: (fd: number) => boolean
}

/** A Node.js-style system error. */
export function systemError(code: string, syscall: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: injected fault, ${syscall}`), { code, syscall })
}

/** Installed faults: how many calls they saw, and how to take them out again. */
export interface InjectedFaults {
  readonly writes: () => number
  readonly syncs: () => number
  readonly restore: () => void
}

/** Replaces the log's `write` and `fdatasync` by faulty ones until `restore`. */
export function injectFaults(plan: FaultPlan): InjectedFaults {
  const original: LogCalls = { ...logCalls }
  let writes = 0
  let syncs = 0
  let paused = false
  const hit = (fd: number): boolean => !paused && (plan.which?.(fd) ?? true)

  logCalls.write = (fd, data, offset, length) => {
    if (!hit(fd)) return original.write(fd, data, offset, length)
    const fault = plan.write?.(writes++)
    if (fault === undefined) return original.write(fd, data, offset, length)
    if (fault._tag === 'Fails') throw systemError(fault.code, 'write')
    if (fault._tag === 'Vanishes') return length
    if (length < 2) return original.write(fd, data, offset, length)
    const first = Math.min(length - 1, Math.max(1, Math.floor(fault.keep * length)))
    const written = fault.firstLost === true ? first : original.write(fd, data, offset, first)
    if (fault.rest === 'Fails') return written // uv__fs_write_all: the second write(2) failed, the total so far is returned
    if (fault.rest === 'LandsAfterAnother') {
      paused = true
      try {
        plan.between?.()
      } finally {
        paused = false
      }
    }
    return written + original.write(fd, data, offset + first, length - first)
  }
  logCalls.fdatasync = (fd) => {
    if (hit(fd)) {
      const code = plan.fdatasync?.(syncs++)
      if (code !== undefined) throw systemError(code, 'fdatasync')
    }
    original.fdatasync(fd)
    plan.afterSync?.(fd)
  }
  return {
    writes: () => writes,
    syncs: () => syncs,
    restore: () => {
      Object.assign(logCalls, original)
    },
  }
}

/**
 * Another process appending to the store's log, for `between`: a `SharedLog` of its own that
 * catches up and puts a pod, as a store's write does (append, read back, fsync).
 */
export class AnotherWriter {
  private readonly log: SharedLog
  private sequence = 0
  /** The pods whose put was accepted and made durable. */
  readonly acknowledged: string[] = []

  constructor(dir: string) {
    this.log = new SharedLog(dir, { generation: 1, head: GENESIS, rv: 0 })
  }

  /** Puts pod `name` (retrying a lost race); whether it was accepted. */
  put(name: string, namespace = 'ns'): boolean {
    for (let attempt = 0; attempt < 100; attempt++) {
      this.log.catchUp(() => undefined)
      const id = `another.${++this.sequence}`
      const rv = this.log.rv + 1
      const record: LogRecord = {
        t: 'put',
        id,
        prev: this.log.head,
        rv,
        k: 'Pod',
        o: { metadata: { name, namespace, uid: `00000000-0000-4000-8000-${String(rv).padStart(12, '0')}`, resourceVersion: String(rv) }, spec: { containers: [{ name: 'main', image: 'busybox:1.36' }] } } as Pod,
      }
      let accepted = false
      const onAccept = (seen: LogRecord): void => {
        if (seen.id === id) accepted = true
      }
      const outcome = this.log.append(Buffer.from(`\n${frameLine(record)}`), [record], onAccept)
      if (outcome._tag === 'Failed') return false
      if (outcome._tag === 'Lost') this.log.catchUp(onAccept)
      if (accepted) {
        this.log.sync()
        this.acknowledged.push(name)
        return true
      }
    }
    return false
  }

  close(): void {
    this.log.close()
  }
}
