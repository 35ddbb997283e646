/**
 * The file store's failures, each one line that names the path and says what to do. They are
 * thrown inside the synchronous file-system steps and become `StoreUnavailable` at the port.
 */
import * as path from 'node:path'
import { StoreUnavailable } from '../../ports/errors.js'
import { FORMAT_VERSION } from './format.js'
import { errnoOf } from './fsync.js'

/** A failure of the file store with its one-line message. */
export class FileStoreFault extends Error {
  override readonly name = 'FileStoreFault'
  constructor(
    message: string,
    /**
     * Damage or missing data: never read past. A store keeps failing with it, and gives up on
     * the store for good (its watches end) once it is still there a second later.
     */
    readonly damaged = false,
  ) {
    super(message)
  }
}

/**
 * This process missed records that were compacted away meanwhile (it was paused or very slow):
 * it reloads from the newest snapshot and its watches end with `Gone`.
 */
export class FellBehind extends Error {
  override readonly name = 'FellBehind'
}

/** A file that cannot be read as written: reported, never skipped. */
export function corruptFile(file: string, offset: number, reason: string): FileStoreFault {
  return new FileStoreFault(
    `file store ${file} is corrupt at byte ${offset} (${reason}); nothing was dropped or changed: restore the directory ${path.dirname(file)} from a backup`,
    true,
  )
}

/** A file the store needs is missing (removed by hand?). */
export function missingFile(file: string): FileStoreFault {
  return new FileStoreFault(`file store ${file} is missing; the store cannot be read without it: restore the directory ${path.dirname(file)} from a backup`, true)
}

/** The store was written by a newer build. */
export function newerFormat(dir: string, format: number): FileStoreFault {
  return new FileStoreFault(
    `file store ${dir} was written by a newer job-reconciler (format ${format}; this build reads format ${FORMAT_VERSION}): upgrade job-reconciler to use it`,
  )
}

/** A directory that holds other things and no store. */
export function notAStore(dir: string): FileStoreFault {
  return new FileStoreFault(`${dir} is not empty and is not a job-reconciler file store (no store.json): pass an empty or new directory`)
}

/** Why a store can be read but not written. */
export type ReadOnlyReason = 'read-only file system' | 'no write permission for this user'

/** The reason for a failed attempt to open `file` for writing, when it is one that makes the store read-only. */
export function readOnlyReason(error: unknown): ReadOnlyReason | undefined {
  switch (errnoOf(error)) {
    case 'EROFS':
      return 'read-only file system'
    case 'EACCES':
    case 'EPERM':
      return 'no write permission for this user'
    default:
      return undefined
  }
}

/** A write to a store that this process can only read. */
export function readOnlyStore(dir: string, reason: ReadOnlyReason): FileStoreFault {
  return new FileStoreFault(
    `the file store ${dir} is read-only (${reason}): it can be read but not changed; nothing was written (remount it read-write or make it writable by this user to change it)`,
  )
}

/** `write` put only part of an append in the log (the rest failed: disk full, file size limit). */
export function shortWrite(file: string, written: number, length: number): FileStoreFault {
  return new FileStoreFault(
    `cannot append to ${file}: the write stopped after ${written} of ${length} bytes (disk full or file size limit?): the writes in the cut-off part were not applied`,
  )
}

/** `write` reported bytes written that are not in the file (a faulty file system, or a tampered system call). */
export function vanishedWrite(file: string, length: number): FileStoreFault {
  return new FileStoreFault(`cannot append to ${file}: the write reported ${length} bytes written, but they are not in the file (the file system lost them): the writes were not applied`)
}

/** `fdatasync` failed: the writes waiting for it are not known to be durable. */
export function syncFault(file: string, error: unknown): FileStoreFault {
  const code = errnoOf(error) ?? (error instanceof Error ? error.message.split('\n')[0] : String(error))
  return new FileStoreFault(`cannot make ${file} durable (fdatasync: ${code}): the writes waiting for it were not acknowledged, and may or may not be stored`)
}

/** An operating-system error on a store file, with what to do about the common ones. */
export function ioFault(action: string, file: string, error: unknown): FileStoreFault {
  if (error instanceof FileStoreFault) return error
  const code = errnoOf(error)
  const dir = path.dirname(file)
  switch (code) {
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return new FileStoreFault(`cannot ${action} ${file}: permission denied (${code}): the store directory ${dir} must be readable and writable by this user`)
    case 'ENOSPC':
    case 'EDQUOT':
      return new FileStoreFault(`cannot ${action} ${file}: no space left on device (${code}): free some space; writes that failed were not applied`)
    case 'EFBIG':
      return new FileStoreFault(`cannot ${action} ${file}: file too large (EFBIG): the file size limit (ulimit -f) was reached; writes that failed were not applied`)
    case 'EIO':
      return new FileStoreFault(`cannot ${action} ${file}: input/output error (EIO): check the disk; writes that failed were not applied`)
    case 'ELOOP':
      return new FileStoreFault(`cannot ${action} ${file}: it is a symbolic link, which the file store never follows: remove it`)
    case 'ENOENT':
      return missingFile(file)
    default:
      return new FileStoreFault(`cannot ${action} ${file}: ${code ?? (error instanceof Error ? error.message.split('\n')[0] : String(error))}`)
  }
}

/** The port's error for a fault (or any unexpected exception), one line. */
export function unavailable(error: unknown): StoreUnavailable {
  if (error instanceof StoreUnavailable) return error
  const message = error instanceof Error ? error.message : String(error)
  return new StoreUnavailable({ reason: message.split('\n')[0] ?? message })
}
