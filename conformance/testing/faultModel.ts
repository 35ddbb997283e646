/**
 * The model-based fault test: a random Job, random pod outcomes and a random fault schedule,
 * run with the real controller (through `FaultyStore`) on the memory store and the scripted
 * runtime, on `TestClock`. Every change the store commits is recorded (the memory store numbers
 * Jobs and Pods with one resourceVersion, so the two watches merge back into commit order) and
 * the invariants are checked at every step afterwards. Shared by the property test
 * (`conformance/faults.property.test.ts`) and the soak (`npm run soak`).
 */
import { Effect, FastCheck as fc, Logger, LogLevel, Random, Stream, TestContext } from 'effect'
import * as FaultyStore from '../../adapters/stores/faults/FaultyStore.js'
import type { FaultStats } from '../../adapters/stores/faults/FaultyStore.js'
import type { FaultRates } from '../../adapters/stores/faults/schedule.js'
import { seeded } from '../../adapters/stores/faults/schedule.js'
import * as MemoryStore from '../../adapters/stores/memory/MemoryStore.js'
import type { JobStoreService } from '../../adapters/ports/JobStore.js'
import type { PodPlan, PodScript } from '../../adapters/runtimes/scripted/ScriptedRuntime.js'
import type { Job, JobCondition, Pod } from '../../core/model/types.js'
import { COMPLETION_INDEX_ANNOTATION, JOB_NAME_LABEL, TRACKING_FINALIZER } from '../../core/model/wellKnown.js'
import { countIndexes, parseIndexesLenient } from '../../core/reconcile/intervals.js'
import { isActivePod, jobManifest, runScenario } from '../toolkit.js'
import type { World } from '../toolkit.js'

// ---------------------------------------------------------------------------------------
// Cases

/** How one pod attempt ends. */
export type Outcome =
  | { readonly result: 'Succeeded'; readonly afterSeconds: number }
  | { readonly result: 'Failed'; readonly afterSeconds: number; readonly exitCode: number; readonly disrupted: boolean }

/** A Job and how its pods behave. */
export interface JobCase {
  readonly spec: Readonly<Record<string, unknown>>
  readonly restartPolicy: 'Never' | 'OnFailure'
  /** Outcome of attempt `a` of index `i` (NonIndexed: index 0): `outcomes[(i * 7 + a) % length]`; attempts from 6 on succeed. */
  readonly outcomes: ReadonlyArray<Outcome>
  /** With a deadline every pod runs until it is stopped, so the deadline always decides. */
  readonly deadline: boolean
}

/** A fault schedule: seed, rates, crash points. */
export interface FaultCase {
  readonly seed: number
  readonly rates: FaultRates
  /** The controller crashes right after these writes (counted over the whole run). */
  readonly crashAfterWrites: ReadonlyArray<number>
  readonly maxFaults: number
}

const outcome: fc.Arbitrary<Outcome> = fc.oneof(
  fc.record({ result: fc.constant('Succeeded' as const), afterSeconds: fc.integer({ min: 1, max: 40 }) }),
  fc.record({
    result: fc.constant('Failed' as const),
    afterSeconds: fc.integer({ min: 0, max: 40 }),
    exitCode: fc.constantFrom(1, 7, 42),
    disrupted: fc.boolean(),
  }),
)

/** Pod failure policy rules to pick from: FailJob on 42, Ignore disruptions, Count on 1, FailIndex on 7. */
const failJobOn42 = { action: 'FailJob', onExitCodes: { operator: 'In', values: [42] } }
const ignoreDisruptions = { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] }
const countExit1 = { action: 'Count', onExitCodes: { operator: 'In', values: [1] } }
const failIndexOn7 = { action: 'FailIndex', onExitCodes: { operator: 'In', values: [7] } }

