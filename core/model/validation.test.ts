import { describe, expect, it } from 'vitest'
import { admitJobCreate } from './admission.js'
import { renderFieldError } from './fieldErrors.js'
import { prepareJobForCreate } from './defaults.js'
import { decodeJob } from './decode.js'
import type { Job } from './types.js'
import { validateJob, validateJobWarnings } from './validation.js'

// apimachinery's messages, as kube-apiserver prints them.
const SUBDOMAIN =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
const DNS_LABEL =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
const QUALIFIED_NAME_PART =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
const NONNEG = 'must be greater than or equal to 0'

const UID = 'uid-1'
const NOW = Date.UTC(2026, 0, 1)

interface Patch {
  readonly metadata?: Record<string, unknown>
  readonly spec?: Record<string, unknown>
  readonly templateMetadata?: Record<string, unknown>
  readonly podSpec?: Record<string, unknown>
}

/** The docs' pi Job with changes; `undefined` removes a field. */
const make = (p: Patch = {}): Record<string, unknown> => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name: 'pi', ...p.metadata },
  spec: {
    ...p.spec,
    template: {
      ...(p.templateMetadata === undefined ? {} : { metadata: p.templateMetadata }),
      spec: { containers: [{ name: 'pi', image: 'perl:5.34.0' }], restartPolicy: 'Never', ...p.podSpec },
    },
  },
})

const exitRule = (onExitCodes: Record<string, unknown>, action = 'Ignore') => ({ action, onExitCodes: { operator: 'In', values: [1], ...onExitCodes } })
const pfp = (...rules: unknown[]) => ({ podFailurePolicy: { rules } })
const indexed = (completions: number, extra: Record<string, unknown> = {}) => ({ completionMode: 'Indexed', completions, ...extra })
const success = (rules: unknown[], extra: Record<string, unknown> = indexed(5)) => ({ successPolicy: { rules }, ...extra })

const admitErrors = (input: unknown): string[] => {
  const result = admitJobCreate(input, { uid: UID, now: NOW })
  return result._tag === 'Left' ? result.left.errors.map(renderFieldError) : []
}

const longName = 'a'.repeat(64)
const prepared = (labels: Record<string, string>) =>
  JSON.stringify(Object.fromEntries(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1))))
const generatedLabels = { 'batch.kubernetes.io/controller-uid': UID, 'batch.kubernetes.io/job-name': 'pi', 'controller-uid': UID, 'job-name': 'pi' }

