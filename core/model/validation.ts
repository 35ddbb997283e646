/**
 * Create-time validation of a defaulted Job (spec §3.2, R31–R52), every problem at once, with
 * the API server's paths and messages. Also re-run on every update (R53).
 */
import { validateBackoffAnnotations } from './annotations.js'
import type { FieldError } from './fieldErrors.js'
import { child, invalid, key, notSupported, required, tooLong } from './fieldErrors.js'
import { goLabels, goSelector } from './goValues.js'
import { isConvertibleSelector, matchesSelector, validateLabelSelector } from './labelSelector.js'
import { isDns1123Label, isDns1123Subdomain, validateAnnotations, validateLabels } from './names.js'
import { nonNegative, validatePodFailurePolicy, validatePodReplacementPolicy, validateSuccessPolicy } from './policyValidation.js'
import { validatePodTemplate, validateRestartPolicy } from './templateValidation.js'
import type { Job, JobSpec, ObjectMeta } from './types.js'
import {
  COMPLETIONS_SOFT_LIMIT,
  CONTROLLER_UID_LABEL,
  JOB_NAME_LABEL,
  LEGACY_CONTROLLER_UID_LABEL,
  LEGACY_JOB_NAME_LABEL,
  MAX_FAILED_INDEXES_LIMIT,
  MAX_INDEXED_PARALLELISM,
  MAX_MANAGED_BY_LENGTH,
  PARALLELISM_LIMIT_FOR_HIGH_COMPLETIONS,
} from './wellKnown.js'

/**
 * What a manifest said that the `Job` type cannot hold. Admission (`admitJobCreate`,
 * `admitJobUpdate`) passes these on so that messages match the API server's.
 */
export interface ManifestFacts {
  /** `spec.selector` was absent (the Job holds `{}`): `Required value`, and nothing matches (R51). */
  readonly selectorAbsent?: boolean
  /** Indexes of pod-failure-policy rules whose `onExitCodes.values` was absent (shown as `null`, R46). */
  readonly exitCodeValuesAbsent?: ReadonlySet<number>
  /**
   * `spec.completionMode` held an unsupported value (reported by decoding; the Job holds the
   * default): like the API server, do not also apply the NonIndexed-only rules of R41.
   */
  readonly completionModeUnsupported?: boolean
}

/** Options of `validateJob`. */
export interface JobValidationOptions {
  /** Facts from the manifest the `Job` cannot carry (see `ManifestFacts`). */
  readonly facts?: ManifestFacts
  /**
   * R52: also require the `batch.kubernetes.io/` controller-uid and job-name template labels.
   * True for new Jobs (the default); on update only when the old template had both.
   */
  readonly requirePrefixedLabels?: boolean
}

const utf8Length = (text: string): number => new TextEncoder().encode(text).length

/** apimachinery's `ValidateObjectMeta` for a namespaced object named as a DNS subdomain (R31). */
export function validateObjectMeta(meta: ObjectMeta, path = 'metadata'): FieldError[] {
  const errs: FieldError[] = []
  const generateName = meta.generateName ?? ''
  if (generateName !== '') {
    // A generateName is validated as a prefix: a trailing '-' is allowed.
    const masked = generateName.endsWith('-') ? `${generateName.slice(0, -1)}a` : generateName
    errs.push(...isDns1123Subdomain(masked).map((m) => invalid(child(path, 'generateName'), generateName, m)))
  }
  const name = meta.name ?? ''
  if (name === '') errs.push(required(child(path, 'name'), 'name or generateName is required'))
  else errs.push(...isDns1123Subdomain(name).map((m) => invalid(child(path, 'name'), name, m)))
  const namespace = meta.namespace ?? ''
  if (namespace === '') errs.push(required(child(path, 'namespace')))
  else errs.push(...isDns1123Label(namespace).map((m) => invalid(child(path, 'namespace'), namespace, m)))
  errs.push(...nonNegative(meta.generation, child(path, 'generation')))
  errs.push(...validateLabels(meta.labels, child(path, 'labels')))
  errs.push(...validateAnnotations(meta.annotations, child(path, 'annotations')))
  return errs
}

/** R52: with a generated selector, the template labels and the selector must be the generated ones. */
function validateGeneratedSelector(job: Job, requirePrefixedLabels: boolean, facts: ManifestFacts): FieldError[] {
  if (job.spec.manualSelector || facts.selectorAbsent === true) return []
  const errs: FieldError[] = []
  const uid = job.metadata.uid ?? ''
  const name = job.metadata.name ?? ''
  if (uid === '') errs.push(required('metadata.uid'))
  const labels = job.spec.template.metadata?.labels
  const labelsPath = 'spec.template.metadata.labels'
  const hasLabel = (labelKey: string, expected: string): void => {
    const actual = labels !== undefined && Object.prototype.hasOwnProperty.call(labels, labelKey) ? labels[labelKey] : undefined
    if (actual === undefined) errs.push(required(key(labelsPath, labelKey), `must be '${expected}'`))
    else if (actual !== expected) errs.push(invalid(key(labelsPath, labelKey), goLabels(labels), `must be '${expected}'`))
  }
  hasLabel(LEGACY_CONTROLLER_UID_LABEL, uid)
  hasLabel(LEGACY_JOB_NAME_LABEL, name)
  const expected: Record<string, string> = {}
  if (requirePrefixedLabels) {
    hasLabel(CONTROLLER_UID_LABEL, uid)
    hasLabel(JOB_NAME_LABEL, name)
    expected[CONTROLLER_UID_LABEL] = uid
    expected[JOB_NAME_LABEL] = name
  }
  expected[LEGACY_CONTROLLER_UID_LABEL] = uid
  expected[LEGACY_JOB_NAME_LABEL] = name
  const selector = job.spec.selector
  if (isConvertibleSelector(selector) && !matchesSelector(selector, expected)) {
    errs.push(invalid('spec.selector', goSelector(selector), '`selector` not auto-generated'))
  }
  return errs
}

