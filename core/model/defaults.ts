/**
 * The API server's side of a write: defaulting (R18–R26) and server-side preparation of a
 * create or an update (R27, R28), producing the `Job` type the core works on.
 */
import type {
  ContainerManifest,
  JobManifest,
  JobSpecManifest,
  PodFailurePolicyManifest,
  PodFailurePolicyRuleManifest,
  PodSpecManifest,
} from './manifest.js'
import { jsonEqual } from './equality.js'
import { formatTime } from './time.js'
import type {
  CompletionMode,
  Container,
  Job,
  JobSpec,
  Labels,
  LabelSelector,
  ObjectMeta,
  PodFailurePolicy,
  PodFailurePolicyRule,
  PodReplacementPolicy,
  PodSpec,
} from './types.js'
import {
  CONTROLLER_UID_LABEL,
  DEFAULT_BACKOFF_LIMIT,
  JOB_NAME_LABEL,
  LEGACY_CONTROLLER_UID_LABEL,
  LEGACY_JOB_NAME_LABEL,
  MAX_INT32,
} from './wellKnown.js'

/** A Job spec after defaulting: the fields the API server fills in are present. */
export interface DefaultedJobSpecManifest extends JobSpecManifest {
  readonly parallelism: number
  readonly backoffLimit: number
  readonly completionMode: CompletionMode
  readonly suspend: boolean
  readonly podReplacementPolicy: PodReplacementPolicy
  readonly manualSelector: boolean
}

/** A Job manifest after defaulting. */
export interface DefaultedJobManifest extends JobManifest {
  readonly spec: DefaultedJobSpecManifest
}

/** `{ [k]: v }` when `v` is defined, `{}` otherwise: keeps absent fields absent. */
function opt<K extends string, V>(k: K, v: V | undefined): { readonly [P in K]?: V } {
  return (v === undefined ? {} : { [k]: v }) as { readonly [P in K]?: V }
}

const isEmpty = (labels: Labels | undefined): boolean => labels === undefined || Object.keys(labels).length === 0

/** R26: a Job without labels of its own takes the template's labels. */
function defaultJobLabels(metadata: ObjectMeta | undefined, templateLabels: Labels | undefined): ObjectMeta | undefined {
  if (!isEmpty(metadata?.labels) || isEmpty(templateLabels)) return metadata
  return { ...metadata, labels: { ...templateLabels } }
}

/** R23: an `onPodConditions` pattern without a status matches `True`. */
function defaultPodFailurePolicy(policy: PodFailurePolicyManifest): PodFailurePolicyManifest {
  if (policy.rules === undefined) return policy
  const rules = policy.rules.map(
    (rule): PodFailurePolicyRuleManifest =>
      rule.onPodConditions === undefined
        ? rule
        : {
            ...rule,
            onPodConditions: rule.onPodConditions.map((p) => (p.status === undefined || p.status === '' ? { ...p, status: 'True' } : p)),
          },
  )
  return { ...policy, rules }
}

/**
 * Applies the API server's defaults (R18–R26) to a manifest: parallelism/completions (R18,
 * R19), backoffLimit (R20), completionMode (R21), suspend (R22), pod-condition status (R23),
 * podReplacementPolicy (R24), manualSelector (R25) and the Job's labels (R26). Fields already
 * set are left alone, so applying it twice changes nothing.
 */
export function applyDefaults(manifest: JobManifest): DefaultedJobManifest {
  const spec: JobSpecManifest = manifest.spec ?? {}
  const bothUnset = spec.completions === undefined && spec.parallelism === undefined
  const defaultedSpec: DefaultedJobSpecManifest = {
    ...spec,
    ...(bothUnset ? { completions: 1 } : {}),
    parallelism: spec.parallelism ?? 1,
    backoffLimit: spec.backoffLimit ?? (spec.backoffLimitPerIndex !== undefined ? MAX_INT32 : DEFAULT_BACKOFF_LIMIT),
    completionMode: spec.completionMode ?? 'NonIndexed',
    suspend: spec.suspend ?? false,
    ...opt('podFailurePolicy', spec.podFailurePolicy === undefined ? undefined : defaultPodFailurePolicy(spec.podFailurePolicy)),
    podReplacementPolicy: spec.podReplacementPolicy ?? (spec.podFailurePolicy !== undefined ? 'Failed' : 'TerminatingOrFailed'),
    manualSelector: spec.manualSelector ?? false,
  }
  return {
    ...manifest,
    ...opt('metadata', defaultJobLabels(manifest.metadata, spec.template?.metadata?.labels)),
    spec: defaultedSpec,
  }
}

