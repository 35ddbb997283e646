/**
 * Update validation of the main resource (spec §3.3, R53–R59): everything of §3.2 again, then
 * immutability, with the exceptions for elastic Indexed Jobs (R55), scheduling directives of
 * suspended Jobs (R56, R57) and pod resources of suspended Jobs (R58).
 */
import type { FieldError } from './fieldErrors.js'
import { immutable, invalid } from './fieldErrors.js'
import { jsonEqual } from './equality.js'
import { goPodFailurePolicy, goSelector, goSuccessPolicy, goTemplate } from './goValues.js'
import type { Container, Job, JobSpec, Json, ObjectMeta, PodSpec, PodTemplateSpec } from './types.js'
import type { ManifestFacts } from './validation.js'
import { validateJob } from './validation.js'
import { CONTROLLER_UID_LABEL, JOB_NAME_LABEL } from './wellKnown.js'

const orNull = <A extends Json>(value: A | undefined): A | null => (value === undefined ? null : value)

/** `field is immutable` when the value changed (`apiequality.Semantic.DeepEqual`). */
function immutableField(path: string, next: unknown, previous: unknown, shown: Json): FieldError[] {
  return jsonEqual(next, previous) ? [] : [immutable(path, shown)]
}

/** R59: apimachinery's `ValidateObjectMetaUpdate` (name, namespace, uid, creation and deletion data). */
export function validateObjectMetaUpdate(next: ObjectMeta, previous: ObjectMeta, path = 'metadata'): FieldError[] {
  type Field = 'name' | 'namespace' | 'uid' | 'creationTimestamp' | 'deletionTimestamp' | 'deletionGracePeriodSeconds'
  const field = (name: Field, zero: Json): FieldError[] => {
    const value = next[name] ?? zero
    return immutableField(`${path}.${name}`, value, previous[name] ?? zero, value)
  }
  return [
    ...field('name', ''),
    ...field('namespace', ''),
    ...field('uid', ''),
    ...field('creationTimestamp', null),
    ...field('deletionTimestamp', null),
    ...field('deletionGracePeriodSeconds', null),
  ]
}

const isConditionTrue = (job: Job, type: string): boolean =>
  (job.status?.conditions ?? []).some((c) => c.type === type && c.status === 'True')

/**
 * R56: the template's scheduling directives may change while the **old** Job is suspended and
 * either never started or (`Suspended=True` and no active pods).
 */
export function allowsMutableSchedulingDirectives(old: Job): boolean {
  const neverStarted = old.status?.startTime === undefined
  const suspendedAndIdle = isConditionTrue(old, 'Suspended') && (old.status?.active ?? 0) === 0
  return old.spec.suspend && (neverStarted || suspendedAndIdle)
}

/** R58: container resources may change while the **old** Job is suspended, `Suspended=True`, no active pods. */
export function allowsMutablePodResources(old: Job): boolean {
  return old.spec.suspend && isConditionTrue(old, 'Suspended') && (old.status?.active ?? 0) === 0
}

const asObject = (value: Json | undefined): { readonly [key: string]: Json | undefined } | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as { readonly [key: string]: Json | undefined }) : undefined

/** R57's affinity rule: only `nodeAffinity` may be added, changed or removed. */
function adjustAffinity(next: Json | undefined, previous: Json | undefined): Json | undefined {
  const nextAffinity = asObject(next)
  const previousAffinity = asObject(previous)
  if (nextAffinity === undefined && previousAffinity !== undefined) {
    const { nodeAffinity: _dropped, ...others } = previousAffinity
    return Object.values(others).every((v) => v === undefined || v === null) ? undefined : others
  }
  if (nextAffinity !== undefined && previousAffinity === undefined) {
    return nextAffinity['nodeAffinity'] === undefined ? {} : { nodeAffinity: nextAffinity['nodeAffinity'] }
  }
  if (nextAffinity !== undefined && previousAffinity !== undefined) {
    const { nodeAffinity: _replaced, ...others } = previousAffinity
    return nextAffinity['nodeAffinity'] === undefined ? others : { ...others, nodeAffinity: nextAffinity['nodeAffinity'] }
  }
  return previous
}

/** `{ [k]: v }` when `v` is defined, `{}` otherwise. */
const opt = <V>(k: string, v: V | undefined): { readonly [key: string]: V } => (v === undefined ? {} : { [k]: v })