/** R36–R41: completion mode, Indexed limits, per-index back-off. */
function validateCompletionMode(spec: JobSpec, path: string, facts: ManifestFacts): FieldError[] {
  const errs: FieldError[] = []
  const mode: string = spec.completionMode
  if (mode !== 'NonIndexed' && mode !== 'Indexed') errs.push(notSupported(child(path, 'completionMode'), mode, ['NonIndexed', 'Indexed']))
  const { completions, parallelism, maxFailedIndexes, backoffLimitPerIndex } = spec
  if (mode === 'Indexed') {
    if (completions === undefined) errs.push(required(child(path, 'completions'), 'when completion mode is Indexed'))
    if (parallelism > MAX_INDEXED_PARALLELISM) {
      errs.push(invalid(child(path, 'parallelism'), parallelism, `must be less than or equal to ${MAX_INDEXED_PARALLELISM} when completion mode is Indexed`))
    }
    if (completions !== undefined && maxFailedIndexes !== undefined && maxFailedIndexes > completions) {
      errs.push(invalid(child(path, 'maxFailedIndexes'), maxFailedIndexes, 'must be less than or equal to completions'))
    }
    if (maxFailedIndexes !== undefined && maxFailedIndexes > MAX_FAILED_INDEXES_LIMIT) {
      errs.push(invalid(child(path, 'maxFailedIndexes'), maxFailedIndexes, `must be less than or equal to ${MAX_FAILED_INDEXES_LIMIT}`))
    }
    if (completions !== undefined && completions > COMPLETIONS_SOFT_LIMIT && backoffLimitPerIndex !== undefined) {
      const high = `must be less than or equal to ${PARALLELISM_LIMIT_FOR_HIGH_COMPLETIONS} when completions are above ${COMPLETIONS_SOFT_LIMIT} and used with backoff limit per index`
      if (maxFailedIndexes === undefined) {
        errs.push(required(child(path, 'maxFailedIndexes'), `must be specified when completions is above ${COMPLETIONS_SOFT_LIMIT}`))
      }
      if (parallelism > PARALLELISM_LIMIT_FOR_HIGH_COMPLETIONS) errs.push(invalid(child(path, 'parallelism'), parallelism, high))
      if (maxFailedIndexes !== undefined && maxFailedIndexes > PARALLELISM_LIMIT_FOR_HIGH_COMPLETIONS) {
        errs.push(invalid(child(path, 'maxFailedIndexes'), maxFailedIndexes, high))
      }
    }
  }
  if (mode === 'NonIndexed' && facts.completionModeUnsupported !== true) {
    if (backoffLimitPerIndex !== undefined) {
      errs.push(invalid(child(path, 'backoffLimitPerIndex'), backoffLimitPerIndex, 'requires indexed completion mode'))
    }
    if (maxFailedIndexes !== undefined) errs.push(invalid(child(path, 'maxFailedIndexes'), maxFailedIndexes, 'requires indexed completion mode'))
  }
  return errs
}

/** R35: a domain-prefixed path of at most 63 bytes (apimachinery's `IsDomainPrefixedPath`). */
function validateManagedBy(managedBy: string | undefined, path: string): FieldError[] {
  if (managedBy === undefined) return []
  const errs: FieldError[] = []
  const slash = managedBy.indexOf('/')
  const host = slash < 0 ? '' : managedBy.slice(0, slash)
  const rest = slash < 0 ? '' : managedBy.slice(slash + 1)
  if (managedBy === '') errs.push(required(path))
  else if (host === '' || rest === '') errs.push(invalid(path, managedBy, 'must be a domain-prefixed path (such as "acme.io/foo")'))
  else {
    errs.push(...isDns1123Subdomain(host).map((m) => invalid(path, host, m)))
    const httpPath = "[A-Za-z0-9/\\-._~%!$&'()*+,;=:]+"
    if (!new RegExp(`^${httpPath}$`).test(rest)) errs.push(invalid(path, rest, `Invalid path (regex used for validation is '${httpPath}')`))
  }
  if (utf8Length(managedBy) > MAX_MANAGED_BY_LENGTH) errs.push(tooLong(path, MAX_MANAGED_BY_LENGTH))
  return errs
}

