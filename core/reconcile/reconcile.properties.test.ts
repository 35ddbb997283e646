/**
 * Properties of `reconcile` over random Jobs and random pod histories, played against the
 * fixtures' simulated store: plans are applied (sometimes only in part, as when the applier
 * stops; sometimes with pod calls refused, the rest coming from `reconcileAfterFailedPodCalls`
 * as the controller's applier does), other clients write `False` conditions, pods start, get
 * ready, succeed, fail, restart, get deleted, terminate and vanish, time passes, parallelism
 * and suspend change. After every sync the invariants of the spec
 * are checked against the store and against a ground-truth ledger of finished pods.
 */
import { fc } from '@fast-check/vitest'
import { describe, expect, it } from 'vitest'
import type { Job, JobStatus, Pod } from '../model/types.js'
import { TRACKING_FINALIZER, COMPLETION_INDEX_ANNOTATION } from '../model/wellKnown.js'
import type { Action } from './actions.js'
import type { FailedPodCalls } from './failedPodCalls.js'
import { anyFailedPodCall } from './failedPodCalls.js'
import type { ReconcileOptions, Reconciliation } from './options.js'
import { reconcile, reconcileAfterFailedPodCalls } from './reconcile.js'
import { T0, advance, applyPlan, condition, eventApplies, jobOf, newWorld, pod, podEvent, podsEvent, withSpec, type Applied, type World } from './testing/fixtures.js'
import { ignoredByPolicy, jobFromShape, normalizeShape, scenarioArb, type JobShape, type PodCallRefusals, type Scenario } from './testing/scenarios.js'

/** What the ground truth says a pod released by a plan must have been counted as. */
type Counted = 'succeeded' | 'failed' | 'none'

interface Violation {
  readonly property: string
  readonly detail: string
}

const TERMINAL_OR_INTERIM = ['FailureTarget', 'SuccessCriteriaMet', 'Complete', 'Failed'] as const
const PLAN_CHANGES: ReadonlySet<Action['_tag']> = new Set(['CreatePod', 'DeletePod', 'RemoveTrackingFinalizer', 'UpdateJobStatus', 'AdoptPod', 'ReleasePod', 'RecordEvent'])

const tracked = (pod: Pod): boolean => pod.metadata.finalizers?.includes(TRACKING_FINALIZER) ?? false
const isTerminal = (pod: Pod): boolean => pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed'
const indexOf = (pod: Pod): number | undefined => {
  const text = pod.metadata.annotations?.[COMPLETION_INDEX_ANNOTATION]
  return text === undefined ? undefined : Number(text)
}

/** A deliberately naive reading of an interval string (`"0,2-4"` ⇒ {0,2,3,4}). */
function indexesOf(text: string | undefined): Set<number> {
  const out = new Set<number>()
  for (const fragment of (text ?? '').split(',')) {
    if (fragment === '') continue
    const [first, last] = fragment.split('-').map(Number)
    for (let i = first!; i <= (last ?? first!); i++) out.add(i)
  }
  return out
}

const trueTypes = (status: JobStatus | undefined): Set<string> =>
  new Set((status?.conditions ?? []).filter((c) => c.status === 'True').map((c) => c.type))

