/**
 * io-ts codecs for a batch/v1 Job manifest as `kubectl apply` sends it (decoding to the
 * undefaulted `JobManifest` of `manifest.ts`), and for pods as a store holds them. The parts of
 * the pod template the controller does not interpret are checked against the API server's field
 * list (`apiCodecs.ts`) and kept as JSON, untouched.
 */
import * as t from 'io-ts'
import { right } from 'fp-ts/lib/Either.js'
import type { DecodeMode } from './codecKit.js'
import {
  bool,
  build,
  failWith,
  int32,
  int64,
  json,
  jsonObject,
  literal,
  ownField,
  optionalEnum,
  pathOf,
  requiredEnum,
  softFail,
  str,
  time,
  typeMismatch,
} from './codecKit.js'
import { list, openStruct, stringMap, struct } from './codecContainers.js'
import { apiCodecs } from './apiCodecs.js'
import type { JobManifest } from './manifest.js'
import { invalid, notSupported, required } from './fieldErrors.js'
import type { CompletionMode, ConditionStatus, LabelSelectorOperator, Pod, PodReplacementPolicy } from './types.js'

// ---------------------------------------------------------------------------------------
// Shared pieces

const CONDITION_STATUSES: ReadonlyArray<ConditionStatus> = ['True', 'False', 'Unknown']
const SELECTOR_OPERATORS: ReadonlyArray<LabelSelectorOperator> = ['In', 'NotIn', 'Exists', 'DoesNotExist']

/** A label-selector operator; anything else is `Invalid value: "X": not a valid selector operator`. */
const selectorOperator = build<LabelSelectorOperator>('LabelSelectorOperator', (u, c) => {
  if (typeof u !== 'string') return u === undefined ? failWith(u, c, required(pathOf(c))) : typeMismatch(u, c, 'string')
  const op = SELECTOR_OPERATORS.find((o) => o === u)
  return op !== undefined ? right(op) : failWith(u, c, invalid(pathOf(c), u, 'not a valid selector operator'))
})

/** The codecs of object metadata and label selectors, shared by every kind. */
export function metaCodecs(mode: DecodeMode) {
  const ownerReference = struct(
    'OwnerReference',
    { apiVersion: str, kind: str, name: str, uid: str, controller: bool, blockOwnerDeletion: bool },
    mode,
    { required: ['apiVersion', 'kind', 'name', 'uid'] },
  )
  const objectMeta = struct(
    'ObjectMeta',
    {
      name: str,
      generateName: str,
      namespace: str,
      uid: str,
      resourceVersion: str,
      generation: int64,
      creationTimestamp: time,
      deletionTimestamp: time,
      deletionGracePeriodSeconds: int64,
      labels: stringMap,
      annotations: stringMap,
      ownerReferences: list(ownerReference),
      finalizers: list(str),
      // Server-managed fields the model does not interpret: checked as the API server checks them
      // under strict field validation, kept as they are when reading leniently.
      managedFields: mode.unknownFields === 'reject' ? apiCodecs(mode).codecOf('[]ManagedFieldsEntry') : json,
      selfLink: str,
    },
    mode,
  )
  const requirement = struct(
    'LabelSelectorRequirement',
    {
      key: str,
      operator: selectorOperator,
      values: list(str),
    },
    mode,
    { required: ['key', 'operator'] },
  )
  const labelSelector = struct('LabelSelector', { matchLabels: stringMap, matchExpressions: list(requirement) }, mode)
  return { objectMeta, labelSelector }
}

const containerFields = { name: str, image: str, command: list(str), args: list(str), env: list(lenientEnvVar()) }
const podSpecFields = {
  restartPolicy: str,
  hostname: str,
  subdomain: str,
  nodeName: str,
  terminationGracePeriodSeconds: int64,
}

function lenientEnvVar() {
  return openStruct('EnvVar', { name: str, value: str, valueFrom: jsonObject }, { required: ['name'] })
}

/**
 * A Job's pod template under strict field validation: the fields the controller reads are typed
 * here, every other field the API server knows is checked against its type (`apiCodecs`), and
 * any other field is an unknown field, at any depth.
 */