// ---------------------------------------------------------------------------------------
// Manifest → Job

const toContainer = (c: ContainerManifest): Container => ({ ...c, name: c.name ?? '' })

function toPodSpec(spec: PodSpecManifest): PodSpec {
  const { containers, initContainers, ...rest } = spec
  return {
    ...rest,
    containers: (containers ?? []).map(toContainer),
    ...opt('initContainers', initContainers?.map(toContainer)),
  }
}

function toPodFailurePolicy(policy: PodFailurePolicyManifest): PodFailurePolicy {
  return {
    rules: (policy.rules ?? []).map(
      (rule): PodFailurePolicyRule => ({
        action: rule.action,
        ...opt(
          'onExitCodes',
          rule.onExitCodes === undefined
            ? undefined
            : {
                ...opt('containerName', rule.onExitCodes.containerName),
                operator: rule.onExitCodes.operator,
                values: rule.onExitCodes.values ?? [],
              },
        ),
        ...opt(
          'onPodConditions',
          rule.onPodConditions?.map((p) => ({ type: p.type ?? '', status: p.status === undefined || p.status === '' ? 'True' : p.status })),
        ),
      }),
    ),
  }
}

/**
 * The defaulted manifest as the `JobSpec` type. Absent lists and names become empty (as Go's
 * zero values do); a missing selector becomes `{}` here: admission reports it (see
 * `admitJobCreate`), since `JobSpec` cannot hold "no selector".
 */
function toJobSpec(spec: DefaultedJobSpecManifest): JobSpec {
  const template = spec.template ?? {}
  const selector: LabelSelector = spec.selector ?? {}
  return {
    parallelism: spec.parallelism,
    ...opt('completions', spec.completions),
    ...opt('activeDeadlineSeconds', spec.activeDeadlineSeconds),
    ...opt('podFailurePolicy', spec.podFailurePolicy === undefined ? undefined : toPodFailurePolicy(spec.podFailurePolicy)),
    ...opt('successPolicy', spec.successPolicy === undefined ? undefined : { rules: spec.successPolicy.rules ?? [] }),
    backoffLimit: spec.backoffLimit,
    ...opt('backoffLimitPerIndex', spec.backoffLimitPerIndex),
    ...opt('maxFailedIndexes', spec.maxFailedIndexes),
    selector,
    manualSelector: spec.manualSelector,
    template: { ...opt('metadata', template.metadata), spec: toPodSpec(template.spec ?? {}) },
    ...opt('ttlSecondsAfterFinished', spec.ttlSecondsAfterFinished),
    completionMode: spec.completionMode,
    suspend: spec.suspend,
    podReplacementPolicy: spec.podReplacementPolicy,
    ...opt('managedBy', spec.managedBy),
  }
}

function toJob(manifest: DefaultedJobManifest): Job {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: manifest.metadata ?? {},
    spec: toJobSpec(manifest.spec),
    ...opt('status', manifest.status),
  }
}

/**
 * Defaults a stored Job again, as the API server does on every read (R18–R26). A Job that was
 * prepared by this module comes back unchanged.
 */
/** A manifest, defaulted, as the `Job` type (no server-side preparation): for a CronJob's job template (C15). */
export function defaultJobManifest(manifest: JobManifest): Job {
  return toJob(applyDefaults(manifest))
}

export function defaultJob(job: Job): Job {
  return toJob(applyDefaults(job))
}

// ---------------------------------------------------------------------------------------
// Server-side preparation

/**
 * R28: adds `job-name` / `batch.kubernetes.io/job-name` (the Job's name) and `controller-uid` /
 * `batch.kubernetes.io/controller-uid` (its UID) to the template labels where missing, and
 * `batch.kubernetes.io/controller-uid` to `selector.matchLabels` where missing. A conflicting
 * user value stays (validation rejects it, R52).
 */
