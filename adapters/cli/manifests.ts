/**
 * Reading `-f` as kubectl does: files, directories (their `.yaml`, `.yml` and `.json` files,
 * `-R` to descend), `-` for stdin; multi-document YAML, JSON, and `kind: List`. Everything is
 * read and checked before anything is sent, so a bad document changes nothing.
 */
import { readdir, readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { Effect } from 'effect'
import { parseAllDocuments } from 'yaml'
import { InputError } from './errors.js'
import { CliIO } from './io.js'

/** One object read from a file. */
export interface Manifest {
  /** The file it came from (`STDIN` for `-`), as kubectl names it in messages. */
  readonly source: string
  readonly object: Readonly<Record<string, unknown>>
}

const MANIFEST_EXTENSIONS = ['.json', '.yaml', '.yml']

/** Reads every object from the `-f` sources, in order. */
export function readManifests(sources: ReadonlyArray<string>, recursive: boolean, verb: string): Effect.Effect<ReadonlyArray<Manifest>, InputError, CliIO> {
  return Effect.gen(function* () {
    const io = yield* CliIO
    const manifests: Manifest[] = []
    for (const source of sources) {
      if (source === '-') {
        const text = yield* io.readStdin
        manifests.push(...(yield* parseDocuments(text, 'STDIN')))
        continue
      }
      for (const file of yield* filesOf(source, recursive)) {
        const text = yield* Effect.tryPromise({ try: () => readFile(file, 'utf8'), catch: (e) => ioError(file, e) })
        manifests.push(...(yield* parseDocuments(text, file)))
      }
    }
    if (manifests.length === 0) return yield* Effect.fail(new InputError({ message: `no objects passed to ${verb}` }))
    return manifests
  })
}

/** The Job manifests among `manifests`; anything else is refused with kubectl's message. */
export function requireJobs(manifests: ReadonlyArray<Manifest>): Effect.Effect<ReadonlyArray<Manifest>, InputError> {
  for (const { source, object } of manifests) {
    const apiVersion = object['apiVersion']
    const kind = object['kind']
    if (typeof kind !== 'string' || kind === '') return Effect.fail(validationError(source, 'kind not set'))
    if (typeof apiVersion !== 'string' || apiVersion === '') return Effect.fail(validationError(source, 'apiVersion not set'))
    if (kind !== 'Job' || apiVersion !== 'batch/v1') {
      const metadata = object['metadata']
      const name = typeof metadata === 'object' && metadata !== null ? (metadata as Record<string, unknown>)['name'] : undefined
      const namespace = typeof metadata === 'object' && metadata !== null ? (metadata as Record<string, unknown>)['namespace'] : undefined
      return Effect.fail(
        new InputError({
          message: `resource mapping not found for name: ${JSON.stringify(String(name ?? ''))} namespace: ${JSON.stringify(String(namespace ?? ''))} from ${JSON.stringify(source)}: no matches for kind ${JSON.stringify(kind)} in version ${JSON.stringify(apiVersion)} (jobctl manages batch/v1 Jobs only)`,
        }),
      )
    }
  }
  return Effect.succeed(manifests)
}

const validationError = (source: string, problem: string): InputError =>
  new InputError({ message: `error validating ${JSON.stringify(source)}: error validating data: ${problem}` })

function ioError(path: string, error: unknown): InputError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code
  if (code === 'ENOENT') return new InputError({ message: `the path ${JSON.stringify(path)} does not exist` })
  if (code === 'EACCES') return new InputError({ message: `open ${path}: permission denied` })
  return new InputError({ message: `cannot read ${path}: ${(error as Error | undefined)?.message ?? String(error)}` })
}

/** The files a `-f` path names: itself, or a directory's manifest files sorted by name. */
function filesOf(path: string, recursive: boolean): Effect.Effect<ReadonlyArray<string>, InputError> {
  return Effect.gen(function* () {
    const info = yield* Effect.tryPromise({ try: () => stat(path), catch: (e) => ioError(path, e) })
    if (!info.isDirectory()) return [path]
    const entries = yield* Effect.tryPromise({ try: () => readdir(path, { withFileTypes: true }), catch: (e) => ioError(path, e) })
    const files: string[] = []
    for (const entry of [...entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const full = join(path, entry.name)
      if (entry.isDirectory()) {
        if (recursive) files.push(...(yield* filesOf(full, true)))
      } else if (MANIFEST_EXTENSIONS.some((ext) => entry.name.endsWith(ext))) files.push(full)
    }
    return files
  })
}

/** Parses YAML or JSON documents; a syntax error is reported with its line and column. */
export function parseDocuments(text: string, source: string): Effect.Effect<ReadonlyArray<Manifest>, InputError> {
  return Effect.suspend(() => {
    const manifests: Manifest[] = []
    for (const doc of parseAllDocuments(text, { uniqueKeys: true })) {
      const problem = doc.errors[0]
      if (problem !== undefined) {
        const at = problem.linePos?.[0]
        const where = at !== undefined ? `line ${at.line}, column ${at.col}: ` : ''
        const message = problem.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '').replace(/:$/, '')
        return Effect.fail(new InputError({ message: `error parsing ${source}: ${where}${message}` }))
      }
      const value: unknown = doc.toJS({ maxAliasCount: 100 })
      if (value === null || value === undefined) continue
      if (typeof value !== 'object' || Array.isArray(value)) {
        return Effect.fail(new InputError({ message: `error parsing ${source}: a document must be an object, not ${Array.isArray(value) ? 'a list' : JSON.stringify(value)}` }))
      }
      const object = value as Record<string, unknown>
      if (object['kind'] === 'List' && Array.isArray(object['items'])) {
        for (const item of object['items'] as unknown[]) {
          if (typeof item !== 'object' || item === null || Array.isArray(item)) {
            return Effect.fail(new InputError({ message: `error parsing ${source}: every item of a List must be an object` }))
          }
          manifests.push({ source, object: item as Record<string, unknown> })
        }
      } else manifests.push({ source, object })
    }
    return Effect.succeed(manifests)
  })
}