/** Plays one scenario and returns every invariant it broke. */
function simulate(scenario: Scenario): Violation[] {
  const shape: JobShape = normalizeShape(scenario.shape)
  const violations: Violation[] = []
  const fail = (property: string, detail: string) => violations.push({ property, detail })
  let world: World = newWorld(jobFromShape(scenario.shape), T0)
  const ledger = new Map<string, Counted>()
  const succeededIndexesSeen = new Set<number>()
  const everTrue = new Set<string>()
  let completionTime: string | undefined
  let lastRequeue: number | undefined
  let lastSucceeded = 0
  let lastFailed = 0

  for (const [stepNumber, step] of scenario.steps.entries()) {
    if (world.job === undefined) break
    const where = `step ${stepNumber} (${step.kind})`
    switch (step.kind) {
      case 'time':
        world = advance(world, step.ms)
        break
      case 'wake':
        if (lastRequeue !== undefined) world = advance(world, lastRequeue)
        break
      case 'scale':
        world = { ...world, job: withSpec(jobOf(world), { parallelism: step.parallelism }) }
        break
      case 'suspend':
        world = { ...world, job: withSpec(jobOf(world), { suspend: step.suspend }) }
        break
      case 'foreignCondition': {
        // R145: another client's `False` condition; the engine must ensure it in place later (R146).
        const job = jobOf(world)
        const conditions = job.status?.conditions ?? []
        if (conditions.some((c) => c.type === step.type)) break
        const foreign = condition(step.type, 'SetElsewhere', 'written by another client', world.nowMs, 'False')
        world = { ...world, job: { ...job, status: { ...job.status, conditions: [...conditions, foreign] } } }
        break
      }
      case 'pod': {
        const candidates = world.pods.filter((p) => eventApplies(p, step.event))
        if (candidates.length === 0) break
        world = podEvent(world, candidates[step.pick % candidates.length]!.metadata.uid ?? '', step.event)
        break
      }
      case 'orphan':
        // R171: an orphan matching the selector is adopted and counted like any other pod.
        if (shape.mode === 'Indexed') break
        world = { ...world, pods: [...world.pods, pod(jobOf(world), step.state, { name: `orphan-${stepNumber}`, owner: 'none', finalizer: false, createdAt: world.nowMs - 2000, finishedAt: world.nowMs - 1000 })] }
        break
      case 'startAll':
        world = podsEvent(world, () => true, { _tag: 'Start' })
        break
      case 'sync': {
        const input = world
        const job = jobOf(input)
        const options = { ...(input.backoff === undefined ? {} : { backoff: input.backoff }), ...(step.unsatisfied ? { expectationsSatisfied: false } : {}) }
        const plan = reconcile(job, input.pods, input.nowMs, options)
        const again = reconcile(job, input.pods, input.nowMs, options)
        try {
          expect(again).toEqual(plan)
        } catch {
          fail('deterministic', `${where}: two reconciles of the same input differ`)
        }
        checkPlan(shape, job, input, plan, step.unsatisfied, where, fail)
        if (step.unsatisfied) {
          // R89/R159: nothing is created and only a finishing Job's pods are deleted.
          if (plan.actions.some((a) => a._tag === 'CreatePod' || (a._tag === 'DeletePod' && a.reason !== 'JobFinished'))) {
            fail('unsatisfied expectations: no creation, no excess or suspend deletion', `${where}`)
          }
        }
        for (const pod of input.pods) {
          const index = indexOf(pod)
          if (tracked(pod) && pod.status?.phase === 'Succeeded' && index !== undefined) succeededIndexesSeen.add(index)
        }

        const count = step.refused !== null || step.cut === null ? plan.actions.length : step.cut % (plan.actions.length + 1)
        const { world: next, applied, rejected, effective } =
          step.refused === null ? { ...applyPlan(input, plan, count), effective: plan } : applyWithRefusals(input, plan, options, step.refused)
        if (rejected !== undefined) {
          fail('every status write passes the API server status validation (R60–R66)', `${where}: ${rejected.problems.join('; ')}`)
        }
        recordReleases(shape, job, input, effective, applied, ledger, where, fail)
        let previous = job.status ?? {}
        for (const action of applied) {
          if (action._tag !== 'UpdateJobStatus') continue
          checkWrite(shape, job, input, previous, action.status, where, fail)
          const s = action.status
          if ((s.succeeded ?? 0) < lastSucceeded) fail('succeeded never decreases', `${where}: ${lastSucceeded} → ${s.succeeded}`)
          if ((s.failed ?? 0) < lastFailed) fail('failed never decreases', `${where}: ${lastFailed} → ${s.failed}`)
          lastSucceeded = s.succeeded ?? 0
          lastFailed = s.failed ?? 0
          const types = trueTypes(s)
          for (const type of everTrue) if (!types.has(type)) fail('terminal conditions never revert', `${where}: ${type} disappeared`)
          for (const type of TERMINAL_OR_INTERIM) if (types.has(type)) everTrue.add(type)
          if (completionTime !== undefined && s.completionTime !== completionTime) fail('completionTime never changes', `${where}`)
          completionTime = s.completionTime ?? completionTime
          previous = s
        }
        world = next
        lastRequeue = effective.requeueAfterMs
        if (world.job !== undefined) {
          checkStore(shape, world, ledger, succeededIndexesSeen, where, fail)
          if (effective === plan && count === plan.actions.length && !step.unsatisfied && rejected === undefined) checkQuiet(shape, world, where, fail)
        }
        break
      }
    }
  }
  return violations
}

