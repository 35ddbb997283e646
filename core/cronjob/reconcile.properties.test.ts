/**
 * C43: invariants of `reconcileCronJob` over random CronJobs played against a simulated store.
 * Each step moves the clock, finishes or removes some Jobs, syncs, and applies the plan as the
 * applier does (C39–C41), with creations and deletions sometimes refused. After every sync the
 * invariants are checked against what the plan saw and what the store holds.
 */
import { fc } from '@fast-check/vitest'
import { describe, expect, it } from 'vitest'
import type { Job } from '../model/types.js'
import type { CronJobAction, CronJobPlan } from './actions.js'
import { appendActiveJob } from './activeJobs.js'
import { nextTime } from './nextTimes.js'
import { finishedAs } from './ownedJobs.js'
import { reconcileCronJob } from './reconcile.js'
import { parseSchedule } from './schedule.js'
import { at, cronJob, iso, job } from './testing/builders.js'
import type { ConcurrencyPolicy, CronJob } from './types.js'

const SCHEDULES = [
  { schedule: '*/5 * * * *' },
  { schedule: '0 * * * *' },
  { schedule: '*/7 * * * *' },
  { schedule: '@every 13m' },
  { schedule: '0,30 9-17 * * 1-5' },
  { schedule: '15 2 * * *', timeZone: 'America/New_York' },
  { schedule: '30 1 * * *', timeZone: 'America/New_York' },
] as const

type Step =
  | { readonly _tag: 'Tick'; readonly seconds: number }
  | { readonly _tag: 'Finish'; readonly pick: number; readonly as: 'Complete' | 'Failed' }
  | { readonly _tag: 'Vanish'; readonly pick: number }
  | { readonly _tag: 'Sync'; readonly refuseCreate: boolean; readonly refuseDelete: boolean; readonly loseStatusWrite: boolean }

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ _tag: fc.constant('Tick' as const), seconds: fc.integer({ min: 1, max: 3 * 3600 }) }) },
  { weight: 2, arbitrary: fc.record({ _tag: fc.constant('Finish' as const), pick: fc.nat(), as: fc.constantFrom('Complete' as const, 'Failed' as const) }) },
  { weight: 1, arbitrary: fc.record({ _tag: fc.constant('Vanish' as const), pick: fc.nat() }) },
  { weight: 4, arbitrary: fc.record({
      _tag: fc.constant('Sync' as const),
      refuseCreate: fc.boolean(),
      refuseDelete: fc.boolean(),
      // The controller dies after its Job calls, before the status write (C27, C42).
      loseStatusWrite: fc.boolean(),
    }) },
)

const scenarioArb = fc.record({
  schedule: fc.constantFrom(...SCHEDULES),
  policy: fc.constantFrom<ConcurrencyPolicy>('Allow', 'Forbid', 'Replace'),
  deadline: fc.option(fc.integer({ min: 0, max: 7200 }), { nil: undefined }),
  successfulLimit: fc.integer({ min: 0, max: 3 }),
  failedLimit: fc.integer({ min: 0, max: 2 }),
  // Start on 2026-03-07 so that some scenarios cross New York's spring-forward night.
  startOffsetMinutes: fc.integer({ min: 0, max: 2 * 24 * 60 }),
  steps: fc.array(stepArb, { minLength: 5, maxLength: 40 }),
})

interface World {
  cronJob: CronJob
  jobs: Job[]
  now: number
  nextUid: number
  /** Every Job name ever created, for "one Job per scheduled time". */
  readonly created: Set<string>
  /** Whether a sync ever ended before its status write (a crash, a refused Replace deletion). */
  statusWriteSkipped: boolean
}

const ofTag = <T extends CronJobAction['_tag']>(plan: CronJobPlan, tag: T) => plan.actions.filter((a): a is Extract<CronJobAction, { _tag: T }> => a._tag === tag)

/** How often the interesting paths were taken, so that the property is known not to be vacuous. */
const exercised = { creations: 0, adoptions: 0, forbidden: 0, replaced: 0, history: 0 }

