/**
 * Opening a store directory: checking it, creating a new store in it, and finding where the
 * current state starts (the newest snapshot and its log).
 *
 * Layout of a store directory (format 1):
 *
 * ```
 * store.json          { "kind": "job-reconciler file store", "format": 1 }
 * log.00000001        the records of generation 1 (appended by every process)
 * log.00000002        ... of generation 2, after the seal that closed log.00000001
 * snapshot.00000002   the state at that seal (written by the process whose seal won)
 * *.tmp.<pid>.<hex>   a file being written; removed after a crash by the next compaction
 * controller.lock     locked by the one Job controller of the store, naming it (controllerLock.ts)
 * pod-logs/           the pods' output, copied there by jobctl controller (cli/podLogFiles.ts)
 * pod-runtime/        the runs of the pods' containers, which outlive jobctl controller (process/podJournal.ts)
 * ```
 *
 * File names are the store's own; object names only ever appear inside records, so no name a
 * client sends can reach the file system. The one exception lives beside the store, not in it:
 * `pod-logs/NAMESPACE/POD/CONTAINER.log`, which `jobctl controller` writes (`../cli/podLogFiles.ts`)
 * from checked DNS-1123 names and never through a symbolic link (`./confined.ts`).
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import type { ReadOnlyReason } from './faults.js'
import { FileStoreFault, ioFault, newerFormat, notAStore, readOnlyReason } from './faults.js'
import { FORMAT_VERSION, GENESIS, STORE_FILE, STORE_KIND, fileKind, logFileName } from './format.js'
import { DIRECTORY_MODE, createExclusive, errnoOf, openForRead, readAt, writeDurably } from './fsync.js'
import type { LogPosition } from './log.js'
import type { SnapshotContent } from './snapshot.js'
import { readSnapshot } from './snapshot.js'

/** A store directory ready to be read: its absolute path, and why it cannot be written, if it cannot. */
export interface OpenedDirectory {
  readonly dir: string
  readonly readOnly: ReadOnlyReason | undefined
}

/**
 * Checks that `dir` is a directory this user can use, creating it (owner-only) when only its
 * last component is missing, and that it holds a store this build can read, creating a new
 * store when the directory is empty. A store this user can read but not write (a read-only
 * mount, no write permission) opens read-only.
 */
export function openDirectory(dir: string): OpenedDirectory {
  const absolute = path.resolve(dir)
  const readOnly = prepareDirectory(absolute)
  const format = readStoreFile(absolute) ?? (readOnly === undefined ? initialise(absolute) : undefined)
  if (format === undefined) throw notWritable(absolute)
  if (format > FORMAT_VERSION) throw newerFormat(absolute, format)
  return { dir: absolute, readOnly }
}

function notWritable(dir: string): FileStoreFault {
  return new FileStoreFault(`file store directory ${dir} is not readable and writable by this user: fix its permissions (chmod u+rwx ${dir}) or pass another directory`)
}

/** Checks the directory (creating it if need be); the reason it is read-only, if it is. */
function prepareDirectory(dir: string): ReadOnlyReason | undefined {
  let stat: fs.Stats
  try {
    stat = fs.statSync(dir)
  } catch (error) {
    if (errnoOf(error) !== 'ENOENT') throw ioFault('open store directory', dir, error)
    try {
      fs.mkdirSync(dir, { mode: DIRECTORY_MODE })
    } catch (mkdirError) {
      const code = errnoOf(mkdirError)
      if (code === 'ENOENT') {
        throw new FileStoreFault(`file store directory ${dir} does not exist, nor does ${path.dirname(dir)}: create it (mkdir -p ${dir}) or pass another directory`)
      }
      if (code !== 'EEXIST') {
        throw new FileStoreFault(`cannot create file store directory ${dir} (${code ?? 'error'}): create it yourself or pass another directory`)
      }
    }
    stat = fs.statSync(dir)
  }
  if (!stat.isDirectory()) throw new FileStoreFault(`file store path ${dir} is not a directory: pass a directory`)
  try {
    fs.accessSync(dir, fs.constants.R_OK | fs.constants.W_OK | fs.constants.X_OK)
    return undefined
  } catch (error) {
    // Readable but not writable: a store there can still be read (`openDirectory` checks there is one).
    const reason = readOnlyReason(error)
    if (reason === undefined) throw notWritable(dir)
    try {
      fs.accessSync(dir, fs.constants.R_OK | fs.constants.X_OK)
    } catch {
      throw notWritable(dir)
    }
    return reason
  }
}

/** The format in `store.json`, or `undefined` when there is none yet. */
function readStoreFile(dir: string): number | undefined {
  const file = path.join(dir, STORE_FILE)
  let text: string
  try {
    const fd = openForRead(file)
    try {
      text = readAt(fd, 0, fs.fstatSync(fd).size).toString('utf8')
    } finally {
      fs.closeSync(fd)
    }
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return undefined
    throw ioFault('read', file, error)
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    parsed = undefined
  }
  const { kind, format } = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as { readonly kind?: unknown; readonly format?: unknown }
  if (kind !== STORE_KIND || typeof format !== 'number' || !Number.isInteger(format) || format < 1) {
    throw new FileStoreFault(`file store ${file} is corrupt or not a job-reconciler store file; nothing was changed: restore ${dir} from a backup or pass another directory`, true)
  }
  return format
}

/** Makes an empty directory a store; another process doing the same at once is fine. */
function initialise(dir: string): number {
  let entries: string[]
  try {
    entries = fs.readdirSync(dir)
  } catch (error) {
    throw ioFault('list', dir, error)
  }
  // Only a store being created by another process right now may have left files here.
  if (entries.some((name) => fileKind(name)._tag === 'Other')) throw notAStore(dir)
  try {
    createExclusive(dir, logFileName(1))
    writeDurably(
      dir,
      STORE_FILE,
      (fd) => fs.writeSync(fd, `${JSON.stringify({ kind: STORE_KIND, format: FORMAT_VERSION })}\n`),
      (temporary, target) => {
        try {
          fs.linkSync(temporary, target) // fails when another process made the store first
        } catch (error) {
          if (errnoOf(error) !== 'EEXIST') throw error
        }
      },
    )
  } catch (error) {
    throw ioFault('create store in', path.join(dir, STORE_FILE), error)
  }
  const format = readStoreFile(dir)
  if (format === undefined) throw new FileStoreFault(`cannot create a file store in ${dir}: ${STORE_FILE} vanished while it was being created`)
  return format
}

/** Where reading starts: the newest snapshot (if any) and the position just after it. */
export interface Start {
  readonly snapshot: SnapshotContent | undefined
  readonly position: LogPosition
}

/**
 * The newest snapshot and the position after it; without one, generation 1 from the start.
 * `undefined` when the snapshot went away while being read (compacted meanwhile: list again).
 */
export function findStart(dir: string): Start | undefined {
  let entries: string[]
  try {
    entries = fs.readdirSync(dir)
  } catch (error) {
    throw ioFault('list', dir, error)
  }
  let newest = 0
  for (const name of entries) {
    const kind = fileKind(name)
    if (kind._tag === 'Snapshot' && kind.generation > newest) newest = kind.generation
  }
  if (newest === 0) return { snapshot: undefined, position: { generation: 1, head: GENESIS, rv: 0 } }
  const snapshot = readSnapshot(dir, newest)
  if (snapshot === undefined) return undefined
  return { snapshot, position: { generation: newest, head: snapshot.head, rv: snapshot.rv } }
}
