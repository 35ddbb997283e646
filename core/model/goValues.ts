/**
 * Bad values as the API server prints them in error messages. Validation runs on Kubernetes'
 * *internal* types, which carry no JSON tags, so a struct prints with Go field names and nil
 * pointers/slices as `null` (`{"Rules":[{"SucceededIndexes":"0-2","SucceededCount":null}]}`);
 * `metav1` types (label selectors, times) print with their JSON names; maps print sorted.
 */
import { sortedMap } from './names.js'
import { selectorJson } from './labelSelector.js'
import type { Json, LabelSelector, Labels, PodFailurePolicy, PodTemplateSpec, SuccessPolicy, UncountedTerminatedPods } from './types.js'

const orNull = <A extends Json>(value: A | undefined): A | null => (value === undefined ? null : value)

/** `batch.SuccessPolicy` as Go's `encoding/json` prints the internal struct. */
export function goSuccessPolicy(policy: SuccessPolicy): Json {
  return {
    Rules: policy.rules.map((r) => ({ SucceededIndexes: orNull(r.succeededIndexes), SucceededCount: orNull(r.succeededCount) })),
  }
}

/** `batch.PodFailurePolicy` as Go's `encoding/json` prints the internal struct. */
export function goPodFailurePolicy(policy: PodFailurePolicy): Json {
  return {
    Rules: policy.rules.map((r) => ({
      Action: r.action,
      OnExitCodes:
        r.onExitCodes === undefined
          ? null
          : { ContainerName: orNull(r.onExitCodes.containerName), Operator: r.onExitCodes.operator, Values: [...r.onExitCodes.values] },
      OnPodConditions: r.onPodConditions === undefined ? null : r.onPodConditions.map((p) => ({ Type: p.type, Status: p.status })),
    })),
  }
}

/** `batch.UncountedTerminatedPods` as Go's `encoding/json` prints the internal struct. */
export function goUncountedTerminatedPods(pods: UncountedTerminatedPods): Json {
  return {
    Succeeded: pods.succeeded === undefined ? null : [...pods.succeeded],
    Failed: pods.failed === undefined ? null : [...pods.failed],
  }
}

/** A label map (sorted keys), or `null` for an absent one. */
export const goLabels = (labels: Labels | undefined): Json => (labels === undefined ? null : sortedMap(labels))

/** A `metav1.LabelSelector` (JSON names, empty fields omitted). */
export const goSelector = (selector: LabelSelector): Json => selectorJson(selector)

/**
 * The pod template in an immutability error. Upstream prints the internal `core.PodTemplateSpec`
 * with Go field names and every zero-valued field; we print the template's JSON form instead
 * (the one thing in these messages we do not reproduce byte for byte).
 */
export const goTemplate = (template: PodTemplateSpec): Json => ({
  ...(template.metadata === undefined ? {} : { metadata: metadataJson(template.metadata) }),
  spec: template.spec,
})

function metadataJson(meta: NonNullable<PodTemplateSpec['metadata']>): Json {
  const out: Record<string, Json> = {}
  if (meta.name !== undefined) out['name'] = meta.name
  if (meta.labels !== undefined) out['labels'] = sortedMap(meta.labels)
  if (meta.annotations !== undefined) out['annotations'] = sortedMap(meta.annotations)
  return out
}