/** R34–R50 and R42: the Job spec without its selector (also a CronJob's job template, C15). */
export function validateJobSpecFields(spec: JobSpec, path: string, facts: ManifestFacts): FieldError[] {
  const errs: FieldError[] = [
    ...nonNegative(spec.parallelism, child(path, 'parallelism')),
    ...nonNegative(spec.completions, child(path, 'completions')),
    ...nonNegative(spec.activeDeadlineSeconds, child(path, 'activeDeadlineSeconds')),
    ...nonNegative(spec.backoffLimit, child(path, 'backoffLimit')),
    ...nonNegative(spec.ttlSecondsAfterFinished, child(path, 'ttlSecondsAfterFinished')),
    ...nonNegative(spec.backoffLimitPerIndex, child(path, 'backoffLimitPerIndex')),
  ]
  if (spec.maxFailedIndexes !== undefined) {
    errs.push(...nonNegative(spec.maxFailedIndexes, child(path, 'maxFailedIndexes')))
    if (spec.backoffLimitPerIndex === undefined) errs.push(required(child(path, 'backoffLimitPerIndex'), 'when maxFailedIndexes is specified'))
  }
  errs.push(...validateManagedBy(spec.managedBy, child(path, 'managedBy')))
  errs.push(...validateCompletionMode(spec, path, facts))
  errs.push(...validatePodFailurePolicy(spec, child(path, 'podFailurePolicy'), facts.exitCodeValuesAbsent))
  errs.push(...validateSuccessPolicy(spec, child(path, 'successPolicy')))
  errs.push(...validatePodReplacementPolicy(spec, child(path, 'podReplacementPolicy')))
  errs.push(...validatePodTemplate(spec.template, child(path, 'template')))
  errs.push(...validateRestartPolicy(spec, path))
  return errs
}

/** R51: the selector is a valid label selector and matches the template's labels. */
function validateSelector(spec: JobSpec, path: string, facts: ManifestFacts): FieldError[] {
  const labels = spec.template.metadata?.labels
  const mismatch = invalid(child(path, 'template.metadata.labels'), goLabels(labels), '`selector` does not match template `labels`')
  // A missing selector selects nothing, so it never matches the template either.
  if (facts.selectorAbsent === true) return [required(child(path, 'selector')), mismatch]
  const errs = validateLabelSelector(spec.selector, child(path, 'selector'))
  if (isConvertibleSelector(spec.selector) && !matchesSelector(spec.selector, labels)) {
    errs.push(mismatch)
  }
  return errs
}

/** R32: an Indexed Job's largest pod hostname `<name>-<completions-1>` must be a DNS label. */
function validateIndexedHostnames(job: Job): FieldError[] {
  const { completionMode, completions } = job.spec
  if (completionMode !== 'Indexed' || completions === undefined || completions <= 0) return []
  const name = job.metadata.name ?? ''
  const hostname = `${name}-${completions - 1}`
  if (isDns1123Label(hostname).length === 0) return []
  return [invalid('metadata.name', name, `will not able to create pod with invalid DNS label: ${hostname}`)]
}

/**
 * Validates a defaulted Job as the API server does on create (and again on every update):
 * object metadata (R31), the engine's back-off annotations, generated-selector labels (R52),
 * every spec rule of §3.2 (R34–R51) and the Indexed hostname rule (R32). Returns every problem.
 */
export function validateJob(job: Job, options: JobValidationOptions = {}): ReadonlyArray<FieldError> {
  const facts = options.facts ?? {}
  return [
    ...validateObjectMeta(job.metadata),
    ...validateBackoffAnnotations(job.metadata.annotations),
    ...validateGeneratedSelector(job, options.requirePrefixedLabels ?? true, facts),
    ...validateJobSpecFields(job.spec, 'spec', facts),
    ...validateSelector(job.spec, 'spec', facts),
    ...validateIndexedHostnames(job),
  ]
}

/**
 * R33: the API server's warnings (not errors). On create (`old` absent): a name that is not a
 * DNS label, and the Indexed high-completions warning. On update: the latter only when the spec
 * changed (generation bump).
 */
export function validateJobWarnings(job: Job, old?: Job): ReadonlyArray<string> {
  const warnings: string[] = []
  if (old === undefined) {
    const problems = isDns1123Label(job.metadata.name ?? '')
    if (problems.length > 0) {
      warnings.push(`metadata.name: this is used in Pod names and hostnames, which can result in surprising behavior; a DNS label is recommended: [${problems.join(' ')}]`)
    }
  }
  const specChanged = old === undefined || old.metadata.generation !== job.metadata.generation
  const { completionMode, completions, parallelism } = job.spec
  if (specChanged && completionMode === 'Indexed' && (completions ?? 0) > COMPLETIONS_SOFT_LIMIT && parallelism > PARALLELISM_LIMIT_FOR_HIGH_COMPLETIONS) {
    warnings.push(
      'spec: In Indexed Jobs with a number of completions higher than 10^5 and a parallelism higher than 10^4, Kubernetes might not be able to track completedIndexes when a big number of indexes fail',
    )
  }
  return warnings
}