/** Applies a plan as the applier does (C39–C41), or stops where a refusal or a crash stops it. */
function apply(world: World, plan: CronJobPlan, refuseCreate: boolean, refuseDelete: boolean, loseStatusWrite: boolean): void {
  let created: Job | undefined
  let createRefused = false
  for (const action of plan.actions) {
    switch (action._tag) {
      case 'RecordEvent':
        break
      case 'DeleteJob':
        if (refuseDelete) {
          if (action.reason === 'Replace') {
            world.statusWriteSkipped = true
            return
          }
          break
        }
        world.jobs = world.jobs.filter((j) => j.metadata.uid !== action.uid)
        break
      case 'CreateJob': {
        const name = action.job.metadata?.name ?? ''
        if (refuseCreate || world.jobs.some((j) => j.metadata.name === name)) {
          createRefused = true
          break
        }
        created = { ...job(name, { uid: `u${world.nextUid++}` }), metadata: { ...action.job.metadata, uid: `u${world.nextUid - 1}` } }
        world.jobs.push(created)
        world.created.add(name)
        break
      }
      case 'UpdateCronJobStatus': {
        if (loseStatusWrite) {
          world.statusWriteSkipped = true
          return
        }
        const status = createRefused ? action.statusIfNotCreated : action.appendCreatedJob && created !== undefined ? appendActiveJob(action.status, created) : action.status
        if (status !== undefined) world.cronJob = { ...world.cronJob, status }
        break
      }
    }
  }
}

/** The invariants of one sync, given the world it saw (before applying) and its plan. */
function checkSync(seen: World, plan: CronJobPlan): void {
  const { cronJob: cj, jobs, now } = seen
  const creations = ofTag(plan, 'CreateJob')
  expect(creations.length, 'at most one CreateJob').toBeLessThanOrEqual(1)
  const creation = creations[0]
  if (creation !== undefined) {
    const scheduled = at(creation.scheduledTime)
    const name = creation.job.metadata?.name ?? ''
    // The name is the lock: never a Job whose name exists; and, while every status write landed, never twice.
    expect(jobs.some((j) => j.metadata.name === name), `a second Job for ${creation.scheduledTime}`).toBe(false)
    if (!seen.statusWriteSkipped) expect(seen.created.has(name), `a Job again for ${creation.scheduledTime}`).toBe(false)
    const last = cj.status?.lastScheduleTime
    if (last !== undefined) expect(scheduled, 'only times after the last schedule time').toBeGreaterThan(at(last))
    expect(scheduled, 'never a Job for a time after now').toBeLessThanOrEqual(now)
    if (cj.spec.startingDeadlineSeconds !== undefined) expect(scheduled, 'never older than the deadline').toBeGreaterThan(now - cj.spec.startingDeadlineSeconds * 1000)
    const parsed = parseSchedule(cj.spec.schedule)
    if (parsed._tag === 'Right' && parsed.right._tag === 'CronSpec') {
      expect(nextTime(parsed.right, scheduled - 1000, cj.spec.timeZone ?? 'UTC'), 'a real schedule time').toBe(scheduled)
    }
    expect(creation.scheduledTime).not.toBe(cj.status?.lastScheduleTime)
    const statusWrite = ofTag(plan, 'UpdateCronJobStatus')[0]
    const stillActive = (statusWrite?.status.active ?? []).map((ref) => ref.name)
    if (cj.spec.concurrencyPolicy === 'Forbid') expect(stillActive, 'Forbid creates only when nothing is active').toEqual([])
    if (cj.spec.concurrencyPolicy === 'Replace') {
      const unfinishedActive = (cj.status?.active ?? []).filter((ref) => jobs.some((j) => j.metadata.uid === ref.uid && finishedAs(j) === undefined)).map((ref) => ref.name)
      expect(ofTag(plan, 'DeleteJob').filter((d) => d.reason === 'Replace').map((d) => d.name), 'Replace deletes exactly the active Jobs').toEqual(unfinishedActive)
      expect(stillActive).toEqual([])
    }
  }
  for (const deletion of ofTag(plan, 'DeleteJob').filter((d) => d.reason === 'History')) {
    const target = jobs.find((j) => j.metadata.uid === deletion.uid)
    expect(target !== undefined && finishedAs(target) !== undefined, 'history deletes only finished Jobs').toBe(true)
  }
  const finishedNames = new Set(jobs.filter((j) => finishedAs(j) !== undefined).map((j) => j.metadata.name))
  // C27: a Job created before a lost status write is taken into active, finished or not.
  const write = ofTag(plan, 'UpdateCronJobStatus')[0]
  const adopted = creation === undefined && write !== undefined && write.status.lastScheduleTime !== cj.status?.lastScheduleTime ? write.status.active?.at(-1)?.name : undefined
  if (adopted !== undefined) exercised.adoptions++
  if (creation !== undefined) exercised.creations++
  if (plan.actions.some((a) => a._tag === 'RecordEvent' && a.reason === 'JobAlreadyActive')) exercised.forbidden++
  if (plan.actions.some((a) => a._tag === 'DeleteJob' && a.reason === 'Replace')) exercised.replaced++
  if (plan.actions.some((a) => a._tag === 'DeleteJob' && a.reason === 'History')) exercised.history++
  for (const write of ofTag(plan, 'UpdateCronJobStatus')) {
    for (const ref of [...(write.status.active ?? []), ...(write.statusIfNotCreated?.active ?? [])]) {
      expect(finishedNames.has(ref.name) && ref.name !== adopted, `active holds the finished Job ${ref.name}`).toBe(false)
    }
  }
  if (plan.requeueAfter !== undefined) expect(plan.requeueAfter, 'requeue in the future').toBeGreaterThan(0)
}