/**
 * Applies `plan` as the controller's applier does when the store refuses some pod calls
 * (actions.ts): the pod-management part without the refused calls, then the status-tracking
 * part, from `reconcileAfterFailedPodCalls` once something failed; a refused finalizer removal
 * ends its run and the partial-progress write follows.
 */
function applyWithRefusals(
  input: World,
  plan: Reconciliation,
  options: ReconcileOptions,
  refused: PodCallRefusals,
): { readonly world: World; readonly applied: ReadonlyArray<Action>; readonly rejected?: Applied['rejected']; readonly effective: Reconciliation } {
  const job = jobOf(input)
  const management = plan.actions.slice(0, plan.trackingFrom)
  const creations = management.filter((a) => a._tag === 'CreatePod').length
  const deletedUids = [...new Set(management.flatMap((a) => (a._tag === 'DeletePod' ? [a.podUid] : [])))]
  const failed: FailedPodCalls = {
    creationsNotMade: Math.max(creations - refused.creationsMade, 0),
    deletionsFailed: deletedUids.filter((_, i) => (refused.deletions & (1 << i)) !== 0),
    finalizerRemovalsFailed: [],
  }
  const managementFailed = anyFailedPodCall(failed)
  const removalsFailedIn = (tracking: ReadonlyArray<Action>) =>
    tracking.flatMap((a) => (a._tag === 'RemoveTrackingFinalizer' ? [a.podUid] : [])).filter((_, i) => (refused.removals & (1 << i)) !== 0)
  if (!managementFailed && removalsFailedIn(plan.actions.slice(plan.trackingFrom)).length === 0) return { ...applyPlan(input, plan), effective: plan }

  // A sync with an error commits the back-off record only with a status write (R127).
  let world = input
  const applied: Action[] = []
  let rejected: Applied['rejected']
  let effective = plan
  const apply = (actions: ReadonlyArray<Action>, from: Reconciliation): boolean => {
    const before = world.backoff
    const outcome = applyPlan(world, { ...from, actions })
    world = actions.some((a) => a._tag === 'UpdateJobStatus') ? outcome.world : { ...outcome.world, backoff: before }
    applied.push(...outcome.applied)
    rejected = outcome.rejected
    return rejected === undefined
  }
  const result = () => ({ world, applied, effective, ...(rejected === undefined ? {} : { rejected }) })

  let made = 0
  const managementApplied = management.filter((a) => {
    if (a._tag === 'CreatePod') return made++ < refused.creationsMade
    if (a._tag === 'DeletePod' || a._tag === 'RemoveTrackingFinalizer') return !failed.deletionsFailed.includes(a.podUid)
    return true
  })
  if (!apply(managementApplied, plan)) return result()
  // What follows failed pod calls starts from the Job as the plan's last write left it (applyPlan.ts).
  const planJob = managementFailed ? jobOf(world) : job
  if (managementFailed) effective = reconcileAfterFailedPodCalls(planJob, input.pods, input.nowMs, options, failed)
  const tracking = managementFailed ? effective.actions : plan.actions.slice(plan.trackingFrom)
  const removalsFailed = removalsFailedIn(tracking)
  if (removalsFailed.length === 0) {
    apply(tracking, effective)
    return result()
  }
  // The run of removals ends the part: everything up to its end, without the refused ones.
  const lastRemoval = tracking.findLastIndex((a) => a._tag === 'RemoveTrackingFinalizer')
  const upToRemovals = tracking.slice(0, lastRemoval + 1).filter((a) => !(a._tag === 'RemoveTrackingFinalizer' && removalsFailed.includes(a.podUid)))
  if (!apply(upToRemovals, effective)) return result()
  effective = reconcileAfterFailedPodCalls(planJob, input.pods, input.nowMs, options, { ...failed, finalizerRemovalsFailed: removalsFailed })
  apply(effective.actions, effective)
  return result()
}