export const jobCase: fc.Arbitrary<JobCase> = fc
  .record({
    indexed: fc.boolean(),
    completions: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
    parallelism: fc.integer({ min: 1, max: 3 }),
    backoffLimit: fc.integer({ min: 0, max: 3 }),
    perIndex: fc.option(fc.record({ limit: fc.integer({ min: 0, max: 2 }), maxFailed: fc.option(fc.integer({ min: 0, max: 2 }), { nil: undefined }) }), {
      nil: undefined,
    }),
    failurePolicy: fc.option(fc.subarray([failJobOn42, ignoreDisruptions, countExit1, failIndexOn7], { minLength: 1 }), { nil: undefined }),
    successPolicy: fc.option(fc.oneof(fc.record({ succeededCount: fc.integer({ min: 1, max: 2 }) }), fc.constant({ succeededIndexes: '0' })), {
      nil: undefined,
    }),
    replacement: fc.constantFrom(undefined, 'TerminatingOrFailed', 'Failed'),
    onFailure: fc.boolean(),
    deadline: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
    outcomes: fc.array(outcome, { minLength: 1, maxLength: 10 }),
  })
  .map((drawn): JobCase => {
    const indexed = drawn.indexed
    const completions = indexed ? (drawn.completions ?? 2) : drawn.completions
    const perIndex = indexed ? drawn.perIndex : undefined
    const rules = (drawn.failurePolicy ?? []).filter((rule) => rule !== failIndexOn7 || perIndex !== undefined)
    const failurePolicy = rules.length > 0 ? { rules } : undefined
    // A pod failure policy needs restartPolicy Never and forces replacement of failed pods only (R48, R72).
    const restartPolicy = failurePolicy === undefined && drawn.onFailure ? 'OnFailure' : 'Never'
    const replacement = failurePolicy !== undefined ? (drawn.replacement === undefined ? undefined : 'Failed') : drawn.replacement
    const successPolicy =
      indexed && drawn.successPolicy !== undefined
        ? { rules: ['succeededCount' in drawn.successPolicy ? { succeededCount: Math.min(drawn.successPolicy.succeededCount, completions ?? 1) } : drawn.successPolicy] }
        : undefined
    const spec: Record<string, unknown> = {
      parallelism: drawn.parallelism,
      ...(completions !== undefined ? { completions } : {}),
      ...(indexed ? { completionMode: 'Indexed' } : {}),
      ...(perIndex !== undefined
        ? { backoffLimitPerIndex: perIndex.limit, ...(perIndex.maxFailed !== undefined ? { maxFailedIndexes: Math.min(perIndex.maxFailed, completions ?? 1) } : {}) }
        : { backoffLimit: drawn.backoffLimit }),
      ...(failurePolicy !== undefined ? { podFailurePolicy: failurePolicy } : {}),
      ...(successPolicy !== undefined ? { successPolicy } : {}),
      ...(replacement !== undefined ? { podReplacementPolicy: replacement } : {}),
      ...(drawn.deadline ? { activeDeadlineSeconds: 30 } : {}),
    }
    return { spec, restartPolicy, outcomes: drawn.outcomes, deadline: drawn.deadline }
  })

export const faultCase: fc.Arbitrary<FaultCase> = fc.record({
  seed: fc.integer({ min: 0, max: 0x7fffffff }),
  rates: fc.record({
    conflict: fc.constantFrom(0, 0.05, 0.2),
    unavailable: fc.constantFrom(0, 0.03, 0.1),
    timeout: fc.constantFrom(0, 0.02, 0.05),
    lostAck: fc.constantFrom(0, 0.03, 0.1),
    forbidden: fc.constantFrom(0, 0.05, 0.2),
    invalid: fc.constantFrom(0, 0.05),
    'watch-delay': fc.constantFrom(0, 0.05, 0.2),
    'watch-duplicate': fc.constantFrom(0, 0.05, 0.2),
    'watch-dropThenGone': fc.constantFrom(0, 0.02, 0.05),
  }),
  crashAfterWrites: fc.uniqueArray(fc.integer({ min: 1, max: 60 }), { maxLength: 3 }),
  maxFaults: fc.integer({ min: 0, max: 40 }),
})

