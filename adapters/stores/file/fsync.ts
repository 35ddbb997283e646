/**
 * The few file-system steps the store is built from, synchronous and durable: a whole file
 * published atomically (temporary file, fsync, rename or link, directory fsync), owner-only
 * permissions, and never following a symbolic link planted in the store directory.
 *
 * Everything is synchronous on purpose: a write decides, appends and applies in one step of the
 * event loop, exactly as the memory store does, so the store behaves the same under effect's
 * `TestClock` (nothing is "in flight" while simulated time moves).
 */
import { randomBytes } from 'node:crypto'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { temporaryFileName } from './format.js'

/** Files: read and write for the owner only. */
export const FILE_MODE = 0o600
/** The store directory when the store creates it: owner only. */
export const DIRECTORY_MODE = 0o700

const NOFOLLOW = fs.constants.O_NOFOLLOW ?? 0

/**
 * The system calls the shared log makes, in one place: the boundary at which tests inject faults
 * (errors, short writes, a failing fsync, a crash between a write and its fsync). Each behaves
 * as the `fs` function it names; `write` as `fs.writeSync`, which (libuv) writes the rest of a
 * short write at once and returns the total, or throws when the first `write(2)` failed.
 */
export interface LogCalls {
  open: (file: string, flags: number) => number
  write: (fd: number, data: Buffer, offset: number, length: number) => number
  read: (fd: number, buffer: Buffer, offset: number, length: number, position: number) => number
  fstat: (fd: number) => fs.Stats
  fdatasync: (fd: number) => void
  close: (fd: number) => void
}

/** The real system calls. Tests replace them (and put them back) through `testing/faultyFs.ts`. */
export const logCalls: LogCalls = {
  open: (file, flags) => fs.openSync(file, flags),
  write: (fd, data, offset, length) => fs.writeSync(fd, data, offset, length),
  read: (fd, buffer, offset, length, position) => fs.readSync(fd, buffer, offset, length, position),
  fstat: (fd) => fs.fstatSync(fd),
  fdatasync: (fd) => fs.fdatasyncSync(fd),
  close: (fd) => fs.closeSync(fd),
}

/** Opens an existing log for reading and appending; never through a symbolic link. */
export function openForAppend(file: string): number {
  return logCalls.open(file, fs.constants.O_RDWR | fs.constants.O_APPEND | NOFOLLOW)
}

/** Opens an existing log for reading only (a read-only store); never through a symbolic link. */
export function openLogForRead(file: string): number {
  return logCalls.open(file, fs.constants.O_RDONLY | NOFOLLOW)
}

/** Opens a file for reading only; never through a symbolic link. */
export function openForRead(file: string): number {
  return fs.openSync(file, fs.constants.O_RDONLY | NOFOLLOW)
}

/**
 * Creates an empty file unless it exists (`O_EXCL`: two processes never both create it), and
 * makes its name durable. Returns whether this call created it.
 */
export function createExclusive(dir: string, name: string): boolean {
  let fd: number
  try {
    fd = fs.openSync(path.join(dir, name), fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | NOFOLLOW, FILE_MODE)
  } catch (error) {
    if (errnoOf(error) !== 'EEXIST') throw error
    // Its creator may have been killed before making the name durable: do it for them.
    syncDirectory(dir)
    return false
  }
  try {
    fs.fsyncSync(fd)
  } finally {
    fs.closeSync(fd)
  }
  syncDirectory(dir)
  return true
}

/** Makes the directory's entries (new, renamed and removed names) durable. */
export function syncDirectory(dir: string): void {
  const fd = fs.openSync(dir, fs.constants.O_RDONLY)
  try {
    fs.fsyncSync(fd)
  } finally {
    fs.closeSync(fd)
  }
}

/**
 * Writes a whole file under a temporary name, fsyncs it, and hands it to `publish` (which
 * renames or links it into place); the directory is fsynced after. The temporary file is
 * removed whatever happens. `write` gets the descriptor to write to.
 */
export function writeDurably(dir: string, final: string, write: (fd: number) => void, publish: (temporary: string, target: string) => void): void {
  const temporary = path.join(dir, temporaryFileName(final, randomBytes(6).toString('hex')))
  const fd = fs.openSync(temporary, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | NOFOLLOW, FILE_MODE)
  try {
    try {
      write(fd)
      fs.fsyncSync(fd)
    } finally {
      fs.closeSync(fd)
    }
    publish(temporary, path.join(dir, final))
  } finally {
    try {
      fs.unlinkSync(temporary)
    } catch {
      // renamed into place already
    }
  }
  syncDirectory(dir)
}

/** Writes all of `data` at the current end of `fd` (which may take several `write` calls). */
export function writeAll(fd: number, data: string | Buffer): void {
  const buffer = typeof data === 'string' ? Buffer.from(data, 'utf8') : data
  let written = 0
  while (written < buffer.length) written += fs.writeSync(fd, buffer, written, buffer.length - written)
}

/** Reads `length` bytes at `position` (fewer at the end of the file). */
export function readAt(fd: number, position: number, length: number, calls: Pick<LogCalls, 'read'> = directCalls): Buffer {
  const buffer = Buffer.allocUnsafe(length)
  let read = 0
  while (read < length) {
    const n = calls.read(fd, buffer, read, length - read, position + read)
    if (n === 0) break
    read += n
  }
  return read === length ? buffer : buffer.subarray(0, read)
}

const directCalls: Pick<LogCalls, 'read'> = { read: (fd, buffer, offset, length, position) => fs.readSync(fd, buffer, offset, length, position) }

/** The `code` of a Node.js system error (`ENOENT`, `EACCES`, ...). */
export function errnoOf(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null ? ((error as NodeJS.ErrnoException).code ?? undefined) : undefined
}