/** Invariants of one plan against its input. */
function checkPlan(
  shape: JobShape,
  job: Job,
  input: World,
  plan: Reconciliation,
  unsatisfied: boolean,
  where: string,
  fail: (p: string, d: string) => void,
): void {
  const creates = plan.actions.filter((a) => a._tag === 'CreatePod').length
  const inputTypes = trueTypes(job.status)
  const planTypes = trueTypes(plan.status)
  if (creates > 0 && (inputTypes.has('Complete') || inputTypes.has('Failed'))) fail('a finished Job is never given a pod', `${where}: ${creates} creations`)
  if (creates > 0 && (inputTypes.has('FailureTarget') || planTypes.has('FailureTarget'))) {
    fail('a Job with FailureTarget never gets a new pod', `${where}: ${creates} creations`)
  }
  if (creates > 0 && (planTypes.has('Complete') || planTypes.has('Failed') || planTypes.has('SuccessCriteriaMet'))) {
    fail('a finishing Job is never given a pod', `${where}`)
  }
  const parallelism = job.spec.parallelism
  const active = plan.status.active ?? 0
  const workQueueAfterSuccess = shape.mode === 'WorkQueue' && (plan.status.succeeded ?? 0) > 0
  // Pod management only runs with satisfied expectations (R159): until then nothing is deleted.
  if (!workQueueAfterSuccess && !unsatisfied && active > parallelism) fail('active never exceeds parallelism', `${where}: active ${active} > ${parallelism}`)
  if (creates > 0 && job.spec.podReplacementPolicy === 'Failed' && active + (plan.status.terminating ?? 0) > parallelism) {
    fail('with podReplacementPolicy Failed, creations keep active + terminating within parallelism', `${where}: ${active} + ${plan.status.terminating} > ${parallelism}`)
  }
  if (creates > 0 && job.spec.completions !== undefined && shape.mode !== 'WorkQueue') {
    const remaining = job.spec.completions - (plan.status.succeeded ?? 0)
    if (active > Math.max(remaining, 0)) fail('never more active pods than remaining completions', `${where}: active ${active}, remaining ${remaining}`)
  }
  for (const action of plan.actions) {
    if (action._tag === 'ReleasePod') fail('no release without label changes', `${where}`)
    if (action._tag !== 'AdoptPod') continue
    const orphan = input.pods.find((p) => p.metadata.uid === action.podUid)
    if (orphan === undefined || (orphan.metadata.ownerReferences ?? []).length > 0) fail('only orphans are adopted', `${where}: ${action.podName}`)
  }
}