// ---------------------------------------------------------------------------------------
// Running one case

/** What one run ended with. */
export interface RunResult {
  /** The terminal condition's type and reason, e.g. `Failed/BackoffLimitExceeded`. */
  readonly terminal: string
  readonly violations: ReadonlyArray<string>
  readonly stats: FaultStats
  /** Completions the pods reported that the Job never counted, and ones it counted twice. */
  readonly lost: number
  readonly doubleCounted: number
  /**
   * Steps at which more pods ran than the spec allows, by no more than the pods (of that index)
   * whose create was applied but answered with an error (`lostAck`). The controller then takes the
   * create as failed and releases its expectation (R159, as upstream does), so it may create
   * a replacement before its informer shows the first pod; the excess is deleted (R96)
   * uncounted. Counted apart instead of as a violation.
   */
  readonly extraPodsAfterLostAck: number
  /**
   * Status writes made while the controller saw every pod (see `checkSteps`) at which an extra
   * pod still ran undeleted, though no call to delete it had failed: what Kubernetes never
   * does (R96, R122). Each is also a violation.
   */
  readonly extraPodsKept: number
  /** Pods created by a write whose answer was lost: each may run beside its replacement, and takes an attempt of its index. */
  readonly lostCreateAnswers: number
  /** Every committed change of the namespace, in order (for reports). */
  readonly changes: ReadonlyArray<Change>
}

const JOB = 'model'

/** The scripted behaviour of the case's pods. */
function scriptOf(job: JobCase): PodScript {
  return (pod): PodPlan => {
    if (job.deadline) return {}
    const attempt = pod.attempt + pod.restartCount
    if (attempt >= 6) return { outcome: { after: '3 seconds', result: 'Succeeded' } }
    const drawn = job.outcomes[((pod.index ?? 0) * 7 + attempt) % job.outcomes.length]!
    if (drawn.result === 'Succeeded') return { outcome: { after: `${drawn.afterSeconds} seconds`, result: 'Succeeded' } }
    return {
      outcome: {
        after: `${drawn.afterSeconds} seconds`,
        result: 'Failed',
        exitCode: drawn.exitCode,
        ...(drawn.disrupted ? { conditions: [{ type: 'DisruptionTarget', status: 'True', reason: 'EvictionByEvictionAPI' }] } : {}),
      },
    }
  }
}

export interface Change {
  readonly resourceVersion: number
  readonly kind: 'Job' | 'Pod'
  readonly type: 'Added' | 'Modified' | 'Deleted'
  readonly object: Job | Pod
}

/** Collects every change of the namespace's Jobs and Pods, from `resourceVersion` on. */
const recordChanges = (store: JobStoreService, namespace: string, resourceVersion: string, into: Change[]) =>
  Effect.all(
    [
      Stream.runForEach(store.watchJobs({ namespace, resourceVersion }), (event) =>
        Effect.sync(() => {
          if (event.type !== 'Bookmark') into.push({ resourceVersion: Number(event.object.metadata.resourceVersion), kind: 'Job', type: event.type, object: event.object })
        }),
      ),
      Stream.runForEach(store.watchPods({ namespace, resourceVersion }), (event) =>
        Effect.sync(() => {
          if (event.type !== 'Bookmark') into.push({ resourceVersion: Number(event.object.metadata.resourceVersion), kind: 'Pod', type: event.type, object: event.object })
        }),
      ),
    ],
    { concurrency: 2, discard: true },
  )

