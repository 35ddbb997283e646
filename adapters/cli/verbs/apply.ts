/**
 * `jobctl apply` and `jobctl create`: send Job and CronJob manifests to the store, as kubectl's client-side
 * apply does (three-way merge against the last-applied annotation; `created`, `configured`,
 * `unchanged`) and as `kubectl create` does.
 */
import { Effect } from 'effect'
import type { CronJob } from '../../../core/index.js'
import type { Job } from '../../../core/model/types.js'
import * as MemoryStore from '../../stores/memory/MemoryStore.js'
import { CronJobStore, type CronJobStoreService } from '../../ports/CronJobStore.js'
import { Conflict, type StoreError } from '../../ports/errors.js'
import { JobStore, type JobStoreService, type ObjectKey } from '../../ports/JobStore.js'
import { booleanFlag, listFlag, stringFlag } from '../args.js'
import { FILENAME_FLAG, RECURSIVE_FLAG, type Command, type CommandContext } from '../command.js'
import { ApiError, InputError, type CliError } from '../errors.js'
import { CliIO, printLine } from '../io.js'
import { readManifests, requireWorkloads, type WorkloadKind, type WorkloadManifest } from '../manifests.js'
import { jsonEqual } from '../../../core/model/equality.js'
import { applyMergePatch, LAST_APPLIED_ANNOTATION, threeWayMergePatch } from '../mergePatch.js'
import { asApiObject } from '../printers/output.js'
import { resourceKind, resourceNames } from '../resources.js'
import { createJobFromCronJob } from './createJob.js'
import { api, cronJobStore, retryOnConflict, usage } from './shared.js'

/** What happened to one object. */
export type ApplyOutcome = 'created' | 'configured' | 'unchanged'

/** One object written by `apply`/`create`, with what happened to it. */
export type Applied =
  | { readonly kind: 'Job'; readonly object: Job; readonly outcome: ApplyOutcome }
  | { readonly kind: 'CronJob'; readonly object: CronJob; readonly outcome: ApplyOutcome }

type Metadata = Readonly<Record<string, unknown>>

const metadataOf = (object: Readonly<Record<string, unknown>>): Metadata => {
  const metadata = object['metadata']
  return typeof metadata === 'object' && metadata !== null && !Array.isArray(metadata) ? (metadata as Metadata) : {}
}

/**
 * Reads and checks the `-f` manifests of a command (Jobs and CronJobs): every file is read and
 * every document decoded and validated (against an empty in-memory API server) before
 * anything is written.
 */
export function loadWorkloadManifests(context: CommandContext, command: string): Effect.Effect<ReadonlyArray<WorkloadManifest>, CliError, CliIO> {
  return Effect.gen(function* () {
    const files = listFlag(context.args, 'filename')
    if (files.length === 0) return yield* usage(command, 'must specify -f FILENAME')
    const manifests = yield* requireWorkloads(yield* readManifests(files, booleanFlag(context.args, 'recursive'), command))
    const placed: WorkloadManifest[] = []
    for (const manifest of manifests) placed.push(yield* inNamespace(manifest, context.namespace, context.args.strings.has('namespace')))
    yield* Effect.forEach(placed, dryRunCreate, { discard: true })
    return placed
  })
}