/** After a fully applied sync, history keeps at most the limits. */
function checkHistory(world: World): void {
  const complete = world.jobs.filter((j) => finishedAs(j) === 'Complete').length
  const failed = world.jobs.filter((j) => finishedAs(j) === 'Failed').length
  expect(complete).toBeLessThanOrEqual(world.cronJob.spec.successfulJobsHistoryLimit)
  expect(failed).toBeLessThanOrEqual(world.cronJob.spec.failedJobsHistoryLimit)
}

describe('C43 invariants over random histories', () => {
  it('hold after every sync', () => {
    fc.assert(
      fc.property(scenarioArb, (scenario) => {
        const start = at('2026-03-07T00:00:00Z') + scenario.startOffsetMinutes * 60_000
        const world: World = {
          cronJob: cronJob(
            {
              ...scenario.schedule,
              concurrencyPolicy: scenario.policy,
              successfulJobsHistoryLimit: scenario.successfulLimit,
              failedJobsHistoryLimit: scenario.failedLimit,
              ...(scenario.deadline === undefined ? {} : { startingDeadlineSeconds: scenario.deadline }),
            },
            { creationTimestamp: iso(start) },
          ),
          jobs: [],
          now: start,
          nextUid: 1,
          created: new Set(),
          statusWriteSkipped: false,
        }
        for (const step of scenario.steps) {
          switch (step._tag) {
            case 'Tick':
              world.now += step.seconds * 1000
              break
            case 'Finish': {
              const running = world.jobs.filter((j) => finishedAs(j) === undefined)
              const target = running[step.pick % Math.max(1, running.length)]
              if (target === undefined) break
              const finished: Job = {
                ...target,
                status: { conditions: [{ type: step.as, status: 'True' }], startTime: iso(world.now - 1000), ...(step.as === 'Complete' ? { completionTime: iso(world.now) } : {}) },
              }
              world.jobs = world.jobs.map((j) => (j === target ? finished : j))
              break
            }
            case 'Vanish': {
              const target = world.jobs[step.pick % Math.max(1, world.jobs.length)]
              if (target !== undefined) world.jobs = world.jobs.filter((j) => j !== target)
              break
            }
            case 'Sync': {
              const seen: World = { ...world, jobs: [...world.jobs], created: new Set(world.created) }
              const plan = reconcileCronJob(world.cronJob, world.jobs, world.now)
              checkSync(seen, plan)
              apply(world, plan, step.refuseCreate, step.refuseDelete, step.loseStatusWrite)
              if (!step.refuseDelete) checkHistory(world)
              break
            }
          }
        }
      }),
      { numRuns: 60 },
    )
    for (const [path, count] of Object.entries(exercised)) expect(count, `the ${path} path was exercised`).toBeGreaterThan(0)
  })
})
