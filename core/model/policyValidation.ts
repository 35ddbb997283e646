/**
 * Validation of the newer Job policies: podFailurePolicy (R43–R47), successPolicy (R49–R50)
 * and podReplacementPolicy (R48). Messages are the API server's.
 */
import type { FieldError } from './fieldErrors.js'
import { child, duplicate, index, invalid, invalidOmitValue, notSupported, required, tooLong, tooMany } from './fieldErrors.js'
import { goSuccessPolicy } from './goValues.js'
import { countIndexIntervals, parseIndexesStrict } from './indexes.js'
import { isQualifiedName } from './names.js'
import type {
  JobSpec,
  PodFailurePolicyOnExitCodesRequirement,
  PodFailurePolicyOnPodConditionsPattern,
  PodFailurePolicyRule,
  SuccessPolicyRule,
} from './types.js'
import {
  MAX_EXIT_CODE_VALUES,
  MAX_POD_CONDITION_PATTERNS,
  MAX_POD_FAILURE_POLICY_RULES,
  MAX_SUCCEEDED_INDEXES_BYTES,
  MAX_SUCCESS_POLICY_RULES,
} from './wellKnown.js'

const ACTIONS = ['Count', 'FailIndex', 'FailJob', 'Ignore'] as const
const OPERATORS = ['In', 'NotIn'] as const
const STATUSES = ['False', 'True', 'Unknown'] as const

const oneOf = <A extends string>(values: ReadonlyArray<A>, v: string): boolean => values.some((x) => x === v)

/** `must be greater than or equal to 0` for a negative value (apimachinery's `ValidateNonnegativeField`). */
export const nonNegative = (value: number | undefined, path: string): FieldError[] =>
  value !== undefined && value < 0 ? [invalid(path, value, 'must be greater than or equal to 0')] : []

function validateOnExitCodes(
  req: PodFailurePolicyOnExitCodesRequirement,
  path: string,
  containerNames: ReadonlySet<string>,
  valuesAbsent: boolean,
): FieldError[] {
  const errs: FieldError[] = []
  const operator: string = req.operator
  if (operator === '') errs.push(required(child(path, 'operator'), 'valid values: ["In" "NotIn"]'))
  else if (!oneOf(OPERATORS, operator)) errs.push(notSupported(child(path, 'operator'), operator, OPERATORS))
  if (req.containerName !== undefined && !containerNames.has(req.containerName)) {
    errs.push(invalid(child(path, 'containerName'), req.containerName, 'must be one of the container or initContainer names in the pod template'))
  }
  const valuesPath = child(path, 'values')
  const values = req.values
  if (values.length === 0) errs.push(invalid(valuesPath, valuesAbsent ? null : [], 'at least one value is required'))
  else if (values.length > MAX_EXIT_CODE_VALUES) errs.push(tooMany(valuesPath, values.length, MAX_EXIT_CODE_VALUES))
  const seen = new Set<number>()
  let ordered = true
  values.forEach((v, j) => {
    if (operator === 'In' && v === 0) errs.push(invalid(index(valuesPath, j), v, 'must not be 0 for the In operator'))
    if (seen.has(v)) errs.push(duplicate(index(valuesPath, j), v))
    else seen.add(v)
    const previous = values[j - 1]
    if (previous !== undefined && previous > v) ordered = false
  })
  if (!ordered) errs.push(invalid(valuesPath, [...values], 'must be ordered'))
  return errs
}

function validateOnPodConditions(patterns: ReadonlyArray<PodFailurePolicyOnPodConditionsPattern>, path: string): FieldError[] {
  const errs: FieldError[] = []
  if (patterns.length > MAX_POD_CONDITION_PATTERNS) errs.push(tooMany(path, patterns.length, MAX_POD_CONDITION_PATTERNS))
  patterns.forEach((pattern, j) => {
    const patternPath = index(path, j)
    errs.push(...isQualifiedName(pattern.type).map((m) => invalid(child(patternPath, 'type'), pattern.type, m)))
    const status: string = pattern.status
    if (status === '') errs.push(required(child(patternPath, 'status'), 'valid values: ["False" "True" "Unknown"]'))
    else if (!oneOf(STATUSES, status)) errs.push(notSupported(child(patternPath, 'status'), status, STATUSES))
  })
  return errs
}

