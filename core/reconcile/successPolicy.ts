/**
 * Success policy matching (spec §11, R143; upstream `success_policy.go`). Indexed jobs only;
 * the caller decides when to evaluate it (no other decision taken, R88).
 */
import type { SuccessPolicy } from '../model/types.js'
import { countCommon, countIndexes, parseIndexesLenient, type IndexSet } from './intervals.js'

/** The first rule that matched and the condition message `Matched rules at index <i>`. */
export interface SuccessPolicyMatch {
  readonly ruleIndex: number
  readonly message: string
}

/**
 * R143: the first rule of `policy` satisfied by the `succeeded` indexes, or `undefined`.
 * Nothing matches while no index has succeeded.
 *
 * - With `succeededIndexes`: the string is parsed leniently against `completions` (R118); a rule
 *   whose list parses to nothing is skipped. It matches when every listed index succeeded, or
 *   when `succeededCount` is set and at least that many of the listed indexes succeeded.
 * - With only `succeededCount`: it matches when at least that many indexes succeeded.
 * - A rule with neither never matches.
 */
export function matchSuccessPolicy(policy: SuccessPolicy, completions: number, succeeded: IndexSet): SuccessPolicyMatch | undefined {
  if (succeeded.length === 0) return undefined
  for (const [ruleIndex, rule] of policy.rules.entries()) {
    if (rule.succeededIndexes !== undefined) {
      const listed = parseIndexesLenient(rule.succeededIndexes, completions)
      if (listed.length === 0) continue
      const common = countCommon(listed, succeeded)
      const allListed = common === countIndexes(listed)
      if (allListed || (rule.succeededCount !== undefined && common >= rule.succeededCount)) return matched(ruleIndex)
    } else if (rule.succeededCount !== undefined && countIndexes(succeeded) >= rule.succeededCount) {
      return matched(ruleIndex)
    }
  }
  return undefined
}

function matched(ruleIndex: number): SuccessPolicyMatch {
  return { ruleIndex, message: `Matched rules at index ${ruleIndex}` }
}
