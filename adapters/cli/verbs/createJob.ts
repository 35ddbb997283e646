/**
 * `jobctl create job NAME --from=cronjob/X`: a Job made by hand from a CronJob's job template,
 * as `kubectl create job --from` makes it (`createJobFromCronJob` in kubectl's `create_job.go`):
 * the template's spec, labels and annotations, the annotation
 * `cronjob.kubernetes.io/instantiate: manual`, and a controller owner reference to the CronJob
 * (without `blockOwnerDeletion`, as kubectl leaves it out).
 */
import { Effect } from 'effect'
import type { CronJob } from '../../../core/index.js'
import { JobStore } from '../../ports/JobStore.js'
import { stringFlag } from '../args.js'
import type { CommandContext } from '../command.js'
import { InputError, oneLine, type CliError } from '../errors.js'
import { CliIO, printLine } from '../io.js'
import { resourceKind, unknownResourceType } from '../resources.js'
import { api, cronJobStore, usage } from './shared.js'

/** The annotation kubectl puts on a Job created from a CronJob by hand. */
export const INSTANTIATE_ANNOTATION = 'cronjob.kubernetes.io/instantiate'

/** The Job manifest `kubectl create job NAME --from=cronjob/X` sends. */
export function jobFromCronJob(cronJob: CronJob, name: string): Record<string, unknown> {
  const template = cronJob.spec.jobTemplate
  const labels = template.metadata?.labels
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name,
      namespace: cronJob.metadata.namespace,
      // The template's own annotations win over kubectl's, as in kubectl (they are copied after it).
      annotations: { [INSTANTIATE_ANNOTATION]: 'manual', ...template.metadata?.annotations },
      ...(labels !== undefined ? { labels } : {}),
      ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: cronJob.metadata.name ?? '', uid: cronJob.metadata.uid ?? '', controller: true }],
    },
    spec: template.spec,
  }
}

/** Reads `--from`: only `cronjob/NAME` (kubectl takes any TYPE/NAME and refuses all but CronJobs). */
function fromCronJob(from: string | undefined): Effect.Effect<string, CliError> {
  if (from === undefined || from === '') return usage('create', 'either --image or --from must be specified (jobctl create job takes --from=cronjob/NAME)')
  const slash = from.indexOf('/')
  if (slash < 0) return usage('create', `--from must be TYPE/NAME, e.g. --from=cronjob/${from}`)
  const type = from.slice(0, slash)
  const name = from.slice(slash + 1)
  const kind = resourceKind(type)
  if (kind === undefined) return usage('create', unknownResourceType(type))
  if (kind !== 'CronJob' || name === '') return Effect.fail(new InputError({ message: 'from must be an existing cronjob' }))
  return Effect.succeed(name)
}

/** `create job NAME --from=cronjob/X`; prints `job.batch/NAME created`. */
export function createJobFromCronJob(context: CommandContext): Effect.Effect<number, CliError, JobStore | CliIO> {
  return Effect.gen(function* () {
    const [, ...names] = context.args.positionals
    if (names.length !== 1) return yield* usage('create', `exactly one NAME is required, got ${names.length}`)
    const name = names[0]!
    const from = yield* fromCronJob(stringFlag(context.args, 'from'))
    const cronJobs = yield* cronJobStore(context)
    const cronJob = yield* api(cronJobs.getCronJob({ namespace: context.namespace, name: from }))
    const store = yield* JobStore
    const job = yield* store.createJob(jobFromCronJob(cronJob, name)).pipe(
      Effect.mapError((error) => new InputError({ message: `failed to create job: ${oneLine(error.message)}` })),
    )
    yield* printLine(`job.batch/${job.metadata.name ?? name} created`)
    return 0
  })
}
