/**
 * `jobctl patch`, `jobctl suspend` and `jobctl resume`: read-modify-write of a Job's or a
 * CronJob's mutable fields. The store validates the result as the API server does (immutable fields are refused
 * with `field is immutable`).
 */
import { Effect, Either } from 'effect'
import type { CronJob } from '../../../core/index.js'
import type { Job } from '../../../core/model/types.js'
import type { StoreError } from '../../ports/errors.js'
import { JobStore, type ObjectKey } from '../../ports/JobStore.js'
import { stringFlag } from '../args.js'
import type { Command, CommandContext } from '../command.js'
import { InputError, type ApiError, type UsageError } from '../errors.js'
import { printLine } from '../io.js'
import { jsonEqual } from '../../../core/model/equality.js'
import { applyMergePatch } from '../mergePatch.js'
import { MAX_OBJECT_BYTES } from '../inputLimits.js'
import { asApiObject } from '../printers/output.js'
import { parseYamlDocuments, shownKey } from '../yamlDocuments.js'
import { resourceNames } from '../resources.js'
import { api, cronJobStore, resourceSelection, retryOnConflict, usage } from './shared.js'

/** The kinds `patch`, `suspend` and `resume` change. */
type Patchable = 'Job' | 'CronJob'

/**
 * Replaces the Job or CronJob with `change(object)` (an API object without status) unless that
 * changes nothing; retried on `Conflict`. Returns whether anything changed.
 */
export function rewriteObject(
  kind: Patchable,
  key: ObjectKey,
  change: (object: Record<string, unknown>) => Record<string, unknown>,
  action: string,
  context: CommandContext,
): Effect.Effect<boolean, ApiError | InputError, JobStore> {
  return Effect.gen(function* () {
    if (kind === 'Job') {
      const store = yield* JobStore
      return yield* rewrite<Job>(kind, { get: store.getJob, update: store.updateJob }, key, change, action)
    }
    const store = yield* cronJobStore(context)
    return yield* rewrite<CronJob>(kind, { get: store.getCronJob, update: store.updateCronJob }, key, change, action)
  })
}

/** Replaces a Job with `change(job)`, as `rewriteObject` does. */
export const rewriteJob = (key: ObjectKey, change: (job: Record<string, unknown>) => Record<string, unknown>, action: string, context: CommandContext) =>
  rewriteObject('Job', key, change, action, context)

function rewrite<A extends Job | CronJob>(
  kind: Patchable,
  store: { readonly get: (key: ObjectKey) => Effect.Effect<A, StoreError>; readonly update: (object: A) => Effect.Effect<A, StoreError> },
  key: ObjectKey,
  change: (object: Record<string, unknown>) => Record<string, unknown>,
  action: string,
): Effect.Effect<boolean, ApiError | InputError> {
  return retryOnConflict(
    Effect.gen(function* () {
      const current = yield* api(store.get(key))
      const { status: _status, ...currentObject } = asApiObject(kind, current)
      const next = change(currentObject)
      if (jsonEqual(next, currentObject)) return false
      const bytes = new TextEncoder().encode(JSON.stringify(next)).length
      if (bytes > MAX_OBJECT_BYTES) {
        return yield* Effect.fail(new InputError({ message: `the ${action} ${kind} would be ${bytes} bytes as JSON, more than etcd stores in one object (${MAX_OBJECT_BYTES}): etcdserver: request is too large` }))
      }
      // The store decodes and validates the result as the API server does.
      const metadata = (next['metadata'] ?? {}) as Record<string, unknown>
      const updated = yield* api(store.update({ ...next, metadata: { ...metadata, resourceVersion: current.metadata.resourceVersion } } as unknown as A), action)
      return !jsonEqual(updated, current)
    }),
  )
}

/** Reads a patch given as JSON or YAML (bounded as `-f` input is: see `inputLimits.ts`). */
function parsePatch(text: string): Either.Either<Record<string, unknown>, string> {
  const parsed = parseYamlDocuments(text)
  const unparsable = (why: string) => Either.left(`unable to parse ${shownKey(text)}: ${why}`)
  if (!parsed.ok) return unparsable(parsed.problem)
  if (parsed.documents.length > 1) return unparsable('a merge patch is one document')
  const value = parsed.documents[0]?.value ?? null
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return unparsable('a merge patch is a JSON object')
  return Either.right(value)
}

/** Reads the one Job or CronJob a command names (`job pi`, `cronjob/hello`). */
function oneObject(positionals: ReadonlyArray<string>, command: string): Effect.Effect<{ readonly kind: Patchable; readonly name: string }, UsageError> {
  return Effect.gen(function* () {
    const selection = yield* resourceSelection(positionals, command, command)
    if (selection.kind === 'Pod') return yield* usage(command, `jobctl ${command} works on jobs and cronjobs`)
    if (selection.names.length !== 1) return yield* usage(command, `exactly one ${selection.kind === 'Job' ? 'job' : 'cronjob'} name is required`)
    return { kind: selection.kind, name: selection.names[0]! }
  })
}