function podTemplateCodec(mode: DecodeMode, fields: PodTemplateFields) {
  // Reading leniently (a Job a store returns) keeps the pod template as it was written.
  if (fields === 'passThrough' || mode.unknownFields === 'keep') return passThroughPodTemplateCodec(mode)
  const api = apiCodecs(mode)
  const envVar = struct('EnvVar', { ...api.fieldsOf('EnvVar'), name: str, value: str }, mode, { required: ['name'] })
  const container = struct('Container', { ...api.fieldsOf('Container'), ...containerFields, env: list(envVar) }, mode)
  const podSpec = struct('PodSpec', { ...api.fieldsOf('PodSpec'), ...podSpecFields, containers: list(container), initContainers: list(container) }, mode)
  const { objectMeta } = metaCodecs(mode)
  return struct('PodTemplateSpec', { metadata: objectMeta, spec: podSpec }, mode)
}

/** A pod template whose untyped fields are kept as JSON without checks (`podTemplateFields: 'passThrough'`). */
function passThroughPodTemplateCodec(mode: DecodeMode) {
  const container = openStruct('Container', containerFields)
  const podSpec = openStruct('PodSpec', { ...podSpecFields, containers: list(container), initContainers: list(container) })
  const { objectMeta } = metaCodecs(mode)
  return struct('PodTemplateSpec', { metadata: objectMeta, spec: podSpec }, mode)
}

/**
 * A pod's spec as a store holds it, read leniently: container names and the container list are
 * required, fields the controller does not read are kept as JSON.
 */
function storedPodSpecCodec() {
  const namedContainer = openStruct('Container', containerFields, { required: ['name'] })
  return openStruct('PodSpec', { ...podSpecFields, containers: list(namedContainer), initContainers: list(namedContainer) }, { required: ['containers'] })
}

function jobStatusCodec(mode: DecodeMode) {
  const strictEnums: DecodeMode = { ...mode, enums: 'strict' }
  const condition = struct(
    'JobCondition',
    {
      // Other controllers (an external `managedBy`) may write condition types of their own.
      type: str,
      status: requiredEnum(CONDITION_STATUSES, strictEnums, 'Unknown'),
      lastProbeTime: time,
      lastTransitionTime: time,
      reason: str,
      message: str,
    },
    mode,
    { required: ['type', 'status'] },
  )
  const uncounted = struct('UncountedTerminatedPods', { succeeded: list(str), failed: list(str) }, mode)
  return struct(
    'JobStatus',
    {
      conditions: list(condition),
      startTime: time,
      completionTime: time,
      active: int32,
      ready: int32,
      terminating: int32,
      succeeded: int32,
      failed: int32,
      completedIndexes: str,
      failedIndexes: str,
      uncountedTerminatedPods: uncounted,
    },
    mode,
  )
}

// ---------------------------------------------------------------------------------------
// Job

const POD_REPLACEMENT_POLICIES: ReadonlyArray<PodReplacementPolicy> = ['TerminatingOrFailed', 'Failed']

/**
 * How strict decoding treats the pod template's fields the API server does not know: `strict`
 * refuses them as the API server does; `passThrough` keeps them as JSON, unchecked.
 */
export type PodTemplateFields = 'strict' | 'passThrough'