const cases: ReadonlyArray<readonly [string, Patch, ReadonlyArray<string>]> = [
  // Object metadata
  ['R31: an upper-case name is not a DNS subdomain', { metadata: { name: 'Pi' } }, [`metadata.name: Invalid value: "Pi": ${SUBDOMAIN}`]],
  [
    'R31: a 64-character name fails through the generated job-name labels',
    { metadata: { name: longName } },
    [
      `metadata.labels: Invalid value: "${longName}": must be no more than 63 characters`,
      `metadata.labels: Invalid value: "${longName}": must be no more than 63 characters`,
      `spec.template.metadata.labels: Invalid value: "${longName}": must be no more than 63 characters`,
      `spec.template.metadata.labels: Invalid value: "${longName}": must be no more than 63 characters`,
    ],
  ],
  ['R31: a missing name', { metadata: { name: undefined } }, ['metadata.name: Required value: name or generateName is required']],
  ['R31: a generateName must be a subdomain prefix', { metadata: { generateName: 'Pi-' } }, [`metadata.generateName: Invalid value: "Pi-": ${SUBDOMAIN}`]],
  ['R31: a namespace must be a DNS label', { metadata: { namespace: 'my.ns' } }, [`metadata.namespace: Invalid value: "my.ns": ${DNS_LABEL}`]],
  ['R31: label keys must be qualified names', { metadata: { labels: { 'a b': 'x' } } }, [`metadata.labels: Invalid value: "a b": ${QUALIFIED_NAME_PART}`]],
  [
    'R32: an Indexed Job whose last pod hostname is not a DNS label',
    { metadata: { name: 'a'.repeat(62) }, spec: indexed(10) },
    [`metadata.name: Invalid value: "${'a'.repeat(62)}": will not able to create pod with invalid DNS label: ${'a'.repeat(62)}-9`],
  ],
  // Back-off annotations (the engine's own)
  [
    'back-off base must be a positive integer number of seconds',
    { metadata: { annotations: { 'job-reconciler.io/backoff-base-seconds': 'x' } } },
    ['metadata.annotations[job-reconciler.io/backoff-base-seconds]: Invalid value: "x": must be a positive integer number of seconds'],
  ],
  [
    'back-off cap must be positive',
    { metadata: { annotations: { 'job-reconciler.io/backoff-cap-seconds': '0' } } },
    ['metadata.annotations[job-reconciler.io/backoff-cap-seconds]: Invalid value: "0": must be a positive integer number of seconds'],
  ],
  [
    'back-off cap must not be below the base',
    { metadata: { annotations: { 'job-reconciler.io/backoff-base-seconds': '30', 'job-reconciler.io/backoff-cap-seconds': '10' } } },
    ['metadata.annotations[job-reconciler.io/backoff-cap-seconds]: Invalid value: "10": must be greater than or equal to job-reconciler.io/backoff-base-seconds (30)'],
  ],
  [
    'back-off base and cap both malformed',
    { metadata: { annotations: { 'job-reconciler.io/backoff-base-seconds': '1.5', 'job-reconciler.io/backoff-cap-seconds': '-3' } } },
    [
      'metadata.annotations[job-reconciler.io/backoff-base-seconds]: Invalid value: "1.5": must be a positive integer number of seconds',
      'metadata.annotations[job-reconciler.io/backoff-cap-seconds]: Invalid value: "-3": must be a positive integer number of seconds',
    ],
  ],
  // Numbers
  ['R34: negative parallelism', { spec: { parallelism: -1 } }, [`spec.parallelism: Invalid value: -1: ${NONNEG}`]],
  ['R34: negative completions', { spec: { completions: -2 } }, [`spec.completions: Invalid value: -2: ${NONNEG}`]],
  ['R34: negative activeDeadlineSeconds', { spec: { activeDeadlineSeconds: -5 } }, [`spec.activeDeadlineSeconds: Invalid value: -5: ${NONNEG}`]],
  ['R34: negative backoffLimit', { spec: { backoffLimit: -1 } }, [`spec.backoffLimit: Invalid value: -1: ${NONNEG}`]],
  ['R34: negative ttlSecondsAfterFinished', { spec: { ttlSecondsAfterFinished: -1 } }, [`spec.ttlSecondsAfterFinished: Invalid value: -1: ${NONNEG}`]],
  ['R34: negative backoffLimitPerIndex', { spec: indexed(2, { backoffLimitPerIndex: -1 }) }, [`spec.backoffLimitPerIndex: Invalid value: -1: ${NONNEG}`]],
  [
    'R34: negative maxFailedIndexes',
    { spec: indexed(2, { backoffLimitPerIndex: 1, maxFailedIndexes: -1 }) },
    [`spec.maxFailedIndexes: Invalid value: -1: ${NONNEG}`],
  ],
  // managedBy
  ['R35: managedBy must be a domain-prefixed path', { spec: { managedBy: 'x y' } }, ['spec.managedBy: Invalid value: "x y": must be a domain-prefixed path (such as "acme.io/foo")']],
  ['R35: managedBy longer than 63 bytes', { spec: { managedBy: `example.com/${'a'.repeat(52)}` } }, ['spec.managedBy: Too long: may not be more than 63 bytes']],
  ['R35: managedBy with a bad domain', { spec: { managedBy: 'Example.com/x' } }, [`spec.managedBy: Invalid value: "Example.com": ${SUBDOMAIN}`]],
  ['R35: an empty managedBy', { spec: { managedBy: '' } }, ['spec.managedBy: Required value']],
  // Completion mode and indexes
  ['R36: an unknown completionMode', { spec: { completionMode: 'Sometimes' } }, ['spec.completionMode: Unsupported value: "Sometimes": supported values: "NonIndexed", "Indexed"']],
  [
    'R36: an unknown completionMode does not also trigger the NonIndexed-only rules of R41',
    { spec: { completionMode: 'Sometimes', backoffLimitPerIndex: 1 } },
    ['spec.completionMode: Unsupported value: "Sometimes": supported values: "NonIndexed", "Indexed"'],
  ],
  ['R37: Indexed without completions', { spec: { completionMode: 'Indexed', parallelism: 2 } }, ['spec.completions: Required value: when completion mode is Indexed']],
  [
    'R37: Indexed parallelism above 100000',
    { spec: indexed(5, { parallelism: 100001 }) },
    ['spec.parallelism: Invalid value: 100001: must be less than or equal to 100000 when completion mode is Indexed'],
  ],
  ['R38: maxFailedIndexes without backoffLimitPerIndex', { spec: indexed(5, { maxFailedIndexes: 1 }) }, ['spec.backoffLimitPerIndex: Required value: when maxFailedIndexes is specified']],
  [
    'R39: maxFailedIndexes above completions',
    { spec: indexed(3, { backoffLimitPerIndex: 1, maxFailedIndexes: 4 }) },
    ['spec.maxFailedIndexes: Invalid value: 4: must be less than or equal to completions'],
  ],
  [
    'R39: maxFailedIndexes above completions and above 100000',
    { spec: indexed(100000, { backoffLimitPerIndex: 1, maxFailedIndexes: 100001 }) },
    [
      'spec.maxFailedIndexes: Invalid value: 100001: must be less than or equal to completions',
      'spec.maxFailedIndexes: Invalid value: 100001: must be less than or equal to 100000',
    ],
  ],
  [
    'R40: more than 100000 completions with backoffLimitPerIndex need maxFailedIndexes',
    { spec: indexed(100001, { backoffLimitPerIndex: 1 }) },
    ['spec.maxFailedIndexes: Required value: must be specified when completions is above 100000'],
  ],
  [
    'R40: parallelism and maxFailedIndexes above 10000 with more than 100000 completions',
    { spec: indexed(200000, { backoffLimitPerIndex: 1, maxFailedIndexes: 10001, parallelism: 10001 }) },
    [
      'spec.parallelism: Invalid value: 10001: must be less than or equal to 10000 when completions are above 100000 and used with backoff limit per index',
      'spec.maxFailedIndexes: Invalid value: 10001: must be less than or equal to 10000 when completions are above 100000 and used with backoff limit per index',
    ],
  ],
  ['R41: backoffLimitPerIndex needs Indexed', { spec: { backoffLimitPerIndex: 1 } }, ['spec.backoffLimitPerIndex: Invalid value: 1: requires indexed completion mode']],
  [
    'R41: maxFailedIndexes needs Indexed too',
    { spec: { completionMode: 'NonIndexed', backoffLimitPerIndex: 1, maxFailedIndexes: 1 } },
    ['spec.backoffLimitPerIndex: Invalid value: 1: requires indexed completion mode', 'spec.maxFailedIndexes: Invalid value: 1: requires indexed completion mode'],
  ],
  // Restart policy
  ['R42: restartPolicy Always is rejected with Required value', { podSpec: { restartPolicy: 'Always' } }, ['spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"']],
  ['R42: a missing restartPolicy is rejected with Required value', { podSpec: { restartPolicy: undefined } }, ['spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"']],
  ['R42: an unknown restartPolicy', { podSpec: { restartPolicy: 'Sometimes' } }, ['spec.template.spec.restartPolicy: Unsupported value: "Sometimes": supported values: "OnFailure", "Never"']],
  [
    'R42: OnFailure with a podFailurePolicy',
    { spec: pfp(exitRule({})), podSpec: { restartPolicy: 'OnFailure' } },
    ['spec.template.spec.restartPolicy: Invalid value: "OnFailure": only "Never" is supported when podFailurePolicy is specified'],
  ],
  // podFailurePolicy
  ['R43: more than 20 rules', { spec: pfp(...Array.from({ length: 21 }, () => exitRule({}))) }, ['spec.podFailurePolicy.rules: Too many: 21: must have at most 20 items']],
  [
    'R44: an empty action',
    { spec: pfp(exitRule({}, '')) },
    ['spec.podFailurePolicy.rules[0].action: Required value: valid values: ["Count" "FailIndex" "FailJob" "Ignore"]'],
  ],
  [
    'R44: FailIndex without backoffLimitPerIndex',
    { spec: pfp(exitRule({}, 'FailIndex')) },
    ['spec.podFailurePolicy.rules[0].action: Invalid value: "FailIndex": requires the backoffLimitPerIndex to be set'],
  ],
  [
    'R44: an unknown action',
    { spec: pfp(exitRule({}, 'Retry')) },
    ['spec.podFailurePolicy.rules[0].action: Unsupported value: "Retry": supported values: "Count", "FailIndex", "FailJob", "Ignore"'],
  ],
  [
    'R45: both onExitCodes and onPodConditions',
    { spec: pfp({ ...exitRule({}), onPodConditions: [{ type: 'DisruptionTarget' }] }) },
    ['spec.podFailurePolicy.rules[0]: Invalid value: specifying both OnExitCodes and OnPodConditions is not supported'],
  ],
  [
    'R45: neither onExitCodes nor onPodConditions',
    { spec: pfp({ action: 'Ignore' }) },
    ['spec.podFailurePolicy.rules[0]: Invalid value: specifying one of OnExitCodes and OnPodConditions is required'],
  ],
  ['R46: an empty operator', { spec: pfp(exitRule({ operator: '' })) }, ['spec.podFailurePolicy.rules[0].onExitCodes.operator: Required value: valid values: ["In" "NotIn"]']],
  [
    'R46: an unknown operator',
    { spec: pfp(exitRule({ operator: 'Maybe' })) },
    ['spec.podFailurePolicy.rules[0].onExitCodes.operator: Unsupported value: "Maybe": supported values: "In", "NotIn"'],
  ],
  [
    'R46: containerName not in the template',
    { spec: pfp(exitRule({ containerName: 'other' })) },
    ['spec.podFailurePolicy.rules[0].onExitCodes.containerName: Invalid value: "other": must be one of the container or initContainer names in the pod template'],
  ],
  ['R46: an empty values list', { spec: pfp(exitRule({ values: [] })) }, ['spec.podFailurePolicy.rules[0].onExitCodes.values: Invalid value: []: at least one value is required']],
  ['R46: omitted values print as null', { spec: pfp(exitRule({ values: undefined })) }, ['spec.podFailurePolicy.rules[0].onExitCodes.values: Invalid value: null: at least one value is required']],
  [
    'R46: more than 255 values',
    { spec: pfp(exitRule({ values: Array.from({ length: 256 }, (_, i) => i + 1) })) },
    ['spec.podFailurePolicy.rules[0].onExitCodes.values: Too many: 256: must have at most 255 items'],
  ],
  ['R46: 0 with the In operator', { spec: pfp(exitRule({ values: [0, 1] })) }, ['spec.podFailurePolicy.rules[0].onExitCodes.values[0]: Invalid value: 0: must not be 0 for the In operator']],
  [
    'R46: one Duplicate error per repeat',
    { spec: pfp(exitRule({ values: [11, 11, 11] })) },
    ['spec.podFailurePolicy.rules[0].onExitCodes.values[1]: Duplicate value: 11', 'spec.podFailurePolicy.rules[0].onExitCodes.values[2]: Duplicate value: 11'],
  ],
  ['R46: values must be ordered', { spec: pfp(exitRule({ values: [19, 11] })) }, ['spec.podFailurePolicy.rules[0].onExitCodes.values: Invalid value: [19,11]: must be ordered']],
  [
    'R47: more than 20 pod-condition patterns',
    { spec: pfp({ action: 'Ignore', onPodConditions: Array.from({ length: 21 }, () => ({ type: 'DisruptionTarget' })) }) },
    ['spec.podFailurePolicy.rules[0].onPodConditions: Too many: 21: must have at most 20 items'],
  ],
  [
    'R47: an empty condition type',
    { spec: pfp({ action: 'Ignore', onPodConditions: [{ type: '' }] }) },
    [
      'spec.podFailurePolicy.rules[0].onPodConditions[0].type: Invalid value: "": name part must be non-empty',
      `spec.podFailurePolicy.rules[0].onPodConditions[0].type: Invalid value: "": ${QUALIFIED_NAME_PART}`,
    ],
  ],
  [
    'R47: an unknown condition status',
    { spec: pfp({ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'Perhaps' }] }) },
    ['spec.podFailurePolicy.rules[0].onPodConditions[0].status: Unsupported value: "Perhaps": supported values: "False", "True", "Unknown"'],
  ],
  // podReplacementPolicy
  [
    'R48: only Failed with a podFailurePolicy',
    { spec: { ...pfp(exitRule({})), podReplacementPolicy: 'TerminatingOrFailed' } },
    ['spec.podReplacementPolicy: Unsupported value: "TerminatingOrFailed": supported values: "Failed"'],
  ],
  ['R48: an empty podReplacementPolicy', { spec: { podReplacementPolicy: '' } }, ['spec.podReplacementPolicy: Unsupported value: "": supported values: "Failed", "TerminatingOrFailed"']],
  // successPolicy
  [
    'R49: successPolicy requires Indexed',
    { spec: success([{ succeededIndexes: '0' }], {}) },
    ['spec.successPolicy: Invalid value: {"Rules":[{"SucceededIndexes":"0","SucceededCount":null}]}: requires indexed completion mode'],
  ],
  ['R49: no rules', { spec: success([]) }, ['spec.successPolicy.rules: Required value: at least one rules must be specified when the successPolicy is specified']],
  ['R49: more than 20 rules', { spec: success(Array.from({ length: 21 }, () => ({ succeededCount: 1 }))) }, ['spec.successPolicy.rules: Too many: 21: must have at most 20 items']],
  ['R49: a rule with neither field', { spec: success([{}]) }, ['spec.successPolicy.rules[0]: Required value: at least one of succeededCount or succeededIndexes must be specified']],
  ['R49: succeededIndexes longer than 65536 bytes', { spec: success([{ succeededIndexes: '0'.repeat(65537) }]) }, ['spec.successPolicy.rules[0].succeededIndexes: Too long: may not be more than 65536 bytes']],
  [
    'R50: unparsable succeededIndexes',
    { spec: success([{ succeededIndexes: '1,x' }]) },
    ['spec.successPolicy.rules[0].succeededIndexes: Invalid value: "1,x": error parsing succeededIndexes: cannot convert string to integer for index: "x"'],
  ],
  [
    'R50: succeededIndexes beyond completions',
    { spec: success([{ succeededIndexes: '3-5' }]) },
    ['spec.successPolicy.rules[0].succeededIndexes: Invalid value: "3-5": error parsing succeededIndexes: too large index: "5"'],
  ],
  ['R49: a negative succeededCount', { spec: success([{ succeededCount: -1 }]) }, [`spec.successPolicy.rules[0].succeededCount: Invalid value: -1: ${NONNEG}`]],
  [
    'R49: succeededCount above completions',
    { spec: success([{ succeededCount: 6 }]) },
    ['spec.successPolicy.rules[0].succeededCount: Invalid value: 6: must be less than or equal to 5 (the number of specified completions)'],
  ],
  [
    'R49: succeededCount above the number of succeededIndexes',
    { spec: success([{ succeededIndexes: '0-1', succeededCount: 3 }]) },
    ['spec.successPolicy.rules[0].succeededCount: Invalid value: 3: must be less than or equal to 2 (the number of indexes in the specified succeededIndexes field)'],
  ],
  // Selector and labels
  [
    'R51: a manual selector that does not match the template labels',
    { spec: { manualSelector: true, selector: { matchLabels: { app: 'other' } } }, templateMetadata: { labels: { app: 'pi' } } },
    ['spec.template.metadata.labels: Invalid value: {"app":"pi"}: `selector` does not match template `labels`'],
  ],
  [
    'R51: a manual selector that is missing',
    { spec: { manualSelector: true }, templateMetadata: { labels: { app: 'pi' } } },
    ['spec.selector: Required value', 'spec.template.metadata.labels: Invalid value: {"app":"pi"}: `selector` does not match template `labels`'],
  ],
  [
    'R51: an invalid selector expression',
    { spec: { manualSelector: true, selector: { matchExpressions: [{ key: 'app', operator: 'In', values: [] }] } }, templateMetadata: { labels: { app: 'pi' } } },
    ["spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'"],
  ],
  [
    'R52: a conflicting controller-uid template label',
    { templateMetadata: { labels: { 'controller-uid': 'wrong' } } },
    [`spec.template.metadata.labels[controller-uid]: Invalid value: ${prepared({ ...generatedLabels, 'controller-uid': 'wrong' })}: must be '${UID}'`],
  ],
  [
    'R52: a selector that is not the generated one',
    { spec: { selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'other' } } } },
    [
      'spec.selector: Invalid value: {"matchLabels":{"batch.kubernetes.io/controller-uid":"other"}}: `selector` not auto-generated',
      `spec.template.metadata.labels: Invalid value: ${prepared(generatedLabels)}: \`selector\` does not match template \`labels\``,
    ],
  ],
  // Containers
  ['at least one container', { podSpec: { containers: [] } }, ['spec.template.spec.containers: Required value']],
  [
    'each container needs a name and an image',
    { podSpec: { containers: [{}] } },
    ['spec.template.spec.containers[0].name: Required value', 'spec.template.spec.containers[0].image: Required value'],
  ],
  [
    'container names are unique across containers and init containers',
    { podSpec: { containers: [{ name: 'pi', image: 'x' }, { name: 'pi', image: 'y' }], initContainers: [{ name: 'pi', image: 'z' }] } },
    ['spec.template.spec.containers[1].name: Duplicate value: "pi"', 'spec.template.spec.initContainers[0].name: Duplicate value: "pi"'],
  ],
  ['container names are DNS labels', { podSpec: { containers: [{ name: 'Pi', image: 'x' }] } }, [`spec.template.spec.containers[0].name: Invalid value: "Pi": ${DNS_LABEL}`]],
  // Several at once
  [
    'R30: every problem is reported at once',
    {
      spec: { parallelism: -1, completions: -2, completionMode: 'Sometimes', successPolicy: { rules: [{ succeededCount: 1 }] } },
      podSpec: { restartPolicy: 'Always', containers: [{ name: 'pi' }] },
    },
    [
      'spec.completionMode: Unsupported value: "Sometimes": supported values: "NonIndexed", "Indexed"',
      `spec.parallelism: Invalid value: -1: ${NONNEG}`,
      `spec.completions: Invalid value: -2: ${NONNEG}`,
      'spec.successPolicy: Invalid value: {"Rules":[{"SucceededIndexes":null,"SucceededCount":1}]}: requires indexed completion mode',
      'spec.template.spec.containers[0].image: Required value',
      'spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"',
    ],
  ],
  [
    'R43–R48: several pod-failure-policy problems at once',
    {
      spec: {
        ...pfp(exitRule({ operator: 'NotIn', values: [3, 1, 1], containerName: 'x' }, 'FailIndex'), { action: 'Count', onPodConditions: [{ type: 'a/b/c', status: '' }] }),
        podReplacementPolicy: 'TerminatingOrFailed',
      },
    },
    [
      'spec.podFailurePolicy.rules[0].action: Invalid value: "FailIndex": requires the backoffLimitPerIndex to be set',
      'spec.podFailurePolicy.rules[0].onExitCodes.containerName: Invalid value: "x": must be one of the container or initContainer names in the pod template',
      'spec.podFailurePolicy.rules[0].onExitCodes.values[2]: Duplicate value: 1',
      'spec.podFailurePolicy.rules[0].onExitCodes.values: Invalid value: [3,1,1]: must be ordered',
      "spec.podFailurePolicy.rules[1].onPodConditions[0].type: Invalid value: \"a/b/c\": a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
      'spec.podReplacementPolicy: Unsupported value: "TerminatingOrFailed": supported values: "Failed"',
    ],
  ],
]

