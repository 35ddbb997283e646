/** `jobctl get`: list or show Jobs, CronJobs and Pods in kubectl's formats. */
import { Clock, Effect } from 'effect'
import { booleanFlag } from '../args.js'
import { OUTPUT_FLAG, SELECTOR_FLAG, type Command } from '../command.js'
import { describeFailure, ExitCode, type ApiError } from '../errors.js'
import { CliIO } from '../io.js'
import { printObjects } from '../printers/output.js'
import { getObject, listObjects, type StoredObject } from './objects.js'
import { outputOf, resourceSelection, selectorOf } from './shared.js'

export const get: Command = {
  name: 'get',
  summary: 'Display one or many Jobs, CronJobs or Pods.',
  usage: 'get (TYPE [NAME...] | TYPE/NAME...) [flags]',
  description: 'TYPE is job (jobs, job.batch), cronjob (cronjobs, cj) or pod (pods, po). Without a name every object of the type in the namespace is listed.',
  examples: [
    '# List the Jobs in the default namespace',
    'jobctl get jobs',
    '',
    "# The names of the pi Job's pods",
    "jobctl get pods --selector=batch.kubernetes.io/job-name=pi --output=jsonpath='{.items[*].metadata.name}'",
    '',
    '# One Job as YAML',
    'jobctl get job/pi -o yaml',
    '',
    '# The CronJobs, with their containers, images and selectors',
    'jobctl get cj -o wide',
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
      const io = yield* CliIO
      const { kind, names } = selection

      const found: StoredObject[] = []
      const missing: ApiError[] = []
      if (names.length > 0) {
        for (const name of names) {
          const got = yield* Effect.either(getObject(kind, { namespace: context.namespace, name }, context))
          if (got._tag === 'Right') found.push(got.right)
          else if (got.left._tag === 'ApiError' && got.left.error._tag === 'NotFound') missing.push(got.left)
          else return yield* Effect.fail(got.left)
        }
      } else {
        const options = { ...(allNamespaces ? {} : { namespace: context.namespace }), ...(selector !== undefined ? { labelSelector: selector } : {}) }
        found.push(...(yield* listObjects(kind, options, context)))
      }

      const nowMs = yield* Clock.currentTimeMillis
      if (found.length === 0 && names.length === 0 && (format._tag === 'Table' || format._tag === 'Name')) {
        yield* io.err(allNamespaces ? 'No resources found\n' : `No resources found in ${context.namespace} namespace.\n`)
      } else if (found.length > 0 || names.length === 0) {
        yield* io.out(
          printObjects({
            kind,
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
