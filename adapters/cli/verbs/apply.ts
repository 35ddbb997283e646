/**
 * `jobctl apply` and `jobctl create`: send Job manifests to the store, as kubectl's client-side
 * apply does (three-way merge against the last-applied annotation; `created`, `configured`,
 * `unchanged`) and as `kubectl create` does.
 */
import { Effect } from 'effect'
import type { Job } from '../../../core/model/types.js'
import * as MemoryStore from '../../stores/memory/MemoryStore.js'
import { Conflict } from '../../ports/errors.js'
import { JobStore } from '../../ports/JobStore.js'
import { booleanFlag, listFlag } from '../args.js'
import { FILENAME_FLAG, RECURSIVE_FLAG, type Command, type CommandContext } from '../command.js'
import { ApiError, InputError, type CliError } from '../errors.js'
import { CliIO, printLine } from '../io.js'
import { readManifests, requireJobs, type Manifest } from '../manifests.js'
import { jsonEqual } from '../../../core/model/equality.js'
import { applyMergePatch, LAST_APPLIED_ANNOTATION, threeWayMergePatch } from '../mergePatch.js'
import { asApiObject } from '../printers/output.js'
import { api, retryOnConflict, usage } from './shared.js'

/** What happened to one object. */
export type ApplyOutcome = 'created' | 'configured' | 'unchanged'

/** One Job written by `apply`/`create`, with what happened to it. */
export interface Applied {
  readonly job: Job
  readonly outcome: ApplyOutcome
}

type Metadata = Readonly<Record<string, unknown>>

const metadataOf = (object: Readonly<Record<string, unknown>>): Metadata => {
  const metadata = object['metadata']
  return typeof metadata === 'object' && metadata !== null && !Array.isArray(metadata) ? (metadata as Metadata) : {}
}

/**
 * Reads and checks the `-f` manifests of a command: every file is read and every document
 * decoded and validated (against an empty in-memory API server) before anything is written.
 */
export function loadJobManifests(context: CommandContext, command: string): Effect.Effect<ReadonlyArray<Manifest>, CliError, CliIO> {
  return Effect.gen(function* () {
    const files = listFlag(context.args, 'filename')
    if (files.length === 0) return yield* usage(command, 'must specify -f FILENAME')
    const manifests = yield* requireJobs(yield* readManifests(files, booleanFlag(context.args, 'recursive'), command))
    const placed: Manifest[] = []
    for (const manifest of manifests) placed.push(yield* inNamespace(manifest, context.namespace, context.args.strings.has('namespace')))
    yield* Effect.forEach(placed, dryRunCreate, { discard: true })
    return placed
  })
}

/** Sets the manifest's namespace from `--namespace` unless it has one; a different one is an error. */
function inNamespace(manifest: Manifest, namespace: string, explicit: boolean): Effect.Effect<Manifest, InputError> {
  const metadata = metadataOf(manifest.object)
  const own = metadata['namespace']
  if (typeof own === 'string' && own !== '') {
    if (explicit && own !== namespace) {
      return Effect.fail(
        new InputError({
          message: `the namespace from the provided object "${own}" does not match the namespace "${namespace}". You must pass '--namespace=${own}' to perform this operation.`,
        }),
      )
    }
    return Effect.succeed(manifest)
  }
  return Effect.succeed({ ...manifest, object: { ...manifest.object, metadata: { ...metadata, namespace } } })
}

/** Creates the manifest in a scratch memory store: the same decoding and validation, no effect. */
function dryRunCreate(manifest: Manifest): Effect.Effect<void, ApiError> {
  const metadata = metadataOf(manifest.object)
  const { resourceVersion: _rv, ...fresh } = metadata
  return Effect.flatMap(MemoryStore.make, (scratch) => scratch.createJob({ ...manifest.object, metadata: fresh })).pipe(
    Effect.asVoid,
    Effect.catchAll((error) =>
      error._tag === 'AlreadyExists' ? Effect.void : Effect.fail(new ApiError({ error, action: 'creating', source: manifest.source })),
    ),
  )
}

/** `kubectl apply` for each manifest, in order; prints `job.batch/NAME created|configured|unchanged`. */
export function applyManifests(manifests: ReadonlyArray<Manifest>, quiet = false): Effect.Effect<ReadonlyArray<Applied>, CliError, JobStore | CliIO> {
  return Effect.forEach(manifests, (manifest) =>
    Effect.tap(applyOne(manifest), (applied) => (quiet ? Effect.void : printLine(`job.batch/${applied.job.metadata.name ?? ''} ${applied.outcome}`))),
  )
}

