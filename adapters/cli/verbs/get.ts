/** `jobctl get`: list or show Jobs and Pods in kubectl's formats. */
import { Clock, Effect } from 'effect'
import type { Job, Pod } from '../../../core/model/types.js'
import { JobStore, type ListResult } from '../../ports/JobStore.js'
import { booleanFlag } from '../args.js'
import { OUTPUT_FLAG, SELECTOR_FLAG, type Command } from '../command.js'
import { describeFailure, ExitCode, type ApiError } from '../errors.js'
import { CliIO } from '../io.js'
import { printObjects } from '../printers/output.js'
import type { ResourceKind } from '../resources.js'
import { api, outputOf, resourceSelection, selectorOf } from './shared.js'

/** Sorts objects by namespace, then name, as the API server lists them. */
export function byNamespaceAndName<A extends Job | Pod>(objects: ReadonlyArray<A>): A[] {
  const key = (o: A) => `${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`
  return [...objects].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0))
}

export const get: Command = {
  name: 'get',
  summary: 'Display one or many Jobs or Pods.',
  usage: 'get (TYPE [NAME...] | TYPE/NAME...) [flags]',
  description: 'TYPE is job (jobs, job.batch) or pod (pods, po). Without a name every object of the type in the namespace is listed.',
  examples: [
    '# List the Jobs in the default namespace',
    'jobctl get jobs',
    '',
    "# The names of the pi Job's pods",
    "jobctl get pods --selector=batch.kubernetes.io/job-name=pi --output=jsonpath='{.items[*].metadata.name}'",
    '',
    '# One Job as YAML',
    'jobctl get job/pi -o yaml',
  ],
  flags: [
    OUTPUT_FLAG,
    SELECTOR_FLAG,
    { name: 'all-namespaces', short: 'A', kind: 'boolean', help: 'List across all namespaces' },
    { name: 'no-headers', kind: 'boolean', help: 'Print tables without the header line' },
  ],
  defaultStore: 'persistent',
  run: (context) =>
    Effect.gen(function* () {
      const selection = yield* resourceSelection(context.args.positionals, 'get', 'get')
      const format = yield* outputOf(context, 'get')
      const selector = yield* selectorOf(context, 'get')
      const allNamespaces = booleanFlag(context.args, 'all-namespaces')
      const store = yield* JobStore
      const io = yield* CliIO
      const { kind, names } = selection

      const found: Array<Job | Pod> = []
      const missing: ApiError[] = []
      if (names.length > 0) {
        for (const name of names) {
          const key = { namespace: context.namespace, name }
          const got = yield* Effect.either(api<Job | Pod, never>(kind === 'Job' ? store.getJob(key) : store.getPod(key)))
          if (got._tag === 'Right') found.push(got.right)
          else if (got.left.error._tag === 'NotFound') missing.push(got.left)
          else return yield* Effect.fail(got.left)
        }
      } else {
        const options = { ...(allNamespaces ? {} : { namespace: context.namespace }), ...(selector !== undefined ? { labelSelector: selector } : {}) }
        const listed = yield* api<ListResult<Job | Pod>, never>(kind === 'Job' ? store.listJobs(options) : store.listPods(options))
        found.push(...byNamespaceAndName<Job | Pod>(listed.items))
      }

      const nowMs = yield* Clock.currentTimeMillis
      if (found.length === 0 && names.length === 0 && (format._tag === 'Table' || format._tag === 'Name')) {
        yield* io.err(allNamespaces ? 'No resources found\n' : `No resources found in ${context.namespace} namespace.\n`)
      } else if (found.length > 0 || names.length === 0) {
        yield* io.out(
          printObjects({
            kind: kind as ResourceKind,
            objects: found,
            single: names.length === 1,
            format,
            withNamespace: allNamespaces,
            noHeaders: booleanFlag(context.args, 'no-headers'),
            nowMs,
          }),
        )
      }
      for (const error of missing) yield* io.err(`${describeFailure(error).line}\n`)
      return missing.length > 0 ? ExitCode.Failed : ExitCode.Ok
    }),
}
