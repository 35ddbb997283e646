/**
 * Files in a tree beside a store (pod logs in `STORE/pod-logs`), used without ever following a
 * symbolic link: each directory on the way is checked with `lstat` to be a real directory, files
 * are opened with `O_NOFOLLOW`, and anything else found where jobctl writes, reads or deletes is
 * refused with a one-line {@link PathRefused}, the link and its target left alone. A link
 * planted in the tree can thus neither redirect a write nor make a deletion reach outside.
 *
 * Node has no `openat`, so a directory is checked and then used by its path: a process that can
 * write the tree could still swap a directory for a link in between. The store directory is the
 * user's own (the file store makes it owner-only), and so are the directories made here.
 */
import * as fs from 'node:fs'
import { lstat, mkdir, open, readdir, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { Data } from 'effect'
import { DIRECTORY_MODE, errnoOf, FILE_MODE } from './fsync.js'

/** A path jobctl will not use: a symbolic link, or not what it must be. The message is one line. */
export class PathRefused extends Data.TaggedError('PathRefused')<{ readonly message: string }> {}

/** What was asked, for the message: `write pod log /s/pod-logs/default/pi/main.log`. */
export type Purpose = string

/** A place in the tree: the root and the names of the directories under it (each one path component). */
export interface Place {
  readonly root: string
  readonly directories: ReadonlyArray<string>
}

const { O_WRONLY, O_RDONLY, O_CREAT, O_TRUNC } = fs.constants
const O_NOFOLLOW = fs.constants.O_NOFOLLOW ?? 0
/** A FIFO planted where a file should be would block `open` forever; regular files ignore it. */
const O_NONBLOCK = fs.constants.O_NONBLOCK ?? 0

/**
 * The path of `place`, every directory on the way checked (and made, when `create`); `undefined`
 * when one is missing and `create` is false.
 */
async function walk(place: Place, purpose: Purpose, create: true): Promise<string>
async function walk(place: Place, purpose: Purpose, create: false): Promise<string | undefined>
async function walk(place: Place, purpose: Purpose, create: boolean): Promise<string | undefined> {
  let path = place.root
  if (!(await isDirectory(path, purpose, create))) return undefined
  for (const name of place.directories) {
    checkComponent(name, purpose)
    path = join(path, name)
    if (!(await isDirectory(path, purpose, create))) return undefined
  }
  return path
}

/** Whether `path` is a real directory (made if missing and `create`); refuses a link or another kind of file. */
async function isDirectory(path: string, purpose: Purpose, create: boolean): Promise<boolean> {
  let stat = await lstatOrUndefined(path)
  if (stat === undefined) {
    if (!create) return false
    try {
      await mkdir(path, { mode: DIRECTORY_MODE })
    } catch (error) {
      if (errnoOf(error) !== 'EEXIST') throw error
    }
    stat = await lstat(path)
  }
  if (stat.isSymbolicLink()) throw linkRefused(purpose, path)
  if (!stat.isDirectory()) throw new PathRefused({ message: `refusing to ${purpose}: ${path} is not a directory` })
  return true
}

async function lstatOrUndefined(path: string): Promise<fs.Stats | undefined> {
  try {
    return await lstat(path)
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return undefined
    throw error
  }
}

/** A name that would not stay one step inside its directory is a bug of the caller: refuse it too. */
function checkComponent(name: string, purpose: Purpose): void {
  if (name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\0')) {
    throw new PathRefused({ message: `refusing to ${purpose}: ${JSON.stringify(name)} is not a file name` })
  }
}

const linkRefused = (purpose: Purpose, path: string): PathRefused =>
  new PathRefused({ message: `refusing to ${purpose}: ${path} is a symbolic link, and jobctl follows none in its store (remove it)` })

/** `ELOOP` from `O_NOFOLLOW`: the file itself is a link. */
const refuseLoop = (purpose: Purpose, path: string) => (error: unknown): never => {
  throw errnoOf(error) === 'ELOOP' ? linkRefused(purpose, path) : error
}

/**
 * Replaces the file `name` in `place` with `text` (whole: a temporary file renamed over it),
 * making the directories on the way.
 */
export async function writeConfined(place: Place, name: string, text: string, purpose: Purpose): Promise<void> {
  checkComponent(name, purpose)
  const dir = await walk(place, purpose, true)
  const file = join(dir, name)
  const existing = await lstatOrUndefined(file)
  if (existing?.isSymbolicLink() === true) throw linkRefused(purpose, file)
  if (existing !== undefined && !existing.isFile()) throw new PathRefused({ message: `refusing to ${purpose}: ${file} is not a regular file` })
  const temporary = `${file}.tmp`
  const handle = await open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_NONBLOCK, FILE_MODE).catch(refuseLoop(purpose, temporary))
  try {
    await handle.writeFile(text)
  } finally {
    await handle.close()
  }
  await rename(temporary, file)
}

/** The text of the file `name` in `place`; `undefined` when it (or a directory on the way) is missing. */
export async function readConfined(place: Place, name: string, purpose: Purpose): Promise<string | undefined> {
  checkComponent(name, purpose)
  const dir = await walk(place, purpose, false)
  if (dir === undefined) return undefined
  const file = join(dir, name)
  let handle: fs.promises.FileHandle
  try {
    handle = await open(file, O_RDONLY | O_NOFOLLOW | O_NONBLOCK)
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return undefined
    return refuseLoop(purpose, file)(error)
  }
  try {
    if (!(await handle.stat()).isFile()) throw new PathRefused({ message: `refusing to ${purpose}: ${file} is not a regular file` })
    return await handle.readFile('utf8')
  } finally {
    await handle.close()
  }
}

/** The names in the directory `place`; none when it is missing. */
export async function listConfined(place: Place, purpose: Purpose): Promise<ReadonlyArray<string>> {
  const dir = await walk(place, purpose, false)
  return dir === undefined ? [] : readdir(dir)
}

/**
 * Removes the directory `name` in `place` and the files in it. Refused, and nothing removed,
 * when it or anything in it is not a real directory or regular file (a link among them).
 */
export async function removeConfined(place: Place, name: string, purpose: Purpose): Promise<void> {
  checkComponent(name, purpose)
  const dir = await walk(place, purpose, false)
  if (dir === undefined) return
  const target = join(dir, name)
  if (!(await isDirectory(target, purpose, false))) return
  for (const entry of await readdir(target, { withFileTypes: true })) {
    if (entry.isSymbolicLink()) throw linkRefused(purpose, join(target, entry.name))
    if (!entry.isFile()) throw new PathRefused({ message: `refusing to ${purpose}: ${join(target, entry.name)} is not a regular file` })
  }
  // `rm` removes what it finds without following links, should one appear meanwhile.
  await rm(target, { recursive: true, force: true })
}