describe('validateJob through admitJobCreate: bad manifests (R30–R52)', () => {
  it('has at least 50 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(50)
  })

  it.each(cases)('%s', (_name, patch, expected) => {
    expect(admitErrors(make(patch)).sort()).toEqual([...expected].sort())
  })
})

describe('valid manifests', () => {
  it.each<readonly [string, Patch]>([
    ['the docs\' pi Job', {}],
    ['an Indexed Job with every newer field', {
      spec: {
        ...indexed(10, { parallelism: 3, backoffLimitPerIndex: 1, maxFailedIndexes: 5 }),
        ...pfp(exitRule({ containerName: 'pi', values: [1, 2, 42] }, 'FailIndex'), { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget' }] }),
        successPolicy: { rules: [{ succeededIndexes: '0,2-4', succeededCount: 3 }] },
        managedBy: 'example.com/job-reconciler',
        ttlSecondsAfterFinished: 0,
        activeDeadlineSeconds: 0,
      },
    }],
    ['R41: backoffLimitPerIndex with OnFailure (validation does not require Never)', { spec: indexed(3, { backoffLimitPerIndex: 2 }), podSpec: { restartPolicy: 'OnFailure' } }],
    ['R46: containerName of an init container, NotIn with 0', {
      spec: pfp(exitRule({ containerName: 'init', operator: 'NotIn', values: [0] })),
      podSpec: { initContainers: [{ name: 'init', image: 'busybox' }] },
    }],
    ['R29: a manual selector that matches', { spec: { manualSelector: true, selector: { matchLabels: { app: 'pi' } } }, templateMetadata: { labels: { app: 'pi' } } }],
    ['a 63-character name', { metadata: { name: 'a'.repeat(63) } }],
    ['back-off annotations', { metadata: { annotations: { 'job-reconciler.io/backoff-base-seconds': '5', 'job-reconciler.io/backoff-cap-seconds': '60' } } }],
    ['R36: completions 0 and parallelism 0', { spec: { completions: 0, parallelism: 0 } }],
  ])('%s is accepted', (_name, patch) => {
    expect(admitErrors(make(patch))).toEqual([])
  })
})

describe('the 422 message', () => {
  it('R30: lists every error in brackets', () => {
    const result = admitJobCreate(make({ spec: { parallelism: -1 }, podSpec: { restartPolicy: 'Always' } }), { uid: UID, now: NOW })
    expect(result._tag === 'Left' && result.left).toMatchObject({
      _tag: 'Invalid',
      message: `Job.batch "pi" is invalid: [spec.parallelism: Invalid value: -1: ${NONNEG}, spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"]`,
    })
  })

  it('a body that does not decode is a BadRequest, not Invalid', () => {
    const result = admitJobCreate({ ...make(), spec: { foo: 1 } }, { uid: UID, now: NOW })
    expect(result._tag === 'Left' && result.left).toMatchObject({
      _tag: 'BadRequest',
      message: 'Job in version "v1" cannot be handled as a Job: strict decoding error: unknown field "spec.foo"',
    })
  })
})

const prepare = (patch: Patch): Job => {
  const decoded = decodeJob(make(patch))
  if (decoded._tag === 'Left') throw new Error('fixture does not decode')
  return prepareJobForCreate(decoded.right, { uid: UID, now: NOW })
}

describe('validateJob on a Job the engine builds', () => {
  it('R52: a missing uid and missing generated labels are reported', () => {
    const job = prepare({})
    const broken: Job = {
      ...job,
      metadata: { ...job.metadata, uid: '' },
      spec: { ...job.spec, template: { ...job.spec.template, metadata: { labels: { 'job-name': 'pi' } } } },
    }
    expect(validateJob(broken).map(renderFieldError)).toEqual([
      'metadata.uid: Required value',
      "spec.template.metadata.labels[controller-uid]: Required value: must be ''",
      "spec.template.metadata.labels[batch.kubernetes.io/controller-uid]: Required value: must be ''",
      "spec.template.metadata.labels[batch.kubernetes.io/job-name]: Required value: must be 'pi'",
      'spec.selector: Invalid value: {"matchLabels":{"batch.kubernetes.io/controller-uid":"uid-1"}}: `selector` not auto-generated',
      'spec.template.metadata.labels: Invalid value: {"job-name":"pi"}: `selector` does not match template `labels`',
    ])
  })

  it('R52: without requirePrefixedLabels (updates of old Jobs) only the legacy labels are required', () => {
    const job = prepare({})
    const legacy: Job = {
      ...job,
      spec: {
        ...job.spec,
        selector: { matchLabels: { 'controller-uid': UID } },
        template: { ...job.spec.template, metadata: { labels: { 'job-name': 'pi', 'controller-uid': UID } } },
      },
    }
    expect(validateJob(legacy, { requirePrefixedLabels: false })).toEqual([])
    expect(validateJob(legacy).length).toBeGreaterThan(0)
  })

  it('R36, R42, R44: values the types exclude are still checked at run time', () => {
    const job = prepare({})
    const odd = JSON.parse(JSON.stringify({ ...job, spec: { ...job.spec, completionMode: 'X', podReplacementPolicy: 'Y' } })) as Job
    expect(validateJob(odd).map(renderFieldError)).toEqual([
      'spec.completionMode: Unsupported value: "X": supported values: "NonIndexed", "Indexed"',
      'spec.podReplacementPolicy: Unsupported value: "Y": supported values: "Failed", "TerminatingOrFailed"',
    ])
  })
})

describe('validateJobWarnings (R33)', () => {
  it('R33: a name that is not a DNS label warns on create', () => {
    expect(validateJobWarnings(prepare({ metadata: { name: 'pi.v1' } }))).toEqual([
      `metadata.name: this is used in Pod names and hostnames, which can result in surprising behavior; a DNS label is recommended: [${DNS_LABEL}]`,
    ])
  })

  it('R33: Indexed with more than 10^5 completions and parallelism above 10^4 warns on create and on spec changes only', () => {
    const job = prepare({ spec: indexed(100001, { parallelism: 10001 }) })
    const warning =
      'spec: In Indexed Jobs with a number of completions higher than 10^5 and a parallelism higher than 10^4, Kubernetes might not be able to track completedIndexes when a big number of indexes fail'
    expect(validateJobWarnings(job)).toEqual([warning])
    expect(validateJobWarnings(job, job)).toEqual([])
    expect(validateJobWarnings({ ...job, metadata: { ...job.metadata, generation: 2 } }, job)).toEqual([warning])
  })

  it('R33: the pi Job has no warnings', () => {
    expect(validateJobWarnings(prepare({}))).toEqual([])
  })
})