/** The ledger: what each pod whose finalizer went away must have been counted as (R109, R114). */
function recordReleases(
  shape: JobShape,
  job: Job,
  input: World,
  plan: Reconciliation,
  applied: ReadonlyArray<Action>,
  ledger: Map<string, Counted>,
  where: string,
  fail: (p: string, d: string) => void,
): void {
  const uncounted = job.status?.uncountedTerminatedPods
  const failing = trueTypes(plan.status).has('FailureTarget')
  const replaceOnlyFailed = job.spec.podReplacementPolicy === 'Failed'
  const completions = job.spec.completions ?? 0
  const adopted = new Set(applied.filter((a) => a._tag === 'AdoptPod').map((a) => a.podUid))
  for (const action of applied) {
    if (action._tag !== 'RemoveTrackingFinalizer') continue
    if (ledger.has(action.podUid)) continue
    const pod = input.pods.find((p) => p.metadata.uid === action.podUid)
    if (pod === undefined || !(tracked(pod) || adopted.has(action.podUid))) {
      fail('finalizers are removed only from tracked pods', `${where}: ${action.podName}`)
      continue
    }
    let counted: Counted
    if (uncounted?.succeeded?.includes(action.podUid)) counted = 'succeeded'
    else if (uncounted?.failed?.includes(action.podUid)) counted = 'failed'
    else if (shape.mode === 'Indexed' && !(indexOf(pod)! < completions)) counted = 'none'
    else if (pod.status?.phase === 'Succeeded') counted = 'succeeded'
    else {
      const failed = pod.status?.phase === 'Failed' || (!replaceOnlyFailed && pod.metadata.deletionTimestamp !== undefined)
      counted = (failed || failing) && !ignoredByPolicy(shape.policy ?? undefined, pod) ? 'failed' : 'none'
    }
    ledger.set(action.podUid, counted)
  }
}

/** Invariants of one status write. */
function checkWrite(shape: JobShape, job: Job, input: World, previous: JobStatus, status: JobStatus, where: string, fail: (p: string, d: string) => void): void {
  const completions = job.spec.completions ?? 0
  if (shape.mode === 'Indexed' && (status.succeeded ?? 0) > completions) fail('succeeded never exceeds completions (Indexed)', `${where}: ${status.succeeded}`)
  const completed = indexesOf(status.completedIndexes)
  for (const index of indexesOf(status.failedIndexes)) {
    if (completed.has(index)) fail('failedIndexes and completedIndexes never overlap', `${where}: index ${index}`)
  }
  if ((status.ready ?? 0) > (status.active ?? 0)) fail('ready ≤ active (R66)', `${where}: ready ${status.ready} > active ${status.active}`)
  const conditionTypes = (status.conditions ?? []).map((c) => c.type)
  if (new Set(conditionTypes).size !== conditionTypes.length) fail('no condition type appears twice (R146)', `${where}: ${conditionTypes.join(', ')}`)
  const types = trueTypes(status)
  if (types.has('Complete') && types.has('Failed')) fail('Complete and Failed never both (R63)', where)
  if (types.has('Complete') || types.has('Failed')) {
    const uncounted = (status.uncountedTerminatedPods?.succeeded?.length ?? 0) + (status.uncountedTerminatedPods?.failed?.length ?? 0)
    if ((status.active ?? 0) !== 0 || (status.terminating ?? 0) !== 0 || uncounted !== 0) {
      fail('a finished Job has nothing active, terminating or uncounted (R63)', `${where}: ${JSON.stringify(status)}`)
    }
    if (types.has('Complete') && (!types.has('SuccessCriteriaMet') || status.completionTime === undefined)) fail('Complete needs SuccessCriteriaMet and completionTime (R63)', where)
    if (types.has('Failed') && !types.has('FailureTarget')) fail('Failed needs FailureTarget (R63)', where)
  }
  if (types.has('SuccessCriteriaMet') && types.has('FailureTarget')) fail('SuccessCriteriaMet never with FailureTarget (R61)', where)
  const before = new Set(previous.uncountedTerminatedPods?.failed ?? [])
  for (const uid of status.uncountedTerminatedPods?.failed ?? []) {
    if (before.has(uid)) continue
    const pod = input.pods.find((p) => p.metadata.uid === uid)
    if (pod !== undefined && ignoredByPolicy(shape.policy ?? undefined, pod)) fail('Ignored failures never reach status.failed', `${where}: ${pod.metadata.name}`)
  }
}