/** Runs the case (with `faults`, or fault-free) and checks every step. */
export function runCase(job: JobCase, faults: FaultCase | undefined, caseNumber = 1): Effect.Effect<RunResult, unknown> {
  let result: RunResult | undefined
  const body = (w: World): Effect.Effect<void, unknown> =>
    Effect.scoped(Effect.gen(function* () {
      const injector = FaultyStore.makeAround(w.store, {
        schedule: faults === undefined ? seeded(0, {}) : seeded(faults.seed, faults.rates),
        crashes: (faults?.crashAfterWrites ?? []).map((afterWrite) => ({ afterWrite })),
        maxFaults: faults?.maxFaults ?? 0,
      })
      yield* w.runControllerThrough(injector)
      const changes: Change[] = []
      const start = yield* w.store.listPods({ namespace: w.namespace })
      yield* Effect.forkScoped(recordChanges(w.store, w.namespace, start.resourceVersion, changes))
      yield* w.create(jobManifest(JOB, job.spec, { restartPolicy: job.restartPolicy }), scriptOf(job))
      const finished = yield* w.waitForJob(JOB, (j) => terminalOf(j) !== undefined, { timeout: '12 hours', maxStep: '1 hour' })
      // Then every finished pod is released and counted (R109, R112).
      const settled = yield* Effect.exit(
        w.eventually(
          Effect.gen(function* () {
            const pods = yield* w.pods(JOB)
            if (pods.some((p) => (p.metadata.finalizers ?? []).includes(TRACKING_FINALIZER))) return yield* Effect.fail('a pod still holds the tracking finalizer')
            const uncounted = (yield* w.job(JOB)).status?.uncountedTerminatedPods
            if ((uncounted?.succeeded?.length ?? 0) + (uncounted?.failed?.length ?? 0) > 0) return yield* Effect.fail(`uncounted pods left: ${JSON.stringify(uncounted)}`)
          }),
          { timeout: '2 hours', maxStep: '1 hour' },
        ),
      )
      const final = yield* w.job(JOB)
      changes.sort((a, b) => a.resourceVersion - b.resourceVersion)
      const checked = checkSteps(final, changes, injector.unacknowledgedPods(), injector.podsWithRefusedCalls())
      const violations = [...checked.violations]
      if (settled._tag === 'Failure') violations.push(`two hours after the Job finished, not every pod was released and counted: ${JSON.stringify(final.status?.uncountedTerminatedPods)}`)
      if (terminalOf(final) !== terminalOf(finished)) violations.push(`the terminal condition changed from ${terminalOf(finished)} to ${terminalOf(final)}`)
      result = { terminal: terminalOf(final) ?? 'none', violations, stats: injector.stats(), lost: checked.lost, doubleCounted: checked.doubleCounted, extraPodsAfterLostAck: checked.extraPodsAfterLostAck, extraPodsKept: checked.extraPodsKept, lostCreateAnswers: injector.unacknowledgedPods().size, changes }
    }))
  // `externalController`: the suite starts none of its own; the body runs it, through the faults.
  return runScenario({ name: 'fault model', layer: MemoryStore.layer, capabilities: { externalController: true } }, caseNumber, body).pipe(
    Effect.withRandom(Random.make(faults?.seed ?? 0)),
    // The controller's retry warnings are expected here by the thousand.
    Logger.withMinimumLogLevel(LogLevel.Error),
    Effect.map(() => result!),
  )
}

/** Runs a case on a fresh `TestClock`, as a promise. */
export function runCaseNow(job: JobCase, faults: FaultCase | undefined): Promise<RunResult> {
  return Effect.runPromise(runCase(job, faults).pipe(Effect.provide(TestContext.TestContext)))
}

