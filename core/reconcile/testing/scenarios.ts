/**
 * fast-check arbitraries for `reconcile` properties: random valid Jobs (NonIndexed, Indexed,
 * work queue; with or without the newer policies) and random histories of what happens
 * between syncs, to be played against the fixtures' simulated store (`World`).
 */
import { fc } from '@fast-check/vitest'
import type { Job, Pod } from '../../model/types.js'
import type { PodEvent } from './fixtures.js'
import { makeJob } from './fixtures.js'

/**
 * Fixed pod failure policies, simple enough for a test oracle to say which failures they ignore:
 * - `A`: FailJob on exit code 99; Ignore a `DisruptionTarget`; Count exit codes 1 and 42.
 * - `B`: Ignore exit code 42; FailJob on any other exit code but 1 and 143 (143: killed on delete).
 * - `C` (Indexed with backoffLimitPerIndex): FailIndex on exit code 99; Ignore a `DisruptionTarget`.
 */
export type FailurePolicyName = 'A' | 'B' | 'C'

export const FAILURE_POLICIES: Readonly<Record<FailurePolicyName, ReadonlyArray<Record<string, unknown>>>> = {
  A: [
    { action: 'FailJob', onExitCodes: { operator: 'In', values: [99] } },
    { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
    { action: 'Count', onExitCodes: { operator: 'In', values: [1, 42] } },
  ],
  B: [
    { action: 'Ignore', onExitCodes: { operator: 'In', values: [42] } },
    { action: 'FailJob', onExitCodes: { operator: 'NotIn', values: [1, 143] } },
  ],
  C: [
    { action: 'FailIndex', onExitCodes: { operator: 'In', values: [99] } },
    { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
  ],
}

/** The test oracle: whether `policy` ignores the failure of this `Failed` pod (first matching rule wins). */
export function ignoredByPolicy(policy: FailurePolicyName | undefined, pod: Pod): boolean {
  if (policy === undefined || pod.status?.phase !== 'Failed') return false
  const exitCode = pod.status.containerStatuses?.[0]?.state?.terminated?.exitCode
  const disrupted = pod.status.conditions?.some((c) => c.type === 'DisruptionTarget' && c.status === 'True') ?? false
  switch (policy) {
    case 'A':
      return exitCode !== 99 && disrupted
    case 'B':
      return exitCode === 42
    case 'C':
      return exitCode !== 99 && disrupted
  }
}

export type Mode = 'NonIndexed' | 'Indexed' | 'WorkQueue'

/** The knobs of a random Job; `jobFromShape` makes them valid (e.g. a failure policy forces `Never`). */
export interface JobShape {
  readonly mode: Mode
  readonly parallelism: number
  readonly completions: number
  readonly backoffLimit: number
  readonly restartPolicy: 'Never' | 'OnFailure'
  readonly replacement: 'Failed' | 'TerminatingOrFailed' | null
  readonly policy: FailurePolicyName | null
  readonly perIndex: { readonly limit: number; readonly maxFailed: number | null } | null
  readonly successCount: number | null
  readonly deadlineSeconds: number | null
  readonly suspend: boolean
}

export const jobShapeArb: fc.Arbitrary<JobShape> = fc.record({
  mode: fc.constantFrom<Mode>('NonIndexed', 'Indexed', 'WorkQueue'),
  parallelism: fc.oneof({ weight: 1, arbitrary: fc.constant(0) }, { weight: 6, arbitrary: fc.integer({ min: 1, max: 5 }) }),
  completions: fc.oneof({ weight: 1, arbitrary: fc.constant(0) }, { weight: 6, arbitrary: fc.integer({ min: 1, max: 8 }) }),
  backoffLimit: fc.integer({ min: 0, max: 3 }),
  restartPolicy: fc.constantFrom<'Never' | 'OnFailure'>('Never', 'OnFailure'),
  replacement: fc.constantFrom<'Failed' | 'TerminatingOrFailed' | null>(null, 'Failed', 'TerminatingOrFailed'),
  policy: fc.constantFrom<FailurePolicyName | null>(null, null, 'A', 'B', 'C'),
  perIndex: fc.option(fc.record({ limit: fc.integer({ min: 0, max: 2 }), maxFailed: fc.option(fc.integer({ min: 0, max: 8 })) }), { freq: 2 }),
  successCount: fc.option(fc.integer({ min: 1, max: 8 }), { freq: 4 }),
  deadlineSeconds: fc.option(fc.integer({ min: 20, max: 400 }), { freq: 5 }),
  suspend: fc.oneof({ weight: 9, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
})

/** The valid Job spec `shape` stands for: what the generator may not combine is dropped. */
export function normalizeShape(shape: JobShape): JobShape {
  const indexed = shape.mode === 'Indexed'
  const perIndex = indexed ? shape.perIndex : null
  const policy = shape.policy === 'C' && perIndex === null ? 'A' : shape.policy
  return {
    ...shape,
    policy,
    restartPolicy: policy === null ? shape.restartPolicy : 'Never',
    replacement: policy === null ? shape.replacement : 'Failed',
    perIndex: perIndex === null ? null : { limit: perIndex.limit, maxFailed: perIndex.maxFailed === null ? null : Math.min(perIndex.maxFailed, shape.completions) },
    successCount: indexed && shape.successCount !== null && shape.completions > 0 ? Math.min(shape.successCount, shape.completions) : null,
  }
}

/** A Job for `shape`, through the real decode and defaults (and validation). */
export function jobFromShape(raw: JobShape): Job {
  const shape = normalizeShape(raw)
  return makeJob({
    restartPolicy: shape.restartPolicy,
    spec: {
      parallelism: shape.parallelism,
      ...(shape.mode === 'WorkQueue' ? {} : { completions: shape.completions }),
      ...(shape.mode === 'Indexed' ? { completionMode: 'Indexed' } : {}),
      // With backoffLimitPerIndex the global limit keeps its default (MaxInt32, R20) so the per-index rules decide.
      ...(shape.perIndex === null ? { backoffLimit: shape.backoffLimit } : {}),
      ...(shape.replacement === null ? {} : { podReplacementPolicy: shape.replacement }),
      ...(shape.policy === null ? {} : { podFailurePolicy: { rules: FAILURE_POLICIES[shape.policy] } }),
      ...(shape.perIndex === null
        ? {}
        : { backoffLimitPerIndex: shape.perIndex.limit, ...(shape.perIndex.maxFailed === null ? {} : { maxFailedIndexes: shape.perIndex.maxFailed }) }),
      ...(shape.successCount === null ? {} : { successPolicy: { rules: [{ succeededCount: shape.successCount }] } }),
      ...(shape.deadlineSeconds === null ? {} : { activeDeadlineSeconds: shape.deadlineSeconds }),
      suspend: shape.suspend,
    },
  })
}

/** One thing that happens in a random history. */
export type Step =
  /**
   * Reconcile and apply the plan; `cut` (when set) stops the applier after `cut mod (n+1)`
   * actions; `unsatisfied` reconciles as if the caller still waited for its own pod changes (R159).
   */
  | { readonly kind: 'sync'; readonly cut: number | null; readonly unsatisfied: boolean; readonly refused: PodCallRefusals | null }
  /** An orphan pod matching the Job's selector appears (NonIndexed and work-queue Jobs only). */
  | { readonly kind: 'orphan'; readonly state: 'Running' | 'Succeeded' | 'Failed' }
  /** Something happens to the `pick mod n`-th of the n pods of the store it can happen to. */
  | { readonly kind: 'pod'; readonly pick: number; readonly event: PodEvent }
  /** The kubelet starts every pending pod. */
  | { readonly kind: 'startAll' }
  | { readonly kind: 'time'; readonly ms: number }
  /** Jump to the time the last plan asked to be woken at. */
  | { readonly kind: 'wake' }
  | { readonly kind: 'scale'; readonly parallelism: number }
  | { readonly kind: 'suspend'; readonly suspend: boolean }
  /** Someone else writes a condition of this type with `status: False` (R145), if the Job has none of that type. */
  | { readonly kind: 'foreignCondition'; readonly type: ForeignConditionType }

/**
 * Pod calls the store refuses in one sync (a quota, a webhook, lost permissions); when set,
 * the plan is applied as the controller's applier does (actions.ts) and `cut` is not used.
 */
export interface PodCallRefusals {
  /** How many of the plan's creations go through before the rest are refused. */
  readonly creationsMade: number
  /** Bit i set: the i-th pod the pod-management part deletes is not deleted (its finalizer patch is refused). */
  readonly deletions: number
  /** Bit i set: the i-th finalizer removal of the status-tracking part is refused. */
  readonly removals: number
}

/** The condition types a foreign `False` condition may have in a random history. */
export type ForeignConditionType = 'FailureTarget' | 'SuccessCriteriaMet' | 'Complete' | 'Failed'

export const podEventArb: fc.Arbitrary<PodEvent> = fc.oneof(
  { weight: 4, arbitrary: fc.constant<PodEvent>({ _tag: 'Start' }) },
  { weight: 2, arbitrary: fc.constant<PodEvent>({ _tag: 'Ready' }) },
  { weight: 3, arbitrary: fc.constant<PodEvent>({ _tag: 'Succeed' }) },
  {
    weight: 3,
    arbitrary: fc
      .record({ exitCode: fc.constantFrom(1, 42, 99, 137), disruption: fc.boolean() })
      .map(({ exitCode, disruption }): PodEvent => ({ _tag: 'Fail', exitCode, disruption })),
  },
  { weight: 1, arbitrary: fc.constant<PodEvent>({ _tag: 'Restart' }) },
  { weight: 1, arbitrary: fc.constant<PodEvent>({ _tag: 'Delete' }) },
  { weight: 2, arbitrary: fc.boolean().map((succeeded): PodEvent => ({ _tag: 'Terminate', succeeded })) },
  { weight: 1, arbitrary: fc.constant<PodEvent>({ _tag: 'Vanish' }) },
)

export const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .record({
        cut: fc.option(fc.nat(40), { freq: 4 }),
        unsatisfied: fc.oneof({ weight: 9, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
        refused: fc.oneof(
          { weight: 4, arbitrary: fc.constant(null) },
          { weight: 1, arbitrary: fc.record({ creationsMade: fc.nat(6), deletions: fc.nat(15), removals: fc.nat(15) }) },
        ),
      })
      .map(({ cut, unsatisfied, refused }): Step => ({ kind: 'sync', cut, unsatisfied, refused })),
  },
  { weight: 2, arbitrary: fc.constantFrom('Running' as const, 'Succeeded' as const, 'Failed' as const).map((state): Step => ({ kind: 'orphan', state })) },
  { weight: 8, arbitrary: fc.record({ pick: fc.nat(50), event: podEventArb }).map(({ pick, event }): Step => ({ kind: 'pod', pick, event })) },
  { weight: 2, arbitrary: fc.constant<Step>({ kind: 'startAll' }) },
  {
    weight: 2,
    arbitrary: fc.oneof(fc.integer({ min: 0, max: 1500 }), fc.integer({ min: 5000, max: 90_000 })).map((ms): Step => ({ kind: 'time', ms })),
  },
  { weight: 1, arbitrary: fc.constant<Step>({ kind: 'wake' }) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 5 }).map((parallelism): Step => ({ kind: 'scale', parallelism })) },
  { weight: 1, arbitrary: fc.oneof(fc.constant(false), fc.constant(false), fc.constant(true)).map((suspend): Step => ({ kind: 'suspend', suspend })) },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom<ForeignConditionType>('FailureTarget', 'SuccessCriteriaMet', 'Complete', 'Failed')
      .map((type): Step => ({ kind: 'foreignCondition', type })),
  },
)

export interface Scenario {
  readonly shape: JobShape
  readonly steps: ReadonlyArray<Step>
}

/** Random Jobs with random histories of at most `maxSteps` steps. */
export const scenarioArb = (maxSteps = 40): fc.Arbitrary<Scenario> =>
  fc.record({ shape: jobShapeArb, steps: fc.array(stepArb, { minLength: Math.min(10, maxSteps), maxLength: maxSteps, size: 'max' }) })