/** Builds the Job codec for a decode mode (strict unknown fields; enums strict or with fallbacks). */
/** The codec of a Job's spec as written, for a Job and for a CronJob's `jobTemplate.spec`. */
export function jobSpecCodec(mode: DecodeMode, podTemplateFields: PodTemplateFields = 'strict') {
  const { labelSelector } = metaCodecs(mode)
  const template = podTemplateCodec(mode, podTemplateFields)
  const onExitCodes = struct(
    'PodFailurePolicyOnExitCodesRequirement',
    {
      containerName: str,
      operator: requiredEnum(['In', 'NotIn'] as const, mode, 'NotIn', { requiredDetail: 'valid values: ["In" "NotIn"]' }),
      values: list(int32),
    },
    mode,
    { required: ['operator'] },
  )
  const onPodCondition = struct(
    'PodFailurePolicyOnPodConditionsPattern',
    {
      type: str,
      status: optionalEnum<ConditionStatus | ''>(['True', 'False', 'Unknown', ''], mode, { listed: ['False', 'True', 'Unknown'] }),
    },
    mode,
  )
  const rule = struct(
    'PodFailurePolicyRule',
    {
      action: requiredEnum(['Count', 'FailIndex', 'FailJob', 'Ignore'] as const, mode, 'Count', {
        requiredDetail: 'valid values: ["Count" "FailIndex" "FailJob" "Ignore"]',
      }),
      onExitCodes,
      onPodConditions: list(onPodCondition),
    },
    mode,
    { required: ['action'] },
  )
  const podFailurePolicy = struct('PodFailurePolicy', { rules: list(rule) }, mode)
  const successRule = struct('SuccessPolicyRule', { succeededIndexes: str, succeededCount: int32 }, mode)
  const successPolicy = struct('SuccessPolicy', { rules: list(successRule) }, mode)
  return struct(
    'JobSpec',
    {
      parallelism: int32,
      completions: int32,
      activeDeadlineSeconds: int64,
      podFailurePolicy,
      successPolicy,
      backoffLimit: int32,
      backoffLimitPerIndex: int32,
      maxFailedIndexes: int32,
      selector: labelSelector,
      manualSelector: bool,
      template,
      ttlSecondsAfterFinished: int32,
      completionMode: optionalEnum<CompletionMode>(['NonIndexed', 'Indexed'], mode),
      suspend: bool,
      podReplacementPolicy: optionalEnum(POD_REPLACEMENT_POLICIES, { ...mode, enums: 'fallback' }),
      managedBy: str,
    },
    mode,
    {
      // R48: which replacement policies are supported depends on whether a podFailurePolicy is set.
      refine: (value, c, input) => {
        const policy = ownField(input, 'podReplacementPolicy')
        if (policy === undefined || policy === null || typeof policy !== 'string') return right(value)
        if (mode.enums === 'fallback' || POD_REPLACEMENT_POLICIES.some((p) => p === policy)) return right(value)
        const hasPodFailurePolicy = ownField(input, 'podFailurePolicy') !== undefined && ownField(input, 'podFailurePolicy') !== null
        const ctx: t.Context = [...c, { key: 'podReplacementPolicy', type: str, actual: policy }]
        return softFail(policy, ctx, notSupported(pathOf(ctx), policy, hasPodFailurePolicy ? ['Failed'] : ['Failed', 'TerminatingOrFailed']))
      },
    },
  )
}

export function jobCodec(mode: DecodeMode, podTemplateFields: PodTemplateFields = 'strict'): t.Type<JobManifest, JobManifest, unknown> {
  const { objectMeta } = metaCodecs(mode)
  const spec = jobSpecCodec(mode, podTemplateFields)
  const job = struct(
    'Job',
    { apiVersion: literal('batch/v1'), kind: literal('Job'), metadata: objectMeta, spec, status: jobStatusCodec(mode) },
    mode,
    { required: ['apiVersion', 'kind'] },
  )
  // The decoded shape is checked against the declared `JobManifest` here, at compile time.
  return build<JobManifest>('Job', (u, c) => job.validate(u, c))
}

// ---------------------------------------------------------------------------------------
// Pod

/** Builds the lenient Pod codec: the fields the controller reads are typed, everything else kept. */
export function podCodec(): t.Type<Pod, Pod, unknown> {
  const mode: DecodeMode = { unknownFields: 'keep', enums: 'strict' }
  const { objectMeta } = metaCodecs(mode)
  const storedPodSpec = storedPodSpecCodec()
  const conditionStatus = requiredEnum(CONDITION_STATUSES, mode, 'Unknown')
  const podCondition = struct(
    'PodCondition',
    { type: str, status: conditionStatus, lastTransitionTime: time, reason: str, message: str },
    mode,
    { required: ['type', 'status'] },
  )
  const terminated = struct(
    'ContainerStateTerminated',
    { exitCode: int32, reason: str, message: str, startedAt: time, finishedAt: time },
    mode,
    { required: ['exitCode'] },
  )
  const state = struct(
    'ContainerState',
    {
      waiting: struct('ContainerStateWaiting', { reason: str, message: str }, mode),
      running: struct('ContainerStateRunning', { startedAt: time }, mode),
      terminated,
    },
    mode,
  )
  const containerStatus = struct(
    'ContainerStatus',
    { name: str, ready: bool, restartCount: int32, state, lastState: state, image: str, started: bool },
    mode,
    { required: ['name', 'restartCount'] },
  )
  const status = struct(
    'PodStatus',
    {
      phase: optionalEnum(['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown'] as const, mode),
      conditions: list(podCondition),
      containerStatuses: list(containerStatus),
      initContainerStatuses: list(containerStatus),
      startTime: time,
      reason: str,
      message: str,
    },
    mode,
  )
  const pod = struct(
    'Pod',
    { apiVersion: literal('v1'), kind: literal('Pod'), metadata: objectMeta, spec: storedPodSpec, status },
    mode,
    { required: ['metadata', 'spec'] },
  )
  // The decoded shape is checked against the declared `Pod` here, at compile time.
  return build<Pod>('Pod', (u, c) => pod.validate(u, c))
}