/** Sets the manifest's namespace from `--namespace` unless it has one; a different one is an error. */
function inNamespace(manifest: WorkloadManifest, namespace: string, explicit: boolean): Effect.Effect<WorkloadManifest, InputError> {
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
function dryRunCreate(manifest: WorkloadManifest): Effect.Effect<void, ApiError> {
  const metadata = metadataOf(manifest.object)
  const { resourceVersion: _rv, ...fresh } = metadata
  const object = { ...manifest.object, metadata: fresh }
  const created: Effect.Effect<unknown, StoreError, JobStore | CronJobStore> =
    manifest.kind === 'Job' ? Effect.flatMap(JobStore, (scratch) => scratch.createJob(object)) : Effect.flatMap(CronJobStore, (scratch) => scratch.createCronJob(object))
  return created.pipe(
    Effect.asVoid,
    Effect.catchAll((error) =>
      error._tag === 'AlreadyExists' ? Effect.void : Effect.fail(new ApiError({ error, action: 'creating', source: manifest.source })),
    ),
    Effect.provide(MemoryStore.layer),
  )
}

/** The reads and writes `apply` and `create` make of one kind. */
interface WorkloadApi<A extends Job | CronJob> {
  readonly kind: WorkloadKind
  readonly get: (key: ObjectKey) => Effect.Effect<A, StoreError>
  readonly create: (manifest: unknown) => Effect.Effect<A, StoreError>
  readonly update: (object: A) => Effect.Effect<A, StoreError>
}

const jobApi = (store: JobStoreService): WorkloadApi<Job> => ({ kind: 'Job', get: store.getJob, create: store.createJob, update: store.updateJob })

const cronJobApi = (store: CronJobStoreService): WorkloadApi<CronJob> => ({
  kind: 'CronJob',
  get: store.getCronJob,
  create: store.createCronJob,
  update: store.updateCronJob,
})

/** Runs `write` with the store's API for the manifest's kind. */
function withApi(
  manifest: WorkloadManifest,
  context: CommandContext,
  write: <A extends Job | CronJob>(api: WorkloadApi<A>) => Effect.Effect<{ readonly object: A; readonly outcome: ApplyOutcome }, CliError, CliIO>,
): Effect.Effect<Applied, CliError, JobStore | CliIO> {
  return Effect.gen(function* () {
    if (manifest.kind === 'Job') {
      const written = yield* write(jobApi(yield* JobStore))
      return { kind: 'Job', ...written }
    }
    const written = yield* write(cronJobApi(yield* cronJobStore(context)))
    return { kind: 'CronJob', ...written }
  })
}

/** `kubectl apply` for each manifest, in order; prints `job.batch/NAME created|configured|unchanged` (`cronjob.batch/NAME` for a CronJob). */
export function applyManifests(manifests: ReadonlyArray<WorkloadManifest>, context: CommandContext, quiet = false): Effect.Effect<ReadonlyArray<Applied>, CliError, JobStore | CliIO> {
  return Effect.forEach(manifests, (manifest) =>
    Effect.tap(withApi(manifest, context, (api) => applyOne(manifest, api)), (applied) =>
      quiet ? Effect.void : printLine(`${resourceNames[applied.kind].singular}/${applied.object.metadata.name ?? ''} ${applied.outcome}`),
    ),
  )
}

function applyOne<A extends Job | CronJob>(manifest: WorkloadManifest, store: WorkloadApi<A>): Effect.Effect<{ readonly object: A; readonly outcome: ApplyOutcome }, CliError, CliIO> {
  return Effect.gen(function* () {
    const metadata = metadataOf(manifest.object)
    const name = metadata['name']
    if (typeof name !== 'string' || name === '') {
      const generated = metadata['generateName']
      const message = typeof generated === 'string' && generated !== '' ? `from ${generated}: cannot use generate name with apply` : `error when retrieving current configuration of a ${manifest.kind} from ${JSON.stringify(manifest.source)}: resource name may not be empty`
      return yield* Effect.fail(new InputError({ message }))
    }
    const key = { namespace: String(metadata['namespace']), name }
    const { resourceVersion: expectedVersion, ...metadataWithoutVersion } = metadata
    const lastApplied = `${JSON.stringify({ ...manifest.object, metadata: metadataWithoutVersion })}\n`
    const annotations = (metadataWithoutVersion['annotations'] ?? {}) as Readonly<Record<string, string>>
    const modified = { ...manifest.object, metadata: { ...metadataWithoutVersion, annotations: { ...annotations, [LAST_APPLIED_ANNOTATION]: lastApplied } } }

    const attempt: Effect.Effect<{ readonly object: A; readonly outcome: ApplyOutcome }, ApiError, CliIO> = Effect.gen(function* () {
      const live = yield* Effect.either(api(store.get(key)))
      if (live._tag === 'Left') {
        if (live.left.error._tag !== 'NotFound') return yield* Effect.fail(live.left)
        const created = yield* api(store.create(modified), 'creating', manifest.source)
        return { object: created, outcome: 'created' as const }
      }
      const current = live.right
      if (typeof expectedVersion === 'string' && expectedVersion !== current.metadata.resourceVersion) {
        const detail = 'the object has been modified; please apply your changes to the latest version and try again'
        return yield* Effect.fail(new ApiError({ error: new Conflict({ kind: store.kind, namespace: key.namespace, name, detail }), action: 'applying patch to', source: manifest.source }))
      }
      const previous = current.metadata.annotations?.[LAST_APPLIED_ANNOTATION]
      if (previous === undefined) {
        const plural = resourceNames[store.kind].plural.split('.')[0]
        yield* Effect.flatMap(CliIO, (io) =>
          io.err(`Warning: resource ${plural}/${name} is missing the ${LAST_APPLIED_ANNOTATION} annotation which is required by jobctl apply; it will be added now.\n`),
        )
      }
      const original = previous === undefined ? {} : parseJsonOr(previous, {})
      const { status: _status, ...currentObject } = asApiObject(store.kind, current)
      const patch = threeWayMergePatch(original, modified, currentObject)
      if (Object.keys(patch).length === 0) return { object: current, outcome: 'unchanged' as const }
      // The store decodes and validates the patched object as the API server does.
      const patched = applyMergePatch(currentObject, patch) as A
      const updated = yield* api(store.update({ ...patched, metadata: { ...patched.metadata, resourceVersion: current.metadata.resourceVersion } }), 'applying patch to', manifest.source)
      return { object: updated, outcome: jsonEqual(updated, current) ? ('unchanged' as const) : ('configured' as const) }
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

/** `kubectl create` for each manifest; prints `job.batch/NAME created` (`cronjob.batch/NAME` for a CronJob). */
export function createManifests(manifests: ReadonlyArray<WorkloadManifest>, context: CommandContext): Effect.Effect<ReadonlyArray<Applied>, CliError, JobStore | CliIO> {
  return Effect.forEach(manifests, (manifest) =>
    withApi(manifest, context, (store) => Effect.map(api(store.create(manifest.object), 'creating', manifest.source), (object) => ({ object, outcome: 'created' as const }))).pipe(
      Effect.tap((created) => printLine(`${resourceNames[created.kind].singular}/${created.object.metadata.name ?? ''} created`)),
    ),
  )
}

export const apply: Command = {
  name: 'apply',
  summary: 'Apply a configuration to Jobs and CronJobs by file name or stdin.',
  usage: 'apply -f FILENAME [flags]',
  description:
    'Creates the Jobs and CronJobs that do not exist and updates the others with a three-way merge against the manifest applied last ' +
    `(kept in the ${LAST_APPLIED_ANNOTATION} annotation), as kubectl's client-side apply. YAML (several documents per file) and JSON are accepted.`,
  examples: [
    '# Apply the pi Job',
    'jobctl apply -f examples/pi/job.yaml',
    '',
    "# Apply the docs' hello CronJob (a jobctl controller runs its Jobs every minute)",
    'jobctl apply -f examples/cronjob/hello.yaml',
    '',
    '# Apply every manifest in a directory, and one from stdin',
    'jobctl apply -f jobs/',
    'cat job.yaml | jobctl apply -f -',
  ],
  flags: [FILENAME_FLAG, RECURSIVE_FLAG],
  defaultStore: 'persistent',
  run: (context) =>
    Effect.gen(function* () {
      const manifests = yield* loadWorkloadManifests(context, 'apply')
      yield* applyManifests(manifests, context)
      return 0
    }),
}

export const create: Command = {
  name: 'create',
  summary: 'Create Jobs and CronJobs from a file or from stdin, or a Job from a CronJob.',
  usage: 'create (-f FILENAME | job NAME --from=cronjob/CRONJOB) [flags]',
  description:
    'Fails for an object that exists already (use apply to update). A manifest with generateName gets a generated name. ' +
    "create job NAME --from=cronjob/CRONJOB runs a CronJob's job template now, as kubectl does: a Job with the template's spec, " +
    'labels and annotations, the annotation cronjob.kubernetes.io/instantiate: manual and an owner reference to the CronJob.',
  examples: [
    '# Create the pi Job',
    'jobctl create -f examples/pi/job.yaml',
    '',
    '# Run the hello CronJob now, outside its schedule',
    'jobctl create job hello-now --from=cronjob/hello',
  ],
  flags: [FILENAME_FLAG, RECURSIVE_FLAG, { name: 'from', kind: 'string', placeholder: 'cronjob/NAME', help: 'With create job NAME: the CronJob whose job template makes the Job' }],
  defaultStore: 'persistent',
  run: (context) =>
    Effect.gen(function* () {
      const [subcommand] = context.args.positionals
      if (subcommand !== undefined) {
        if (resourceKind(subcommand) !== 'Job') return yield* usage('create', `unknown subcommand "${subcommand}": create takes -f FILENAME, or job NAME --from=cronjob/CRONJOB`)
        if (listFlag(context.args, 'filename').length > 0) return yield* usage('create', 'create job NAME --from takes no -f')
        return yield* createJobFromCronJob(context)
      }
      if (stringFlag(context.args, 'from') !== undefined) return yield* usage('create', '--from goes with create job NAME')
      const manifests = yield* loadWorkloadManifests(context, 'create')
      yield* createManifests(manifests, context)
      return 0
    }),
}