function validateRule(
  spec: JobSpec,
  rule: PodFailurePolicyRule,
  path: string,
  containerNames: ReadonlySet<string>,
  valuesAbsent: boolean,
): FieldError[] {
  const errs: FieldError[] = []
  const action: string = rule.action
  const actionPath = child(path, 'action')
  if (action === '') errs.push(required(actionPath, 'valid values: ["Count" "FailIndex" "FailJob" "Ignore"]'))
  else if (action === 'FailIndex') {
    if (spec.backoffLimitPerIndex === undefined) errs.push(invalid(actionPath, action, 'requires the backoffLimitPerIndex to be set'))
  } else if (!oneOf(ACTIONS, action)) errs.push(notSupported(actionPath, action, ACTIONS))
  const conditions = rule.onPodConditions ?? []
  if (rule.onExitCodes !== undefined) errs.push(...validateOnExitCodes(rule.onExitCodes, child(path, 'onExitCodes'), containerNames, valuesAbsent))
  if (conditions.length > 0) errs.push(...validateOnPodConditions(conditions, child(path, 'onPodConditions')))
  if (rule.onExitCodes !== undefined && conditions.length > 0) {
    errs.push(invalidOmitValue(path, 'specifying both OnExitCodes and OnPodConditions is not supported'))
  }
  if (rule.onExitCodes === undefined && conditions.length === 0) {
    errs.push(invalidOmitValue(path, 'specifying one of OnExitCodes and OnPodConditions is required'))
  }
  return errs
}

/**
 * R43–R47: `spec.podFailurePolicy`. `valuesAbsent` lists the rules whose `onExitCodes.values`
 * the manifest omitted (reported as `null` rather than `[]`).
 */
export function validatePodFailurePolicy(spec: JobSpec, path: string, valuesAbsent: ReadonlySet<number> = new Set()): FieldError[] {
  const policy = spec.podFailurePolicy
  if (policy === undefined) return []
  const errs: FieldError[] = []
  const rulesPath = child(path, 'rules')
  if (policy.rules.length > MAX_POD_FAILURE_POLICY_RULES) errs.push(tooMany(rulesPath, policy.rules.length, MAX_POD_FAILURE_POLICY_RULES))
  const podSpec = spec.template.spec
  const containerNames = new Set([...podSpec.containers, ...(podSpec.initContainers ?? [])].map((c) => c.name))
  policy.rules.forEach((rule, i) => errs.push(...validateRule(spec, rule, index(rulesPath, i), containerNames, valuesAbsent.has(i))))
  return errs
}

const utf8Length = (text: string): number => new TextEncoder().encode(text).length

function validateSuccessRule(rule: SuccessPolicyRule, path: string, completions: number | undefined): FieldError[] {
  const errs: FieldError[] = []
  if (rule.succeededCount === undefined && rule.succeededIndexes === undefined) {
    errs.push(required(path, 'at least one of succeededCount or succeededIndexes must be specified'))
  }
  let totalIndexes = 0
  if (rule.succeededIndexes !== undefined) {
    const indexesPath = child(path, 'succeededIndexes')
    if (utf8Length(rule.succeededIndexes) > MAX_SUCCEEDED_INDEXES_BYTES) errs.push(tooLong(indexesPath, MAX_SUCCEEDED_INDEXES_BYTES))
    if (completions !== undefined) {
      const parsed = parseIndexesStrict(rule.succeededIndexes, completions)
      if (parsed._tag === 'Left') errs.push(invalid(indexesPath, rule.succeededIndexes, `error parsing succeededIndexes: ${parsed.left}`))
      else totalIndexes = countIndexIntervals(parsed.right)
    }
  }
  if (rule.succeededCount !== undefined) {
    const countPath = child(path, 'succeededCount')
    errs.push(...nonNegative(rule.succeededCount, countPath))
    if (completions !== undefined && rule.succeededCount > completions) {
      errs.push(invalid(countPath, rule.succeededCount, `must be less than or equal to ${completions} (the number of specified completions)`))
    }
    if (rule.succeededIndexes !== undefined && rule.succeededCount > totalIndexes) {
      errs.push(
        invalid(countPath, rule.succeededCount, `must be less than or equal to ${totalIndexes} (the number of indexes in the specified succeededIndexes field)`),
      )
    }
  }
  return errs
}

/** R49–R50: `spec.successPolicy` (Indexed jobs only). */
export function validateSuccessPolicy(spec: JobSpec, path: string): FieldError[] {
  const policy = spec.successPolicy
  if (policy === undefined) return []
  if (spec.completionMode !== 'Indexed') return [invalid(path, goSuccessPolicy(policy), 'requires indexed completion mode')]
  const errs: FieldError[] = []
  const rulesPath = child(path, 'rules')
  if (policy.rules.length === 0) errs.push(required(rulesPath, 'at least one rules must be specified when the successPolicy is specified'))
  if (policy.rules.length > MAX_SUCCESS_POLICY_RULES) errs.push(tooMany(rulesPath, policy.rules.length, MAX_SUCCESS_POLICY_RULES))
  policy.rules.forEach((rule, i) => errs.push(...validateSuccessRule(rule, index(rulesPath, i), spec.completions)))
  return errs
}

/** R48: `spec.podReplacementPolicy` (only `Failed` with a podFailurePolicy). */
export function validatePodReplacementPolicy(spec: JobSpec, path: string): FieldError[] {
  const policy: string = spec.podReplacementPolicy
  if (spec.podFailurePolicy !== undefined) return policy === 'Failed' ? [] : [notSupported(path, policy, ['Failed'])]
  return policy === 'Failed' || policy === 'TerminatingOrFailed' ? [] : [notSupported(path, policy, ['Failed', 'TerminatingOrFailed'])]
}