/** `Complete/<reason>` or `Failed/<reason>`, when the Job has finished. */
function terminalOf(job: Job): string | undefined {
  const condition = (job.status?.conditions ?? []).find((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True')
  return condition === undefined ? undefined : `${condition.type}/${condition.reason ?? ''}`
}

const STICKY: ReadonlyArray<JobCondition['type']> = ['Complete', 'Failed', 'FailureTarget', 'SuccessCriteriaMet']

/**
 * Replays the changes in commit order and checks, after each: active pods within what the spec
 * allows (R95, R97, R154), at most one active pod per index and, when only failed pods are
 * replaced, one live pod (R72, R100); counters never decrease; terminal and target conditions
 * never revert; no condition type twice; no pod counted twice (a uid never comes back to
 * `uncountedTerminatedPods` once it left, nor sits in both lists); never more counted than
 * finished. At the end: every pod that succeeded was counted exactly once.
 */
export function checkSteps(
  final: Job,
  changes: ReadonlyArray<Change>,
  unacknowledged: ReadonlySet<string> = new Set(),
  podsWithRefusedCalls: ReadonlySet<string> = new Set(),
): { readonly violations: string[]; readonly lost: number; readonly doubleCounted: number; readonly extraPodsAfterLostAck: number; readonly extraPodsKept: number } {
  const violations: string[] = []
  const note = (rv: number, message: string) => {
    if (violations.length < 10) violations.push(`at resourceVersion ${rv}: ${message}`)
  }
  const spec = final.spec
  const indexed = spec.completionMode === 'Indexed'
  const completions = spec.completions
  const parallelism = spec.parallelism ?? 1
  const replaceOnlyFailed = spec.podReplacementPolicy === 'Failed'

  const pods = new Map<string, Pod>()
  const succeededUids = new Set<string>()
  const succeededIndexes = new Set<number>()
  const failedish = new Set<string>()
  const inUncounted = new Set<string>()
  const leftUncounted = new Set<string>()
  let doubleCounted = 0
  let extraPodsAfterLostAck = 0
  let extraPodsKept = 0
  /** A bound exceeded only by pods whose creator was told the create failed (see `RunResult.extraPodsAfterLostAck`). */
  const exceeds = (rv: number, count: number, bound: number, unacknowledgedCount: number, message: string) => {
    if (count <= bound) return
    if (count <= bound + unacknowledgedCount) extraPodsAfterLostAck++
    else note(rv, message)
  }
  // Each such pod may stand beside its replacement in any phase: the replacement runs on even once it finished.
  const unacknowledgedSeen = new Set<string>()
  const indexesUnacknowledged = new Set<number>()
  let last = { succeeded: 0, failed: 0 }
  const sticky = new Set<string>()

  /**
   * A status write made while the controller saw every pod — it counts as many active pods and
   * as many completions as the store holds — comes from a sync that deleted whatever was extra
   * before writing (R96: excess over the target, R122: all but one active pod of an index),
   * unless a call to delete it failed. So an extra pod after a lost create answer may run only
   * until the first sync that sees it; none is allowed at such a write. Work-queue Jobs stop
   * deleting once a pod succeeded (R125).
   */
  const extraKeptAt = (status: NonNullable<Job['status']>): string | undefined => {
    const active = [...pods.values()].filter(isActivePod)
    const countedSucceeded = indexed
      ? countIndexes(parseIndexesLenient(status.completedIndexes, completions ?? 0))
      : (status.succeeded ?? 0) + (status.uncountedTerminatedPods?.succeeded?.length ?? 0)
    const storeSucceeded = indexed ? succeededIndexes.size : succeededUids.size
    if ((status.active ?? 0) !== active.length || countedSucceeded !== storeSucceeded) return undefined
    if (active.some((p) => podsWithRefusedCalls.has(p.metadata.name ?? ''))) return undefined
    const remaining = completions === undefined ? parallelism : completions - storeSucceeded
    const allowed = Math.max(0, Math.min(parallelism, remaining))
    const deletesExcess = completions !== undefined || storeSucceeded === 0
    if (deletesExcess && active.length > allowed) return `the controller counted ${active.length} active pods, the spec allows ${allowed}, and deleted none (R96)`
    if (indexed) {
      const seen = new Set<number>()
      for (const p of active) {
        const i = indexOf(p)
        if (i === undefined) continue
        if (seen.has(i)) return `the controller counted two active pods for index ${i} and deleted neither (R122)`
        seen.add(i)
      }
    }
    return undefined
  }

  for (const change of changes) {
    const rv = change.resourceVersion
    if (change.kind === 'Pod') {
      const pod = change.object as Pod
      if (pod.metadata.labels?.[JOB_NAME_LABEL] !== JOB) continue
      const uid = pod.metadata.uid ?? ''
      if (change.type === 'Deleted') pods.delete(uid)
      else pods.set(uid, pod)
      const index = indexOf(pod)
      if (unacknowledged.has(uid)) {
        unacknowledgedSeen.add(uid)
        if (index !== undefined) indexesUnacknowledged.add(index)
      }
      if (pod.status?.phase === 'Succeeded') {
        succeededUids.add(uid)
        if (index !== undefined) succeededIndexes.add(index)
      }
      if (pod.status?.phase === 'Failed' || pod.metadata.deletionTimestamp !== undefined) failedish.add(uid)
      const live = [...pods.values()].filter((p) => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed')
      const active = live.filter(isActivePod)
      const remaining = completions === undefined ? parallelism : completions - (indexed ? succeededIndexes.size : succeededUids.size)
      const allowed = Math.max(0, Math.min(parallelism, remaining))
      exceeds(rv, active.length, allowed, unacknowledgedSeen.size, `${active.length} active pods, the spec allows ${allowed}`)
      if (replaceOnlyFailed && !indexed) {
        exceeds(rv, live.length, parallelism, unacknowledgedSeen.size, `${live.length} live pods with podReplacementPolicy Failed, parallelism ${parallelism}`)
      }
      if (indexed) {
        const perIndex = new Map<number, Pod[]>()
        for (const p of live) {
          const i = indexOf(p)
          if (i === undefined) continue
          perIndex.set(i, [...(perIndex.get(i) ?? []), p])
        }
        for (const [i, ofIndex] of perIndex) {
          const activeOfIndex = ofIndex.filter(isActivePod)
          const extra = indexesUnacknowledged.has(i) ? 1 : 0
          exceeds(rv, activeOfIndex.length, 1, extra, `${activeOfIndex.length} active pods for index ${i}`)
          if (replaceOnlyFailed) exceeds(rv, ofIndex.length, 1, extra, `${ofIndex.length} live pods for index ${i} with podReplacementPolicy Failed`)
        }
      }
      continue
    }
    const job = change.object as Job
    if (job.metadata.name !== JOB || change.type === 'Deleted') continue
    const status = job.status ?? {}
    const now = { succeeded: status.succeeded ?? 0, failed: status.failed ?? 0 }
    const keptExtra = extraKeptAt(status)
    if (keptExtra !== undefined) {
      extraPodsKept++
      note(rv, keptExtra)
    }
    if (now.succeeded < last.succeeded) note(rv, `succeeded went down from ${last.succeeded} to ${now.succeeded}`)
    if (now.failed < last.failed) note(rv, `failed went down from ${last.failed} to ${now.failed}`)
    last = now
    const types = (status.conditions ?? []).map((c) => c.type)
    if (new Set(types).size !== types.length) note(rv, `a condition type appears twice: ${types.join(', ')}`)
    for (const type of STICKY) {
      const holds = (status.conditions ?? []).some((c) => c.type === type && c.status === 'True')
      if (holds) sticky.add(type)
      else if (sticky.has(type)) note(rv, `condition ${type} reverted`)
    }
    const uncountedSucceeded = status.uncountedTerminatedPods?.succeeded ?? []
    const uncountedFailed = status.uncountedTerminatedPods?.failed ?? []
    const listed = new Set<string>()
    for (const uid of [...uncountedSucceeded, ...uncountedFailed]) {
      if (listed.has(uid)) note(rv, `pod ${uid} is in uncountedTerminatedPods twice`)
      listed.add(uid)
      if (leftUncounted.has(uid)) {
        doubleCounted++
        note(rv, `pod ${uid} came back to uncountedTerminatedPods after it was counted`)
      }
    }
    for (const uid of inUncounted) if (!listed.has(uid)) leftUncounted.add(uid)
    inUncounted.clear()
    for (const uid of listed) inUncounted.add(uid)
    const countedSucceeded = indexed ? countIndexes(parseIndexesLenient(status.completedIndexes, completions ?? 0)) : now.succeeded + uncountedSucceeded.length
    const finishedSucceeded = indexed ? succeededIndexes.size : succeededUids.size
    if (countedSucceeded > finishedSucceeded) {
      doubleCounted += countedSucceeded - finishedSucceeded
      note(rv, `${countedSucceeded} completions counted, ${finishedSucceeded} pods succeeded`)
    }
    if (now.failed + uncountedFailed.length > failedish.size) note(rv, `${now.failed + uncountedFailed.length} failures counted, ${failedish.size} pods failed or deleted`)
  }

  const finalSucceeded = indexed ? countIndexes(parseIndexesLenient(final.status?.completedIndexes, completions ?? 0)) : (final.status?.succeeded ?? 0)
  const podsSucceeded = indexed ? succeededIndexes.size : succeededUids.size
  const lost = Math.max(0, podsSucceeded - finalSucceeded)
  if (lost > 0) violations.push(`${lost} completions of ${podsSucceeded} were never counted (counted ${finalSucceeded})`)
  return { violations, lost, doubleCounted, extraPodsAfterLostAck, extraPodsKept }
}

function indexOf(pod: Pod): number | undefined {
  const raw = pod.metadata.annotations?.[COMPLETION_INDEX_ANNOTATION]
  return raw === undefined ? undefined : Number(raw)
}

/** How a faulty run compares with the fault-free run of the same Job and outcomes. */
export interface Verdict {
  /** Rules the faulty run broke. */
  readonly problems: ReadonlyArray<string>
  /** A case whose verdict does not depend on timing ended with another condition type or reason than the fault-free run. */
  readonly verdictChanged: boolean
}

/**
 * Why the case's verdict does not depend on timing, or undefined when it may. Faults shift when
 * pods start and when the controller looks, so a run may rightly see outcomes in another order
 * than the fault-free run, and when one sync sees two rules hold, the first in R88's order wins
 * (a FailJob match before backoffLimit before the deadline; any failure rule before a success
 * policy). The verdict is order-independent when only one rule can ever decide:
 * - one pod at a time (`parallelism: 1`): every outcome is seen before the next pod exists, and
 *   a pod's outcome depends only on its index and attempt (`JobCase.outcomes`) — unless a create
 *   answer was lost: that pod and its replacement run side by side for a while (R159) and take
 *   two attempts, and the one deleted as extra (R96) skips its outcome;
 * - a deadline case: every pod runs until it is stopped, so nothing but the deadline (R88.5)
 *   can decide, `Failed/DeadlineExceeded`;
 * - no attempt can fail (every drawn outcome succeeds): nothing but success can decide,
 *   `Complete/SuccessPolicy` with a success policy (R88.8 is judged before completions, and
 *   matches at the latest once every index succeeded), `Complete/CompletionsReached` without.
 * The condition's message is not compared: a FailJob message names the pod, which differs.
 */
export function timingIndependence(job: JobCase, faulty: RunResult): string | undefined {
  if (job.spec['parallelism'] === 1 && faulty.lostCreateAnswers === 0) return 'one pod at a time'
  if (job.deadline) return 'every pod runs until the deadline'
  if (job.outcomes.every((o) => o.result === 'Succeeded')) return 'no attempt can fail'
  return undefined
}

/**
 * Every run must keep the rules; a case whose verdict does not depend on timing
 * (`timingIndependence`) must also end with the fault-free run's condition type and reason.
 */
export function compare(job: JobCase, reference: RunResult, faulty: RunResult): Verdict {
  const problems = [...faulty.violations]
  const why = timingIndependence(job, faulty)
  const verdictChanged = why !== undefined && faulty.terminal !== reference.terminal
  if (verdictChanged) problems.push(`ended ${faulty.terminal}; the fault-free run ended ${reference.terminal} (its verdict cannot depend on timing: ${why})`)
  return { problems, verdictChanged }
}