/** Invariants of the store after a (possibly partial) plan. */
function checkStore(
  shape: JobShape,
  world: World,
  ledger: ReadonlyMap<string, Counted>,
  succeededIndexesSeen: ReadonlySet<number>,
  where: string,
  fail: (p: string, d: string) => void,
): void {
  const job = jobOf(world)
  const status = job.status ?? {}
  const uncountedSucceeded = new Set(status.uncountedTerminatedPods?.succeeded ?? [])
  const uncountedFailed = new Set(status.uncountedTerminatedPods?.failed ?? [])
  let expectSucceeded = 0
  let expectFailed = 0
  for (const [uid, counted] of ledger) {
    if (counted === 'none' && (uncountedSucceeded.has(uid) || uncountedFailed.has(uid))) {
      fail('a pod released uncounted is never recorded', `${where}: ${uid}`)
    }
    if (counted === 'succeeded' && !uncountedSucceeded.has(uid)) expectSucceeded++
    if (counted === 'failed' && !uncountedFailed.has(uid)) expectFailed++
  }
  if ((status.failed ?? 0) !== expectFailed) {
    fail('every finished pod is counted exactly once (failed)', `${where}: status.failed ${status.failed}, ground truth ${expectFailed}`)
  }
  if (shape.mode === 'Indexed') {
    const completed = indexesOf(status.completedIndexes)
    if ((status.succeeded ?? 0) !== completed.size) fail('Indexed succeeded is the number of completed indexes', `${where}`)
    for (const index of completed) {
      if (!succeededIndexesSeen.has(index)) fail('a completed index had a succeeded pod', `${where}: index ${index}`)
    }
  } else if ((status.succeeded ?? 0) !== expectSucceeded) {
    fail('every finished pod is counted exactly once (succeeded)', `${where}: status.succeeded ${status.succeeded}, ground truth ${expectSucceeded}`)
  }
  if (shape.mode === 'Indexed' && job.spec.podReplacementPolicy === 'Failed') {
    const perIndex = new Map<number, number>()
    for (const pod of world.pods) {
      const index = indexOf(pod)
      if (index === undefined || isTerminal(pod)) continue
      perIndex.set(index, (perIndex.get(index) ?? 0) + 1)
    }
    for (const [index, n] of perIndex) if (n > 1) fail('with podReplacementPolicy Failed, at most one non-terminal pod per index', `${where}: index ${index} has ${n}`)
  }
}

/** A second reconcile with nothing changed asks for nothing (R91, R112), save R139's delayed releases. */
function checkQuiet(shape: JobShape, world: World, where: string, fail: (p: string, d: string) => void): void {
  const options = world.backoff === undefined ? {} : { backoff: world.backoff }
  const second = reconcile(jobOf(world), world.pods, world.nowMs, options)
  const changes = second.actions.filter((a) => PLAN_CHANGES.has(a._tag))
  if (changes.length === 0) return
  // R139: a failed pod waits for its replacement to exist; the sync after the creation releases it.
  const onlyDelayedReleases = shape.perIndex !== null && changes.every((a) => a._tag === 'RemoveTrackingFinalizer' || a._tag === 'UpdateJobStatus')
  if (onlyDelayedReleases) {
    const settled = applyPlan(world, second).world // a rejected write here is reported by the sync that makes it
    const third = reconcile(jobOf(settled), settled.pods, settled.nowMs, settled.backoff === undefined ? {} : { backoff: settled.backoff })
    if (third.actions.filter((a) => PLAN_CHANGES.has(a._tag)).length === 0) return
  }
  fail('a second reconcile with nothing changed asks for nothing', `${where}: ${changes.map((a) => a._tag).join(', ')}`)
}

const RUNS = Number(process.env.RECONCILE_PROPERTY_RUNS ?? 200)