export function generateSelector(job: Job): Job {
  const name = job.metadata.name ?? ''
  const uid = job.metadata.uid ?? ''
  const labels: Record<string, string> = { ...job.spec.template.metadata?.labels }
  const setIfMissing = (target: Record<string, string>, labelKey: string, value: string): void => {
    if (!Object.prototype.hasOwnProperty.call(target, labelKey)) target[labelKey] = value
  }
  setIfMissing(labels, LEGACY_JOB_NAME_LABEL, name)
  setIfMissing(labels, JOB_NAME_LABEL, name)
  setIfMissing(labels, LEGACY_CONTROLLER_UID_LABEL, uid)
  setIfMissing(labels, CONTROLLER_UID_LABEL, uid)
  const matchLabels: Record<string, string> = { ...job.spec.selector.matchLabels }
  setIfMissing(matchLabels, CONTROLLER_UID_LABEL, uid)
  const template = job.spec.template
  return {
    ...job,
    spec: {
      ...job.spec,
      selector: { ...job.spec.selector, matchLabels },
      template: { ...template, metadata: { ...template.metadata, labels } },
    },
  }
}

/** What the API server supplies when a Job is created. */
export interface CreateOptions {
  /** The new Job's UID (the API server generates one; callers inject it). */
  readonly uid: string
  /** The creation time, epoch milliseconds. */
  readonly now: number
  /** The request's namespace, used when the manifest has none (default `default`). */
  readonly namespace?: string
}

/**
 * What the API server sets on any object it creates: the namespace (the request's, else
 * `default`), a new uid, generation 1 and the creation time; a deletion the caller sent is dropped.
 */
export function metadataForCreate(given: ObjectMeta, options: CreateOptions): ObjectMeta {
  const { deletionTimestamp: _deleted, deletionGracePeriodSeconds: _grace, ...metadata } = given
  return {
    ...metadata,
    namespace: metadata.namespace ?? options.namespace ?? 'default',
    uid: options.uid,
    generation: 1,
    creationTimestamp: formatTime(options.now),
  }
}

/**
 * Prepares a create as the API server does (R27, R28): defaults applied, status cleared,
 * `generation: 1`, the given UID, `creationTimestamp` from `now`, the namespace filled in, any
 * deletion timestamp dropped, and (unless `manualSelector`) the generated selector and the four
 * template labels; the Job's labels then default from the template's (R26, after generation).
 * Validate the result with `validateJob`, or use `admitJobCreate` for both.
 */
export function prepareJobForCreate(manifest: JobManifest, options: CreateOptions): Job {
  const defaulted = applyDefaults(manifest)
  const withMeta: Job = { ...toJob(defaulted), metadata: metadataForCreate(defaulted.metadata ?? {}, options), status: {} }
  const generated = withMeta.spec.manualSelector ? withMeta : generateSelector(withMeta)
  return { ...generated, ...opt('metadata', defaultJobLabels(generated.metadata, generated.spec.template.metadata?.labels)) }
}

/**
 * Prepares an update of the main resource as the API server does (R27): defaults applied (no
 * selector is generated), the stored status kept, name/namespace/UID taken from the stored
 * Job when the manifest omits them, creation and deletion timestamps kept, and `generation`
 * incremented iff the spec changed. Validate with `validateJobUpdate`, or use `admitJobUpdate`.
 */
export function prepareJobForUpdate(old: Job, manifest: JobManifest): Job {
  const job = toJob(applyDefaults(manifest))
  const meta = job.metadata
  const oldMeta = old.metadata
  const specChanged = !jsonEqual(job.spec, old.spec)
  const { deletionTimestamp: _deleted, deletionGracePeriodSeconds: _grace, creationTimestamp: _created, ...rest } = meta
  return {
    ...job,
    metadata: {
      ...rest,
      ...opt('name', meta.name ?? oldMeta.name),
      ...opt('namespace', meta.namespace ?? oldMeta.namespace),
      ...opt('uid', meta.uid === undefined || meta.uid === '' ? oldMeta.uid : meta.uid),
      ...opt('creationTimestamp', oldMeta.creationTimestamp),
      ...opt('deletionTimestamp', oldMeta.deletionTimestamp),
      ...opt('deletionGracePeriodSeconds', oldMeta.deletionGracePeriodSeconds),
      generation: (oldMeta.generation ?? 0) + (specChanged ? 1 : 0),
    },
    ...opt('status', old.status),
  }
}
