/**
 * Applies a `reconcileCronJob` plan, in order, as its actions say (core/cronjob/actions.ts):
 * events recorded (never stopping the plan), history deletions that fail recorded and passed
 * over, a failed `Replace` deletion or Job creation stopping the plan with its error, a Job
 * that exists already (`AlreadyExists`, from an earlier attempt at the same schedule time)
 * stopping it quietly, and the status written last, with the created Job appended to
 * `status.active` when the plan asks for it.
 */
import { Effect } from 'effect'
import type { CronJob, CronJobPlan, CronJobStatus, RecordCronJobEvent } from '../../../../core/index.js'
import { appendActiveJob, cronJobEvents } from '../../../../core/index.js'
import type { Job } from '../../../../core/model/types.js'
import type { CronJobStoreService } from '../../../ports/CronJobStore.js'
import type { StoreError } from '../../../ports/errors.js'
import type { JobStoreService, NewEvent } from '../../../ports/JobStore.js'

/** Where a plan's work goes: the two stores, and the controller's event recorder (client-go's correlator, EventRecorder.ts). */
export interface CronJobPlanTargets {
  readonly jobs: JobStoreService
  readonly cronJobs: CronJobStoreService
  /** Queues an event; never fails and never waits (the recorder writes it in the background). */
  readonly recordEvent: (event: NewEvent) => Effect.Effect<void>
}

/** The `source` of the CronJob controller's events, as upstream's reports it. */
export const CRONJOB_CONTROLLER_SOURCE = 'cronjob-controller'

/** What applying a plan did. */
export interface AppliedCronJobPlan {
  /** The CronJob as the status write returned it; absent when no status was written. */
  readonly cronJob?: CronJob
  /** The Job the plan created, as the store returned it. */
  readonly created?: Job
  /** The sync ended without wanting another look (a Job of the run's name is not ours): no requeue. */
  readonly endedQuietly?: boolean
}

/** Applies `plan` to `cronJob`; fails with the error that stopped it (the caller retries with back-off). */
export function applyCronJobPlan(
  cronJob: CronJob,
  plan: CronJobPlan,
  stores: CronJobPlanTargets,
): Effect.Effect<AppliedCronJobPlan, StoreError> {
  return Effect.gen(function* () {
    const namespace = cronJob.metadata.namespace ?? 'default'
    const name = cronJob.metadata.name ?? ''
    // Events are best effort, as upstream's recorder: queued, never stopping a sync.
    const record = (event: RecordCronJobEvent): Effect.Effect<void> =>
      stores.recordEvent({
        namespace,
        involvedObject: { kind: 'CronJob', name, uid: cronJob.metadata.uid ?? '' },
        type: event.eventType,
        reason: event.reason,
        message: event.message,
        source: CRONJOB_CONTROLLER_SOURCE,
      })

    const writeStatus = (status: CronJobStatus) => stores.cronJobs.updateCronJobStatus({ namespace, name }, status, cronJob.metadata.resourceVersion ?? '')

    let created: Job | undefined
    for (const action of plan.actions) {
      switch (action._tag) {
        case 'RecordEvent':
          yield* record(action)
          break
        case 'DeleteJob': {
          const deleted = yield* Effect.either(
            stores.jobs
              .deleteJob({ namespace, name: action.name }, { propagationPolicy: action.propagation, preconditionUid: action.uid })
              .pipe(Effect.catchTag('NotFound', () => Effect.void)),
          )
          if (deleted._tag === 'Right') {
            yield* record(cronJobEvents.successfulDelete(action.name))
            break
          }
          yield* record(cronJobEvents.failedDelete(deleted.left.message))
          if (action.reason === 'Replace') return yield* Effect.fail(deleted.left)
          break
        }
        case 'CreateJob': {
          const outcome = yield* Effect.either(stores.jobs.createJob(action.job))
          if (outcome._tag === 'Right') {
            created = outcome.right
            yield* record(cronJobEvents.successfulCreate(created.metadata.name ?? ''))
            break
          }
          if (outcome.left._tag !== 'AlreadyExists') yield* record(cronJobEvents.failedCreate(outcome.left.message))
          const fallback = statusIfNotCreated(plan)
          const written = fallback === undefined ? undefined : yield* writeStatus(fallback)
          if (outcome.left._tag === 'AlreadyExists') return { ...(written === undefined ? {} : { cronJob: written }), endedQuietly: true }
          return yield* Effect.fail(outcome.left)
        }
        case 'UpdateCronJobStatus': {
          const status: CronJobStatus = action.appendCreatedJob && created !== undefined ? appendActiveJob(action.status, created) : action.status
          const written = yield* writeStatus(status)
          return { cronJob: written, ...(created === undefined ? {} : { created }) }
        }
      }
    }
    return created === undefined ? {} : { created }
  })
}

/** The status the plan writes when its Job was not created, if any. */
function statusIfNotCreated(plan: CronJobPlan): CronJobStatus | undefined {
  for (const action of plan.actions) if (action._tag === 'UpdateCronJobStatus') return action.statusIfNotCreated
  return undefined
}