function applyOne(manifest: Manifest): Effect.Effect<Applied, CliError, JobStore | CliIO> {
  return Effect.gen(function* () {
    const store = yield* JobStore
    const metadata = metadataOf(manifest.object)
    const name = metadata['name']
    if (typeof name !== 'string' || name === '') {
      const generated = metadata['generateName']
      const message = typeof generated === 'string' && generated !== '' ? `from ${generated}: cannot use generate name with apply` : `error when retrieving current configuration of a Job from ${JSON.stringify(manifest.source)}: resource name may not be empty`
      return yield* Effect.fail(new InputError({ message }))
    }
    const key = { namespace: String(metadata['namespace']), name }
    const { resourceVersion: expectedVersion, ...metadataWithoutVersion } = metadata
    const lastApplied = `${JSON.stringify({ ...manifest.object, metadata: metadataWithoutVersion })}\n`
    const annotations = (metadataWithoutVersion['annotations'] ?? {}) as Readonly<Record<string, string>>
    const modified = { ...manifest.object, metadata: { ...metadataWithoutVersion, annotations: { ...annotations, [LAST_APPLIED_ANNOTATION]: lastApplied } } }

    const attempt: Effect.Effect<Applied, ApiError, JobStore | CliIO> = Effect.gen(function* () {
      const live = yield* Effect.either(api(store.getJob(key)))
      if (live._tag === 'Left') {
        if (live.left.error._tag !== 'NotFound') return yield* Effect.fail(live.left)
        const created = yield* api(store.createJob(modified), 'creating', manifest.source)
        return { job: created, outcome: 'created' as const }
      }
      const current = live.right
      if (typeof expectedVersion === 'string' && expectedVersion !== current.metadata.resourceVersion) {
        const detail = 'the object has been modified; please apply your changes to the latest version and try again'
        return yield* Effect.fail(new ApiError({ error: new Conflict({ kind: 'Job', namespace: key.namespace, name, detail }), action: 'applying patch to', source: manifest.source }))
      }
      const previous = current.metadata.annotations?.[LAST_APPLIED_ANNOTATION]
      if (previous === undefined) {
        yield* Effect.flatMap(CliIO, (io) =>
          io.err(`Warning: resource jobs/${name} is missing the ${LAST_APPLIED_ANNOTATION} annotation which is required by jobctl apply; it will be added now.\n`),
        )
      }
      const original = previous === undefined ? {} : parseJsonOr(previous, {})
      const { status: _status, ...currentObject } = asApiObject('Job', current)
      const patch = threeWayMergePatch(original, modified, currentObject)
      if (Object.keys(patch).length === 0) return { job: current, outcome: 'unchanged' as const }
      const patched = applyMergePatch(currentObject, patch) as Job
      const updated = yield* api(store.updateJob({ ...patched, metadata: { ...patched.metadata, resourceVersion: current.metadata.resourceVersion } }), 'applying patch to', manifest.source)
      return { job: updated, outcome: jsonEqual(updated, current) ? ('unchanged' as const) : ('configured' as const) }
    })
    return yield* typeof expectedVersion === 'string' ? attempt : retryOnConflict(attempt)
  })
}

function parseJsonOr(text: string, fallback: unknown): unknown {
  try {
    return JSON.parse(text) as unknown
  } catch {
    return fallback
  }
}

/** `kubectl create` for each manifest; prints `job.batch/NAME created`. */
export function createManifests(manifests: ReadonlyArray<Manifest>): Effect.Effect<ReadonlyArray<Job>, CliError, JobStore | CliIO> {
  return Effect.gen(function* () {
    const store = yield* JobStore
    return yield* Effect.forEach(manifests, (manifest) =>
      api(store.createJob(manifest.object), 'creating', manifest.source).pipe(Effect.tap((job) => printLine(`job.batch/${job.metadata.name ?? ''} created`))),
    )
  })
}

export const apply: Command = {
  name: 'apply',
  summary: 'Apply a configuration to Jobs by file name or stdin.',
  usage: 'apply -f FILENAME [flags]',
  description:
    'Creates the Jobs that do not exist and updates the others with a three-way merge against the manifest applied last ' +
    `(kept in the ${LAST_APPLIED_ANNOTATION} annotation), as kubectl's client-side apply. YAML (several documents per file) and JSON are accepted.`,
  examples: ['# Apply the pi Job', 'jobctl apply -f examples/pi/job.yaml', '', '# Apply every manifest in a directory, and one from stdin', 'jobctl apply -f jobs/', 'cat job.yaml | jobctl apply -f -'],
  flags: [FILENAME_FLAG, RECURSIVE_FLAG],
  defaultStore: 'persistent',
  run: (context) =>
    Effect.gen(function* () {
      const manifests = yield* loadJobManifests(context, 'apply')
      yield* applyManifests(manifests)
      return 0
    }),
}

export const create: Command = {
  name: 'create',
  summary: 'Create Jobs from a file or from stdin.',
  usage: 'create -f FILENAME [flags]',
  description: 'Fails for a Job that exists already (use apply to update). A manifest with generateName gets a generated name.',
  examples: ['# Create the pi Job', 'jobctl create -f examples/pi/job.yaml'],
  flags: [FILENAME_FLAG, RECURSIVE_FLAG],
  defaultStore: 'persistent',
  run: (context) =>
    Effect.gen(function* () {
      const manifests = yield* loadJobManifests(context, 'create')
      yield* createManifests(manifests)
      return 0
    }),
}