/** The old template with R57's freely mutable parts taken from the new one. */
function withSchedulingDirectivesOf(previous: PodTemplateSpec, next: PodTemplateSpec): PodTemplateSpec {
  const { affinity, nodeSelector: _ns, tolerations: _t, schedulingGates: _sg, ...spec } = previous.spec
  const adjustedAffinity = adjustAffinity(next.spec['affinity'], affinity)
  const { labels: _l, annotations: _a, ...metadata } = previous.metadata ?? {}
  const podSpec: PodSpec = {
    ...spec,
    ...opt('affinity', adjustedAffinity),
    ...opt('nodeSelector', next.spec['nodeSelector']),
    ...opt('tolerations', next.spec['tolerations']),
    ...opt('schedulingGates', next.spec['schedulingGates']),
  }
  const nextMeta = next.metadata
  const hasMetadata = previous.metadata !== undefined || nextMeta?.labels !== undefined || nextMeta?.annotations !== undefined
  return {
    ...(hasMetadata
      ? { metadata: { ...metadata, ...(nextMeta?.labels === undefined ? {} : { labels: nextMeta.labels }), ...(nextMeta?.annotations === undefined ? {} : { annotations: nextMeta.annotations }) } }
      : {}),
    spec: podSpec,
  }
}

/** R58: the old containers with `resources` taken from the new ones (same count, same names). */
function withResourcesOf(previous: ReadonlyArray<Container> | undefined, next: ReadonlyArray<Container> | undefined): ReadonlyArray<Container> | undefined {
  if (previous === undefined || next === undefined || previous.length !== next.length) return previous
  return previous.map((c, i) => {
    const n = next[i]
    if (n === undefined || n.name !== c.name) return c
    const { resources: _old, ...rest } = c
    return { ...rest, ...opt('resources', n['resources']) }
  })
}

/** R56–R58: what may change in `spec.template`. */
function validateTemplateUpdate(next: Job, old: Job): FieldError[] {
  const template = next.spec.template
  const previous = allowsMutableSchedulingDirectives(old) ? withSchedulingDirectivesOf(old.spec.template, template) : old.spec.template
  if (!old.spec.suspend || !allowsMutablePodResources(old)) {
    return immutableField('spec.template', template, previous, goTemplate(template))
  }
  const previousSpec: PodSpec = {
    ...previous.spec,
    containers: withResourcesOf(previous.spec.containers, template.spec.containers) ?? [],
    ...opt('initContainers', withResourcesOf(previous.spec.initContainers, template.spec.initContainers)),
  }
  return immutableField('spec.template.spec', template.spec, previousSpec, template.spec)
}

/** R55: Indexed completions may change only together with parallelism (new completions == new parallelism). */
function validateCompletionsUpdate(spec: JobSpec, old: JobSpec): FieldError[] {
  if (spec.completionMode !== 'Indexed') return immutableField('spec.completions', spec.completions, old.completions, orNull(spec.completions))
  if (spec.completions === old.completions || spec.completions === undefined) return []
  if (spec.completions !== spec.parallelism) {
    return [invalid('spec.completions', spec.completions, 'can only be modified in tandem with spec.parallelism')]
  }
  return []
}

const hasPrefixedLabels = (job: Job): boolean => {
  const labels = job.spec.template.metadata?.labels ?? {}
  return Object.prototype.hasOwnProperty.call(labels, CONTROLLER_UID_LABEL) && Object.prototype.hasOwnProperty.call(labels, JOB_NAME_LABEL)
}

/**
 * Validates an update of a Job (both prepared and defaulted) as the API server does: §3.2 on
 * the new Job (R53; the prefixed template labels are required only if the old template had
 * both, R52), metadata immutability (R59), and the spec's immutable fields (R54) with the
 * exceptions of R55–R58. `facts` carries what the manifest said that a `Job` cannot hold.
 */
export function validateJobUpdate(oldJob: Job, newJob: Job, facts: ManifestFacts = {}): ReadonlyArray<FieldError> {
  const spec = newJob.spec
  const old = oldJob.spec
  const selectorErrors =
    facts.selectorAbsent === true
      ? [immutable('spec.selector', null)]
      : immutableField('spec.selector', spec.selector, old.selector, goSelector(spec.selector))
  return [
    ...validateJob(newJob, { requirePrefixedLabels: hasPrefixedLabels(oldJob), facts }),
    ...validateObjectMetaUpdate(newJob.metadata, oldJob.metadata),
    ...validateCompletionsUpdate(spec, old),
    ...selectorErrors,
    ...validateTemplateUpdate(newJob, oldJob),
    ...immutableField('spec.completionMode', spec.completionMode, old.completionMode, spec.completionMode),
    ...immutableField(
      'spec.podFailurePolicy',
      spec.podFailurePolicy,
      old.podFailurePolicy,
      spec.podFailurePolicy === undefined ? null : goPodFailurePolicy(spec.podFailurePolicy),
    ),
    ...immutableField('spec.backoffLimitPerIndex', spec.backoffLimitPerIndex, old.backoffLimitPerIndex, orNull(spec.backoffLimitPerIndex)),
    ...immutableField('spec.managedBy', spec.managedBy, old.managedBy, orNull(spec.managedBy)),
    ...immutableField(
      'spec.successPolicy',
      spec.successPolicy,
      old.successPolicy,
      spec.successPolicy === undefined ? null : goSuccessPolicy(spec.successPolicy),
    ),
  ]
}
