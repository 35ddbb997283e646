/**
 * Reading `-f` as kubectl does: files, directories (their `.yaml`, `.yml` and `.json` files,
 * `-R` to descend), `-` for stdin; multi-document YAML, JSON, and `kind: List`. Everything is
 * read and checked before anything is sent, so a bad document changes nothing.
 */
import { readdir, readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { Effect } from 'effect'
import { InputError } from './errors.js'
import { MAX_FILE_BYTES } from './inputLimits.js'
import { CliIO } from './io.js'
import { parseYamlDocuments, shownKey } from './yamlDocuments.js'

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
        const text = yield* Effect.tryPromise({ try: () => readBounded(file), catch: (e) => ioError(file, e) })
        manifests.push(...(yield* parseDocuments(text, file)))
      }
    }
    if (manifests.length === 0) return yield* Effect.fail(new InputError({ message: `no objects passed to ${verb}` }))
    return manifests
  })
}

/** The kinds `-f` may hold: batch/v1 Jobs and CronJobs. */
export type WorkloadKind = 'Job' | 'CronJob'

/** A manifest of a Job or a CronJob. */
export interface WorkloadManifest extends Manifest {
  readonly kind: WorkloadKind
}

const WORKLOAD_KINDS: ReadonlyArray<WorkloadKind> = ['Job', 'CronJob']

/** Each manifest with its kind; anything but a batch/v1 Job or CronJob is refused with kubectl's message. */
export function requireWorkloads(manifests: ReadonlyArray<Manifest>): Effect.Effect<ReadonlyArray<WorkloadManifest>, InputError> {
  const typed: WorkloadManifest[] = []
  for (const { source, object } of manifests) {
    const apiVersion = object['apiVersion']
    const kind = object['kind']
    if (typeof kind !== 'string' || kind === '') return Effect.fail(validationError(source, 'kind not set'))
    if (typeof apiVersion !== 'string' || apiVersion === '') return Effect.fail(validationError(source, 'apiVersion not set'))
    const workload = WORKLOAD_KINDS.find((known) => known === kind)
    if (workload === undefined || apiVersion !== 'batch/v1') {
      const metadata = object['metadata']
      const name = typeof metadata === 'object' && metadata !== null ? (metadata as Record<string, unknown>)['name'] : undefined
      const namespace = typeof metadata === 'object' && metadata !== null ? (metadata as Record<string, unknown>)['namespace'] : undefined
      return Effect.fail(
        new InputError({
          message: `resource mapping not found for name: ${JSON.stringify(String(name ?? ''))} namespace: ${JSON.stringify(String(namespace ?? ''))} from ${JSON.stringify(source)}: no matches for kind ${JSON.stringify(kind)} in version ${JSON.stringify(apiVersion)} (jobctl manages batch/v1 Jobs and CronJobs only)`,
        }),
      )
    }
    typed.push({ source, object, kind: workload })
  }
  return Effect.succeed(typed)
}

/** Reads a file, refusing one larger than `MAX_FILE_BYTES` before reading it. */
async function readBounded(file: string): Promise<string> {
  const info = await stat(file)
  if (info.size > MAX_FILE_BYTES) throw new TooLarge(info.size)
  return readFile(file, 'utf8')
}

class TooLarge {
  constructor(readonly size: number) {}
}

const validationError = (source: string, problem: string): InputError =>
  new InputError({ message: `error validating ${JSON.stringify(source)}: error validating data: ${problem}` })

function ioError(path: string, error: unknown): InputError {
  if (error instanceof TooLarge) return new InputError({ message: `error parsing ${path}: the file has ${error.size} bytes, more than ${MAX_FILE_BYTES}` })
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

/**
 * Parses YAML or JSON documents (bounded: see `inputLimits.ts`); a syntax error or a bound
 * passed is reported with the file, line and column.
 */
export function parseDocuments(text: string, source: string): Effect.Effect<ReadonlyArray<Manifest>, InputError> {
  return Effect.suspend(() => {
    const parsed = parseYamlDocuments(text)
    if (!parsed.ok) return Effect.fail(new InputError({ message: `error parsing ${source}: ${parsed.problem}` }))
    const manifests: Manifest[] = []
    for (const { value, line } of parsed.documents) {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        return Effect.fail(new InputError({ message: `error parsing ${source}: line ${line}: a document must be an object, not ${Array.isArray(value) ? 'a list' : shownValue(value)}` }))
      }
      const items = value['items']
      if (value['kind'] === 'List' && Array.isArray(items)) {
        for (const item of items) {
          if (typeof item !== 'object' || item === null || Array.isArray(item)) {
            return Effect.fail(new InputError({ message: `error parsing ${source}: line ${line}: every item of a List must be an object` }))
          }
          manifests.push({ source, object: item })
        }
      } else manifests.push({ source, object: value })
    }
    return Effect.succeed(manifests)
  })
}

/** A scalar for a message: JSON, a long string cut. */
const shownValue = (value: string | number | boolean | null): string => (typeof value === 'string' ? shownKey(value) : JSON.stringify(value))
