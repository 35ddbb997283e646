/**
 * `jobctl delete`: deletes Jobs (by name, by selector or from manifests) with kubectl's
 * `--cascade`, or Pods, and by default waits until they are gone.
 */
import { Effect, Stream } from 'effect'
import { JobStore, type ObjectKey, type PropagationPolicy } from '../../ports/JobStore.js'
import { booleanFlag, listFlag, stringFlag } from '../args.js'
import { FILENAME_FLAG, RECURSIVE_FLAG, SELECTOR_FLAG, type Command } from '../command.js'
import { TimeoutError, type ApiError, type CliError } from '../errors.js'
import { printLine } from '../io.js'
import { readManifests, requireWorkloads } from '../manifests.js'
import { cronJobStates, jobStates, podStates } from '../observe.js'
import { resourceNames, type ResourceKind } from '../resources.js'
import { listObjects, type StoredObject } from './objects.js'
import { api, cronJobStore, parseDuration, resourceSelection, selectorOf, usage } from './shared.js'

/** `--cascade` values, kubectl's and their deprecated boolean spellings. */
const CASCADE: Readonly<Record<string, PropagationPolicy>> = {
  background: 'Background',
  foreground: 'Foreground',
  orphan: 'Orphan',
  true: 'Background',
  false: 'Orphan',
}

export const deleteCommand: Command = {
  name: 'delete',
  summary: 'Delete Jobs, CronJobs or Pods by name, by label selector, or from manifests.',
  usage: 'delete ([-f FILENAME] | TYPE [NAME...] | TYPE/NAME... | TYPE -l QUERY | TYPE --all) [flags]',
  description:
    "--cascade=background (the default) deletes the Job at once and its pods after (a CronJob: its Jobs); foreground deletes the pods first; orphan leaves the pods. " +
    'Foreground and orphan deletion are finished by the controller\'s garbage collector, so with --wait a controller must be running.',
  examples: ['# Delete the pi Job and its pods', 'jobctl delete job pi', '', '# Delete the Jobs of a manifest, keeping their pods', 'jobctl delete -f job.yaml --cascade=orphan'],
  flags: [
    FILENAME_FLAG,
    RECURSIVE_FLAG,
    SELECTOR_FLAG,
    { name: 'all', kind: 'boolean', help: 'Delete every object of the type in the namespace' },
    { name: 'cascade', kind: 'string', placeholder: 'background|foreground|orphan', help: 'How dependents are deleted', defaultValue: 'background' },
    { name: 'wait', kind: 'boolean', help: 'Wait until the objects are gone', defaultValue: true },
    { name: 'timeout', kind: 'string', placeholder: 'DURATION', help: 'How long --wait waits (0: forever)', defaultValue: '0s' },
    { name: 'ignore-not-found', kind: 'boolean', help: 'Treat a missing object as deleted' },
    { name: 'grace-period', kind: 'string', placeholder: 'SECONDS', help: "Pods only: seconds to let the containers stop (default: the pod's own)" },
  ],
  defaultStore: 'persistent',
  run: (context) =>
    Effect.gen(function* () {
      const cascadeText = stringFlag(context.args, 'cascade') ?? 'background'
      const propagationPolicy = CASCADE[cascadeText]
      if (propagationPolicy === undefined) return yield* usage('delete', `invalid cascade value (${cascadeText}). Must be "background", "foreground", or "orphan"`)
      const timeoutMs = parseDuration(stringFlag(context.args, 'timeout') ?? '0s')
      if (timeoutMs === undefined) return yield* usage('delete', `invalid argument "${stringFlag(context.args, 'timeout')}" for "--timeout" flag`)
      const graceText = stringFlag(context.args, 'grace-period')
      const gracePeriodSeconds = graceText === undefined ? undefined : Number(graceText)
      if (gracePeriodSeconds !== undefined && !(Number.isInteger(gracePeriodSeconds) && gracePeriodSeconds >= 0)) {
        return yield* usage('delete', `invalid argument "${graceText}" for "--grace-period" flag`)
      }
      const ignoreNotFound = booleanFlag(context.args, 'ignore-not-found')
      const store = yield* JobStore

      // What to delete.
      let targets: ReadonlyArray<{ readonly kind: ResourceKind; readonly key: ObjectKey }>
      const inNamespace = (kind: ResourceKind) => (name: string) => ({ kind, key: { namespace: context.namespace, name } })
      const files = listFlag(context.args, 'filename')
      if (files.length > 0) {
        if (context.args.positionals.length > 0) return yield* usage('delete', 'there is no need to specify a resource type as a separate argument when passing arguments with -f')
        const manifests = yield* requireWorkloads(yield* readManifests(files, booleanFlag(context.args, 'recursive'), 'delete'))
        targets = manifests.map((m) => {
          const metadata = (m.object['metadata'] ?? {}) as Record<string, unknown>
          const namespace = typeof metadata['namespace'] === 'string' && metadata['namespace'] !== '' ? metadata['namespace'] : context.namespace
          return { kind: m.kind, key: { namespace, name: String(metadata['name'] ?? '') } }
        })
      } else {
        const selection = yield* resourceSelection(context.args.positionals, 'delete', 'delete')
        const selector = yield* selectorOf(context, 'delete')
        const all = booleanFlag(context.args, 'all')
        if (selection.names.length > 0) {
          if (selector !== undefined || all) return yield* usage('delete', 'name cannot be provided when a selector or --all is specified')
          targets = selection.names.map(inNamespace(selection.kind))
        } else if (selector !== undefined || all) {
          const options = { namespace: context.namespace, ...(selector !== undefined ? { labelSelector: selector } : {}) }
          const listed: ReadonlyArray<StoredObject> = yield* listObjects(selection.kind, options, context)
          targets = listed.map((o) => inNamespace(selection.kind)(o.metadata.name ?? ''))
          if (targets.length === 0) {
            yield* printLine('No resources found')
            return 0
          }
        } else return yield* usage('delete', 'resource(s) were provided, but no name was specified')
      }

      let failed: ApiError | undefined
      for (const { kind, key } of targets) {
        const deletion =
          kind === 'Job'
            ? store.deleteJob(key, { propagationPolicy })
            : kind === 'CronJob'
              ? (yield* cronJobStore(context)).deleteCronJob(key, { propagationPolicy })
              : store.deletePod(key, gracePeriodSeconds === undefined ? {} : { gracePeriodSeconds })
        const deleted = yield* Effect.either(api(deletion))
        if (deleted._tag === 'Left') {
          if (deleted.left.error._tag === 'NotFound' && ignoreNotFound) continue
          failed = deleted.left
          break
        }
        yield* printLine(`${resourceNames[kind].singular} ${JSON.stringify(key.name)} deleted`)
        if (booleanFlag(context.args, 'wait')) yield* waitUntilGone(kind, key, timeoutMs)
      }
      if (failed !== undefined) return yield* Effect.fail(failed)
      return 0
    }),
}

function waitUntilGone(kind: ResourceKind, key: ObjectKey, timeoutMs: number): Effect.Effect<void, CliError, JobStore> {
  const states: Stream.Stream<StoredObject | undefined, ApiError, JobStore> = kind === 'Job' ? jobStates(key) : kind === 'CronJob' ? cronJobStates(key) : podStates(key)
  const gone = Stream.runDrain(Stream.takeUntil(states, (object) => object === undefined))
  if (timeoutMs <= 0) return gone
  return Effect.timeoutFail(gone, {
    duration: timeoutMs,
    onTimeout: () => new TimeoutError({ message: `timed out waiting for the condition on ${resourceNames[kind].plural.split('.')[0]}/${key.name}` }),
  })
}
