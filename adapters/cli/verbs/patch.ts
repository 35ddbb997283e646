/**
 * `jobctl patch`, `jobctl suspend` and `jobctl resume`: read-modify-write of a Job's mutable
 * fields. The store validates the result as the API server does (immutable fields are refused
 * with `field is immutable`).
 */
import { Effect, Either } from 'effect'
import type { Job } from '../../../core/model/types.js'
import { JobStore, type ObjectKey } from '../../ports/JobStore.js'
import { stringFlag } from '../args.js'
import type { Command } from '../command.js'
import { InputError, type ApiError, type UsageError } from '../errors.js'
import { printLine } from '../io.js'
import { jsonEqual } from '../../../core/model/equality.js'
import { applyMergePatch } from '../mergePatch.js'
import { MAX_OBJECT_BYTES } from '../inputLimits.js'
import { asApiObject } from '../printers/output.js'
import { parseYamlDocuments, shownKey } from '../yamlDocuments.js'
import { api, resourceSelection, retryOnConflict, usage } from './shared.js'

/**
 * Replaces the Job with `change(job)` (an API object without status) unless that changes
 * nothing; retried on `Conflict`. Returns whether anything changed.
 */
export function rewriteJob(key: ObjectKey, change: (job: Job) => unknown, action: string): Effect.Effect<boolean, ApiError | InputError, JobStore> {
  return retryOnConflict(
    Effect.gen(function* () {
      const store = yield* JobStore
      const current = yield* api(store.getJob(key))
      const { status: _status, ...currentObject } = asApiObject('Job', current)
      const next = change(current) as Job
      if (jsonEqual(next, currentObject)) return false
      const bytes = new TextEncoder().encode(JSON.stringify(next)).length
      if (bytes > MAX_OBJECT_BYTES) {
        return yield* Effect.fail(new InputError({ message: `the ${action} Job would be ${bytes} bytes as JSON, more than etcd stores in one object (${MAX_OBJECT_BYTES}): etcdserver: request is too large` }))
      }
      const updated = yield* api(store.updateJob({ ...next, metadata: { ...next.metadata, resourceVersion: current.metadata.resourceVersion } }), action)
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

/** Reads the one Job a command names (`job pi` or `job/pi`). */
function oneJob(positionals: ReadonlyArray<string>, command: string): Effect.Effect<string, UsageError> {
  return Effect.gen(function* () {
    const selection = yield* resourceSelection(positionals, command, command)
    if (selection.kind !== 'Job') return yield* usage(command, `jobctl ${command} works on jobs`)
    if (selection.names.length !== 1) return yield* usage(command, 'exactly one job name is required')
    return selection.names[0]!
  })
}

export const patch: Command = {
  name: 'patch',
  summary: "Update a Job's mutable fields with a merge patch.",
  usage: 'patch (TYPE NAME | TYPE/NAME) -p PATCH [flags]',
  description:
    'PATCH is a JSON merge patch (RFC 7386), as JSON or YAML. The mutable fields of a Job include spec.parallelism, spec.suspend, ' +
    'spec.activeDeadlineSeconds, spec.ttlSecondsAfterFinished, spec.completions of an elastic Indexed Job, labels and annotations.',
  examples: ['# Run three pods at a time', 'jobctl patch job pi -p \'{"spec":{"parallelism":3}}\'', '', '# Suspend the Job', "jobctl patch job/pi --type=merge -p '{\"spec\":{\"suspend\":true}}'"],
  flags: [
    { name: 'patch', short: 'p', kind: 'string', placeholder: 'PATCH', help: 'The patch, JSON or YAML' },
    { name: 'type', kind: 'string', placeholder: 'merge', help: 'The patch type: merge (strategic is read as merge for Jobs)', defaultValue: 'strategic' },
  ],
  defaultStore: 'persistent',
  run: (context) =>
    Effect.gen(function* () {
      const name = yield* oneJob(context.args.positionals, 'patch')
      const patchType = stringFlag(context.args, 'type') ?? 'strategic'
      if (patchType === 'json') return yield* usage('patch', 'JSON patches are not supported: use --type=merge')
      if (patchType !== 'merge' && patchType !== 'strategic') return yield* usage('patch', `--type must be one of [json merge strategic], not "${patchType}"`)
      const text = stringFlag(context.args, 'patch')
      if (text === undefined) return yield* usage('patch', 'must specify --patch or --patch-file containing the contents of the patch')
      const parsed = parsePatch(text)
      if (Either.isLeft(parsed)) return yield* Effect.fail(new InputError({ message: parsed.left }))
      const changed = yield* rewriteJob(
        { namespace: context.namespace, name },
        (job) => {
          const { status: _status, ...object } = asApiObject('Job', job)
          const { status: _ignored, ...patched } = applyMergePatch(object, parsed.right) as Record<string, unknown>
          return patched
        },
        'patching',
      )
      yield* printLine(`job.batch/${name} patched${changed ? '' : ' (no change)'}`)
      return 0
    }),
}

/** Sets `spec.suspend`; returns whether it changed. */
export function setSuspend(key: ObjectKey, suspend: boolean): Effect.Effect<boolean, ApiError | InputError, JobStore> {
  return rewriteJob(
    key,
    (job) => {
      const { status: _status, ...object } = asApiObject('Job', job)
      return { ...object, spec: { ...job.spec, suspend } }
    },
    'patching',
  )
}

function suspendCommand(suspend: boolean): Command {
  const name = suspend ? 'suspend' : 'resume'
  const done = suspend ? 'suspended' : 'resumed'
  return {
    name,
    summary: suspend ? 'Suspend a Job: its running pods are stopped and no new ones start.' : 'Resume a suspended Job.',
    usage: `${name} (TYPE NAME | TYPE/NAME) [flags]`,
    description: `Sets spec.suspend to ${suspend}, as jobctl patch job NAME -p '{"spec":{"suspend":${suspend}}}' does.`,
    examples: [`jobctl ${name} job pi`],
    flags: [],
    defaultStore: 'persistent',
    run: (context) =>
      Effect.gen(function* () {
        const jobName = yield* oneJob(context.args.positionals, name)
        const changed = yield* setSuspend({ namespace: context.namespace, name: jobName }, suspend)
        yield* printLine(`job.batch/${jobName} ${changed ? done : `already ${done}`}`)
        return 0
      }),
  }
}

export const suspend: Command = suspendCommand(true)
export const resume: Command = suspendCommand(false)