export const patch: Command = {
  name: 'patch',
  summary: "Update a Job's or CronJob's mutable fields with a merge patch.",
  usage: 'patch (TYPE NAME | TYPE/NAME) -p PATCH [flags]',
  description:
    'PATCH is a JSON merge patch (RFC 7386), as JSON or YAML. The mutable fields of a Job include spec.parallelism, spec.suspend, ' +
    'spec.activeDeadlineSeconds, spec.ttlSecondsAfterFinished, spec.completions of an elastic Indexed Job, labels and annotations; ' +
    'every field of a CronJob\'s spec is mutable (its schedule, suspend, its job template).',
  examples: [
    '# Run three pods at a time',
    'jobctl patch job pi -p \'{"spec":{"parallelism":3}}\'',
    '',
    '# Suspend the Job',
    "jobctl patch job/pi --type=merge -p '{\"spec\":{\"suspend\":true}}'",
    '',
    '# Suspend the hello CronJob, as the Kubernetes docs do it',
    'jobctl patch cronjob hello -p \'{"spec":{"suspend":true}}\'',
  ],
  flags: [
    { name: 'patch', short: 'p', kind: 'string', placeholder: 'PATCH', help: 'The patch, JSON or YAML' },
    { name: 'type', kind: 'string', placeholder: 'merge', help: 'The patch type: merge (strategic is read as merge for Jobs)', defaultValue: 'strategic' },
  ],
  defaultStore: 'persistent',
  run: (context) =>
    Effect.gen(function* () {
      const { kind, name } = yield* oneObject(context.args.positionals, 'patch')
      const patchType = stringFlag(context.args, 'type') ?? 'strategic'
      if (patchType === 'json') return yield* usage('patch', 'JSON patches are not supported: use --type=merge')
      if (patchType !== 'merge' && patchType !== 'strategic') return yield* usage('patch', `--type must be one of [json merge strategic], not "${patchType}"`)
      const text = stringFlag(context.args, 'patch')
      if (text === undefined) return yield* usage('patch', 'must specify --patch or --patch-file containing the contents of the patch')
      const parsed = parsePatch(text)
      if (Either.isLeft(parsed)) return yield* Effect.fail(new InputError({ message: parsed.left }))
      const changed = yield* rewriteObject(
        kind,
        { namespace: context.namespace, name },
        (object) => {
          const { status: _ignored, ...patched } = applyMergePatch(object, parsed.right) as Record<string, unknown>
          return patched
        },
        'patching',
        context,
      )
      yield* printLine(`${resourceNames[kind].singular}/${name} patched${changed ? '' : ' (no change)'}`)
      return 0
    }),
}

/** Sets `spec.suspend` of a Job or CronJob; returns whether it changed. */
export function setSuspend(kind: Patchable, key: ObjectKey, suspend: boolean, context: CommandContext): Effect.Effect<boolean, ApiError | InputError, JobStore> {
  return rewriteObject(kind, key, (object) => ({ ...object, spec: { ...(object['spec'] as Record<string, unknown>), suspend } }), 'patching', context)
}

function suspendCommand(suspend: boolean): Command {
  const name = suspend ? 'suspend' : 'resume'
  const done = suspend ? 'suspended' : 'resumed'
  return {
    name,
    summary: suspend
      ? 'Suspend a Job (its running pods are stopped and no new ones start) or a CronJob (it starts no more Jobs).'
      : 'Resume a suspended Job or CronJob.',
    usage: `${name} (TYPE NAME | TYPE/NAME) [flags]`,
    description:
      `Sets spec.suspend to ${suspend}, as jobctl patch job NAME -p '{"spec":{"suspend":${suspend}}}' does (kubectl patch cronjob NAME for a CronJob). ` +
      (suspend ? "A suspended CronJob's running Jobs go on." : 'A resumed CronJob starts the run most recently due, if its starting deadline allows.'),
    examples: [`jobctl ${name} job pi`, `jobctl ${name} cronjob hello`],
    flags: [],
    defaultStore: 'persistent',
    run: (context) =>
      Effect.gen(function* () {
        const target = yield* oneObject(context.args.positionals, name)
        const changed = yield* setSuspend(target.kind, { namespace: context.namespace, name: target.name }, suspend, context)
        yield* printLine(`${resourceNames[target.kind].singular}/${target.name} ${changed ? done : `already ${done}`}`)
        return 0
      }),
  }
}

export const suspend: Command = suspendCommand(true)
export const resume: Command = suspendCommand(false)