function holds(property: string, filter: (shape: JobShape) => boolean = () => true) {
  fc.assert(
    fc.property(scenarioArb(40).filter((s) => filter(normalizeShape(s.shape))), (scenario) => {
      const broken = simulate(scenario).filter((v) => v.property === property)
      expect(broken.slice(0, 1)).toEqual([])
    }),
    { numRuns: RUNS },
  )
}

describe('reconcile: properties over random Jobs and pod histories', () => {
  it('same input ⇒ same output (deep equal)', () => holds('deterministic'))
  it('active never exceeds parallelism (under TerminatingOrFailed, active only)', () => holds('active never exceeds parallelism'))
  it('with podReplacementPolicy Failed, creations keep active + terminating within parallelism', () =>
    holds('with podReplacementPolicy Failed, creations keep active + terminating within parallelism', (s) => s.replacement === 'Failed' || s.policy !== null))
  it('never more active pods than remaining completions after creations', () => holds('never more active pods than remaining completions'))
  it('succeeded never exceeds completions for Indexed Jobs', () => holds('succeeded never exceeds completions (Indexed)', (s) => s.mode === 'Indexed'))
  it('status.succeeded never decreases', () => holds('succeeded never decreases'))
  it('status.failed never decreases', () => holds('failed never decreases'))
  it('every finished pod is counted exactly once, even when deleted early, when a plan stops half-way or pod calls are refused (failed)', () =>
    holds('every finished pod is counted exactly once (failed)'))
  it('every finished pod is counted exactly once, even when deleted early, when a plan stops half-way or pod calls are refused (succeeded)', () =>
    holds('every finished pod is counted exactly once (succeeded)', (s) => s.mode !== 'Indexed'))
  it('a pod released uncounted is never recorded later', () => holds('a pod released uncounted is never recorded'))
  it('Indexed: succeeded is the number of completed indexes, each of which had a succeeded pod', () => {
    holds('Indexed succeeded is the number of completed indexes', (s) => s.mode === 'Indexed')
    holds('a completed index had a succeeded pod', (s) => s.mode === 'Indexed')
  })
  it('a second reconcile with nothing changed asks for no create/delete/finalizer/status action', () =>
    holds('a second reconcile with nothing changed asks for nothing'))
  it('a finished Job is never given a pod', () => holds('a finished Job is never given a pod'))
  it('a Job with FailureTarget never gets a new pod', () => holds('a Job with FailureTarget never gets a new pod'))
  it('failedIndexes and completedIndexes never overlap', () =>
    holds('failedIndexes and completedIndexes never overlap', (s) => s.mode === 'Indexed' && s.perIndex !== null))
  it('terminal conditions never revert and completionTime never changes', () => {
    holds('terminal conditions never revert')
    holds('completionTime never changes')
  })
  it('with podReplacementPolicy Failed, at most one non-terminal pod per index', () =>
    holds('with podReplacementPolicy Failed, at most one non-terminal pod per index', (s) => s.mode === 'Indexed' && s.replacement === 'Failed'))
  it('Ignored failures never reach status.failed', () => holds('Ignored failures never reach status.failed', (s) => s.policy !== null))
  it('no condition type appears twice, also after other clients wrote False conditions (R146)', () => holds('no condition type appears twice (R146)'))
  it('every status write passes the API server status validation (R60–R66)', () =>
    holds('every status write passes the API server status validation (R60–R66)'))
  it('status writes are consistent (R61, R63, R66)', () => {
    for (const property of [
      'ready ≤ active (R66)',
      'Complete and Failed never both (R63)',
      'a finished Job has nothing active, terminating or uncounted (R63)',
      'Complete needs SuccessCriteriaMet and completionTime (R63)',
      'Failed needs FailureTarget (R63)',
      'SuccessCriteriaMet never with FailureTarget (R61)',
      'finalizers are removed only from tracked pods',
      'a finishing Job is never given a pod',
      'no release without label changes',
      'only orphans are adopted',
      'unsatisfied expectations: no creation, no excess or suspend deletion',
    ]) {
      holds(property)
    }
  })
})
