/**
 * Rendering a new pod from the Job's template (spec §7, R103–R105; upstream
 * `GetPodFromTemplate` plus the Indexed additions of `manageJob`).
 *
 * The result has a `generateName`, never a `name`: the store appends the random suffix, as the
 * API server does (and, like it, keeps at most 58 characters of the prefix when generating).
 */
import type { Container, EnvVar, Job, Labels, ObjectMeta, Pod, PodSpec } from '../model/types.js'
import { plainCopy } from '../model/objects.js'
import {
  COMPLETION_INDEX_ANNOTATION,
  COMPLETION_INDEX_ENV,
  INDEX_FAILURE_COUNT_ANNOTATION,
  INDEX_IGNORED_FAILURE_COUNT_ANNOTATION,
  MAX_GENERATE_NAME_PREFIX,
  TRACKING_FINALIZER,
} from '../model/wellKnown.js'

/** The per-index failure counts a new pod of an index starts with (R105, R138). */
export interface IndexFailureCounts {
  readonly failures: number
  readonly ignoredFailures: number
}

/** The downward-API env var every container of an Indexed pod gets (R105). */
export const COMPLETION_INDEX_ENV_VAR: EnvVar = Object.freeze({
  name: COMPLETION_INDEX_ENV,
  valueFrom: Object.freeze({
    fieldRef: Object.freeze({ fieldPath: `metadata.labels['${COMPLETION_INDEX_ANNOTATION}']` }),
  }),
})

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/
const DNS1123_SUBDOMAIN_MAX = 253

/**
 * Whether `prefix` is acceptable as a `generateName` (apimachinery `NameIsDNSSubdomain` with
 * `prefix = true`): a trailing dash is allowed, the rest must be a DNS-1123 subdomain.
 */
function isValidNamePrefix(prefix: string): boolean {
  const masked = prefix.length > 1 && prefix.endsWith('-') ? `${prefix.slice(0, -1)}a` : prefix
  return masked.length <= DNS1123_SUBDOMAIN_MAX && DNS1123_SUBDOMAIN.test(masked)
}

/**
 * R104: `<job-name>-`, or just `<job-name>` when that would not be a valid name prefix. Not
 * truncated here: the store keeps the first 58 characters when it generates the name.
 */
export function podNamePrefix(jobName: string): string {
  const prefix = `${jobName}-`
  return isValidNamePrefix(prefix) ? prefix : jobName
}

/**
 * R105: `<job-name>-<i>-`; when longer than 58 characters the job-name part is cut so that the
 * whole prefix is 58 characters and still ends in `-<i>-` (upstream `podGenerateNameWithIndex`).
 */
export function indexedPodNamePrefix(jobName: string, index: number): string {
  const suffix = `-${index}-`
  const prefix = `${jobName}${suffix}`
  if (prefix.length <= MAX_GENERATE_NAME_PREFIX) return prefix
  return `${jobName.slice(0, Math.max(0, MAX_GENERATE_NAME_PREFIX - suffix.length))}${suffix}`
}

/** Appends `JOB_COMPLETION_INDEX` unless the container already defines a variable of that name. */
function withIndexEnv(container: Container): Container {
  const env = container.env ?? []
  if (env.some((variable) => variable.name === COMPLETION_INDEX_ENV)) return container
  return { ...container, env: [...env, COMPLETION_INDEX_ENV_VAR] }
}

/** A copy of `record` with `extra` merged in, or `undefined` when the result would be empty. */
function merged(record: Labels | undefined, extra: Labels): Labels | undefined {
  const result = { ...record, ...extra }
  return Object.keys(result).length === 0 ? undefined : result
}

/**
 * R103–R105: a new pod for `job`, for completion index `index` when the job is Indexed.
 *
 * - Labels, annotations and finalizers come from the template (nothing else of the template's
 *   metadata); the tracking finalizer is added once; the only owner reference is the Job as
 *   controller (`blockOwnerDeletion: true`); the namespace is the Job's; no `status`.
 * - With an `index`: annotation and label `batch.kubernetes.io/job-completion-index`,
 *   `spec.hostname = <job-name>-<i>`, `generateName = <job-name>-<i>-` (R105 truncation), and
 *   with `backoffLimitPerIndex` the `job-index-failure-count` annotation (always) and
 *   `job-index-ignored-failure-count` (only when > 0) from `counts` (default 0 and 0).
 * - Every container and init container of an Indexed job gets `JOB_COMPLETION_INDEX` from the
 *   downward API unless it already defines that variable.
 *
 * The spec is deep-copied, so the pod shares no objects with the Job. Whether the pod has any
 * label at all (upstream refuses to create one without) is for the caller to check.
 */
export function renderPod(job: Job, index: number | undefined, counts?: IndexFailureCounts): Pod {
  const jobName = job.metadata.name ?? ''
  const template = job.spec.template
  const indexed = index !== undefined
  const indexText = indexed ? String(index) : undefined

  const indexLabels: Labels = indexText === undefined ? {} : { [COMPLETION_INDEX_ANNOTATION]: indexText }
  const failureAnnotations: Record<string, string> = {}
  if (indexed && job.spec.backoffLimitPerIndex !== undefined) {
    failureAnnotations[INDEX_FAILURE_COUNT_ANNOTATION] = String(counts?.failures ?? 0)
    const ignored = counts?.ignoredFailures ?? 0
    if (ignored > 0) failureAnnotations[INDEX_IGNORED_FAILURE_COUNT_ANNOTATION] = String(ignored)
  }
  const labels = merged(template.metadata?.labels, indexLabels)
  const annotations = merged(template.metadata?.annotations, { ...indexLabels, ...failureAnnotations })
  const templateFinalizers = template.metadata?.finalizers ?? []
  const finalizers = templateFinalizers.includes(TRACKING_FINALIZER)
    ? [...templateFinalizers]
    : [...templateFinalizers, TRACKING_FINALIZER]

  const metadata: ObjectMeta = {
    generateName: indexed ? indexedPodNamePrefix(jobName, index) : podNamePrefix(jobName),
    ...(job.metadata.namespace === undefined ? {} : { namespace: job.metadata.namespace }),
    ...(labels === undefined ? {} : { labels }),
    ...(annotations === undefined ? {} : { annotations }),
    finalizers,
    ownerReferences: [
      {
        apiVersion: 'batch/v1',
        kind: 'Job',
        name: jobName,
        uid: job.metadata.uid ?? '',
        controller: true,
        blockOwnerDeletion: true,
      },
    ],
  }

  const spec: PodSpec = plainCopy(template.spec)
  const addEnv = indexed || job.spec.completionMode === 'Indexed'
  const renderedSpec: PodSpec = {
    ...spec,
    ...(addEnv
      ? {
          containers: spec.containers.map(withIndexEnv),
          ...(spec.initContainers === undefined ? {} : { initContainers: spec.initContainers.map(withIndexEnv) }),
        }
      : {}),
    ...(indexed ? { hostname: `${jobName}-${index}` } : {}),
  }

  return { apiVersion: 'v1', kind: 'Pod', metadata, spec: renderedSpec }
}
