/** `jobctl describe`: kubectl's detail view of Jobs, CronJobs and Pods, with their events. */
import { Clock, Effect } from 'effect'
import type { CronJob } from '../../../core/index.js'
import type { Job, Pod } from '../../../core/model/types.js'
import { JobStore, type StoredEvent } from '../../ports/JobStore.js'
import { SELECTOR_FLAG, type Command } from '../command.js'
import type { ApiError } from '../errors.js'
import { describeCronJob, describeJob, describePod } from '../printers/describe.js'
import { print, printErrorLine } from '../io.js'
import type { ResourceKind } from '../resources.js'
import { getObject, listObjects, type StoredObject } from './objects.js'
import { api, keyOf, resourceSelection, selectorOf } from './shared.js'

/** The events about one object, as `kubectl describe` finds them (name, kind and uid). */
export function eventsOf(kind: ResourceKind, object: StoredObject): Effect.Effect<ReadonlyArray<StoredEvent>, ApiError, JobStore> {
  return Effect.gen(function* () {
    const store = yield* JobStore
    const name = object.metadata.name ?? ''
    const events = yield* api(store.listEvents({ namespace: keyOf(object).namespace, involvedObjectName: name }))
    return events.filter((e) => e.involvedObject.kind === kind && e.involvedObject.name === name && (object.metadata.uid === undefined || e.involvedObject.uid === object.metadata.uid))
  })
}

/** The `describe` view of a Job, with its events, as of now. */
export function describeJobNow(job: Job): Effect.Effect<string, ApiError, JobStore> {
  return Effect.gen(function* () {
    const events = yield* eventsOf('Job', job)
    return describeJob(job, events, yield* Clock.currentTimeMillis)
  })
}

export const describe: Command = {
  name: 'describe',
  summary: 'Show details of Jobs, CronJobs or Pods, with their events.',
  usage: 'describe (TYPE [NAME...] | TYPE/NAME...) [flags]',
  description: 'Without a name every object of the type in the namespace (matching -l) is described.',
  examples: [
    '# Describe the pi Job',
    'jobctl describe job pi',
    '',
    "# Describe the pi Job's pods",
    'jobctl describe pods -l batch.kubernetes.io/job-name=pi',
    '',
    '# Describe the hello CronJob: its schedule, job template, last schedule time and active Jobs',
    'jobctl describe cronjob hello',
  ],
  flags: [SELECTOR_FLAG],
  defaultStore: 'persistent',
  run: (context) =>
    Effect.gen(function* () {
      const { kind, names } = yield* resourceSelection(context.args.positionals, 'describe', 'describe')
      const selector = yield* selectorOf(context, 'describe')
      const listOptions = { namespace: context.namespace, ...(selector !== undefined ? { labelSelector: selector } : {}) }
      const objects =
        names.length > 0
          ? yield* Effect.forEach(names, (name) => getObject(kind, { namespace: context.namespace, name }, context))
          : yield* listObjects(kind, listOptions, context)
      const nowMs = yield* Clock.currentTimeMillis
      const views: string[] = []
      for (const object of objects) {
        const events = yield* eventsOf(kind, object)
        // The kind says which type the objects are.
        if (kind === 'Job') views.push(describeJob(object as Job, events, nowMs))
        else if (kind === 'CronJob') views.push(describeCronJob(object as CronJob, events, nowMs))
        else views.push(describePod(object as Pod, events, nowMs))
      }
      if (views.length === 0) yield* printErrorLine(`No resources found in ${context.namespace} namespace.`)
      yield* print(views.join('\n\n'))
      return 0
    }),
}
