import { readFileSync } from 'node:fs'
import { fc, test } from '@fast-check/vitest'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { decodeJob, decodeJobForAdmission, decodePod } from './decode.js'
import type { FieldError } from './fieldErrors.js'
import { renderFieldError } from './fieldErrors.js'
import type { ApiTypeName } from './apiFields.js'
import { API_TYPES } from './apiFields.js'

const piYaml = readFileSync(new URL('../../examples/pi/job.yaml', import.meta.url), 'utf8')

const errorsOf = (result: { readonly _tag: 'Left'; readonly left: ReadonlyArray<FieldError> } | { readonly _tag: 'Right' }): string[] =>
  result._tag === 'Left' ? result.left.map(renderFieldError) : []

const job = (spec: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name: 'pi' },
  spec: { template: { spec: { containers: [{ name: 'pi', image: 'perl' }], restartPolicy: 'Never' } }, ...spec },
  ...extra,
})

describe('decodeJob', () => {
  it('decodes the docs\' pi manifest exactly as written', () => {
    expect(decodeJob(parse(piYaml))).toEqual({
      _tag: 'Right',
      right: {
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: { name: 'pi' },
        spec: {
          template: {
            spec: {
              containers: [{ name: 'pi', image: 'perl:5.34.0', command: ['perl', '-Mbignum=bpi', '-wle', 'print bpi(2000)'] }],
              restartPolicy: 'Never',
            },
          },
          backoffLimit: 4,
        },
      },
    })
  })

  it('decodes every newer-API field', () => {
    const manifest = job({
      completions: 4,
      parallelism: 2,
      completionMode: 'Indexed',
      backoffLimitPerIndex: 1,
      maxFailedIndexes: 2,
      podReplacementPolicy: 'Failed',
      managedBy: 'example.com/mine',
      podFailurePolicy: {
        rules: [
          { action: 'FailIndex', onExitCodes: { containerName: 'pi', operator: 'In', values: [1, 2] } },
          { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
        ],
      },
      successPolicy: { rules: [{ succeededIndexes: '0-1', succeededCount: 1 }] },
      suspend: true,
      ttlSecondsAfterFinished: 10,
      activeDeadlineSeconds: 100,
      manualSelector: false,
    })
    const decoded = decodeJob(manifest)
    expect(decoded).toEqual({ _tag: 'Right', right: manifest })
  })

  it('keeps pod-template fields it does not interpret, untouched', () => {
    const container = {
      name: 'pi',
      image: 'perl',
      resources: { limits: { cpu: '1', memory: '64Mi' } },
      ports: [{ containerPort: 80 }],
      volumeMounts: [{ name: 'v', mountPath: '/v' }],
      env: [{ name: 'A', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
    }
    const manifest = job({
      template: { spec: { containers: [container], restartPolicy: 'Never', volumes: [{ name: 'v', emptyDir: {} }], nodeSelector: { zone: 'a' } } },
    })
    const decoded = decodeJob(manifest)
    expect(decoded._tag === 'Right' && decoded.right.spec?.template?.spec).toEqual(manifest.spec.template.spec)
  })

  it('refuses an unknown field anywhere in the pod template, with its path, as the API server\'s strict field validation does', () => {
    const container = { name: 'pi', image: 'perl', comand: ['perl'], ports: [{ containerPort: 80, protocl: 'TCP' }], livenessProbe: { httpGet: { port: 8080, paht: '/' } } }
    const manifest = job({
      template: {
        metadata: { labels: { app: 'pi' }, lables: {} },
        spec: { containers: [container], restartPolicy: 'Never', affinity: { nodeAffinity: { requiredDuringScheduling: {} } }, volumes: [{ name: 'v', emptyDir: { medium: 'Memory', size: '1Gi' } }] },
      },
    })
    expect(errorsOf(decodeJob(manifest))).toEqual([
      'unknown field "spec.template.metadata.lables"',
      'unknown field "spec.template.spec.containers[0].comand"',
      'unknown field "spec.template.spec.containers[0].ports[0].protocl"',
      'unknown field "spec.template.spec.containers[0].livenessProbe.httpGet.paht"',
      'unknown field "spec.template.spec.affinity.nodeAffinity.requiredDuringScheduling"',
      'unknown field "spec.template.spec.volumes[0].emptyDir.size"',
    ])
  })

  it('keeps unknown pod-template fields as JSON when asked to (podTemplateFields: passThrough), the Job\'s own fields still strict', () => {
    const container = { name: 'pi', image: 'perl', myRunner: { slots: 2 } }
    const manifest = job({ template: { spec: { containers: [container], restartPolicy: 'Never', scheduler: 'mine' } } })
    const decoded = decodeJob(manifest, { podTemplateFields: 'passThrough' })
    expect(decoded._tag === 'Right' && decoded.right.spec?.template?.spec).toEqual(manifest.spec.template.spec)
    expect(errorsOf(decodeJob(job({ foo: 1 }), { podTemplateFields: 'passThrough' }))).toEqual(['unknown field "spec.foo"'])
  })

  it('checks the types of pod-template fields it does not interpret, as the API server decodes them', () => {
    const container = { name: 'pi', image: 'perl', ports: [{ containerPort: '80' }], stdin: 'yes', resources: { limits: { cpu: 1, memory: '64Mi' }, requests: { cpu: true } } }
    expect(errorsOf(decodeJob(job({ template: { spec: { containers: [container], restartPolicy: 'Never', nodeSelector: { zone: 1 } } } })))).toEqual([
      'spec.template.spec.containers[0].ports[0].containerPort: Invalid value: "80": spec.template.spec.containers[0].ports[0].containerPort in body must be of type integer',
      'spec.template.spec.containers[0].stdin: Invalid value: "yes": spec.template.spec.containers[0].stdin in body must be of type boolean',
      'spec.template.spec.containers[0].resources.requests[cpu]: Invalid value: true: spec.template.spec.containers[0].resources.requests[cpu] in body must be of type string',
      'spec.template.spec.nodeSelector[zone]: Invalid value: 1: spec.template.spec.nodeSelector[zone] in body must be of type string',
    ])
  })

  it('refuses a __proto__ key as an unknown field instead of dropping it', () => {
    const manifest: unknown = JSON.parse(
      '{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"pi"},"spec":{"__proto__":{"parallelism":5},"template":{"spec":{"restartPolicy":"Never","containers":[{"name":"pi","__proto__":{"image":"x"}}]}}}}',
    )
    expect(errorsOf(decodeJob(manifest))).toEqual(['unknown field "spec.__proto__"', 'unknown field "spec.template.spec.containers[0].__proto__"'])
  })

  it('keeps a __proto__ key of a map as data, never as a prototype', () => {
    const manifest: unknown = JSON.parse(
      '{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"pi","annotations":{"__proto__":"x"}},"spec":{"template":{"spec":{"restartPolicy":"Never","containers":[{"name":"pi"}]}}}}',
    )
    const decoded = decodeJob(manifest)
    expect(decoded._tag).toBe('Right')
    const annotations = decoded._tag === 'Right' ? decoded.right.metadata?.annotations : undefined
    expect(annotations !== undefined && Object.getOwnPropertyDescriptor(annotations, '__proto__')?.value).toBe('x')
    expect(annotations !== undefined && Object.getPrototypeOf(annotations)).toBe(Object.prototype)
  })

  it('treats null as absent, as Go does (kubectl writes creationTimestamp: null)', () => {
    const decoded = decodeJob({ ...job({ parallelism: null }), metadata: { name: 'pi', creationTimestamp: null } })
    expect(decoded._tag === 'Right' && decoded.right.metadata).toEqual({ name: 'pi' })
    expect(decoded._tag === 'Right' && decoded.right.spec !== undefined && 'parallelism' in decoded.right.spec).toBe(false)
  })

  it('reports wrong types with field path and expected type', () => {
    expect(errorsOf(decodeJob(job({ parallelism: 'two', suspend: 'yes', completions: 1.5, backoffLimit: 2 ** 31 })))).toEqual([
      'spec.parallelism: Invalid value: "two": spec.parallelism in body must be of type integer',
      'spec.suspend: Invalid value: "yes": spec.suspend in body must be of type boolean',
      'spec.completions: Invalid value: 1.5: spec.completions in body must be of type integer',
      'spec.backoffLimit: Invalid value: 2147483648: spec.backoffLimit in body should be less than or equal to 2147483647',
    ])
    expect(errorsOf(decodeJob(job({ template: { spec: { containers: [{ name: 'pi', image: 1 }, 'x'] } } })))).toEqual([
      'spec.template.spec.containers[0].image: Invalid value: 1: spec.template.spec.containers[0].image in body must be of type string',
      'spec.template.spec.containers[1]: Invalid value: "x": spec.template.spec.containers[1] in body must be of type object',
    ])
    expect(errorsOf(decodeJob({ ...job({}), metadata: { name: 'pi', labels: { a: 1 } } }))).toEqual([
      'metadata.labels[a]: Invalid value: 1: metadata.labels[a] in body must be of type string',
    ])
  })

  it('requires apiVersion batch/v1 and kind Job', () => {
    expect(errorsOf(decodeJob({ ...job({}), apiVersion: 'batch/v2', kind: 'CronJob' }))).toEqual([
      'apiVersion: Unsupported value: "batch/v2": supported values: "batch/v1"',
      'kind: Unsupported value: "CronJob": supported values: "Job"',
    ])
    expect(errorsOf(decodeJob({ metadata: { name: 'pi' } }))).toEqual(['apiVersion: Required value', 'kind: Required value'])
  })

  it('reports every unknown field of the Job\'s metadata, spec and status at once (strict field validation)', () => {
    const manifest = {
      ...job({ foo: 1, podFailurePolicy: { rules: [{ action: 'Count', onExitCodes: { operator: 'In', values: [1], extra: true } }] } }),
      metadata: { name: 'pi', nmae: 'x' },
      status: { bogus: 1 },
      top: 1,
    }
    expect(errorsOf(decodeJob(manifest))).toEqual([
      'unknown field "metadata.nmae"',
      'unknown field "spec.foo"',
      'unknown field "spec.podFailurePolicy.rules[0].onExitCodes.extra"',
      'unknown field "status.bogus"',
      'unknown field "top"',
    ])
  })

  it('reports unsupported enum values with the validation messages', () => {
    expect(
      errorsOf(
        decodeJob(
          job({
            completionMode: 'Sometimes',
            podReplacementPolicy: 'Never',
            podFailurePolicy: { rules: [{ onExitCodes: { operator: 'Maybe', values: [1] } }, { action: 'Retry', onPodConditions: [{ type: 'X', status: 'Perhaps' }] }] },
          }),
        ),
      ),
    ).toEqual([
      'spec.completionMode: Unsupported value: "Sometimes": supported values: "NonIndexed", "Indexed"',
      'spec.podFailurePolicy.rules[0].onExitCodes.operator: Unsupported value: "Maybe": supported values: "In", "NotIn"',
      'spec.podFailurePolicy.rules[0].action: Required value: valid values: ["Count" "FailIndex" "FailJob" "Ignore"]',
      'spec.podFailurePolicy.rules[1].action: Unsupported value: "Retry": supported values: "Count", "FailIndex", "FailJob", "Ignore"',
      'spec.podFailurePolicy.rules[1].onPodConditions[0].status: Unsupported value: "Perhaps": supported values: "False", "True", "Unknown"',
      'spec.podReplacementPolicy: Unsupported value: "Never": supported values: "Failed"',
    ])
  })

  it('reports a body that is not an object', () => {
    expect(errorsOf(decodeJob('apiVersion: batch/v1'))).toEqual(['body: Invalid value: "apiVersion: batch/v1": body in body must be of type object'])
    expect(errorsOf(decodeJob(null))).toEqual(['body: Invalid value: "null": body in body must be of type object'])
  })

  it('does not throw on hostile inputs (throwing proxies, getters, cycles, class instances)', () => {
    const throwing = new Proxy({}, { ownKeys: () => { throw new Error('boom') } })
    expect(decodeJob(throwing)._tag).toBe('Left')
    const getter = { apiVersion: 'batch/v1', kind: 'Job', get spec(): unknown { throw new Error('boom') } }
    expect(errorsOf(decodeJob(getter))).toEqual([])
    const cyclic: Record<string, unknown> = { name: 'pi', image: 'x' }
    cyclic['self'] = cyclic
    expect(errorsOf(decodeJob(job({ template: { spec: { containers: [cyclic] } } })))).toEqual(['unknown field "spec.template.spec.containers[0].self"'])
    const managedFields = [{ manager: 'kubectl', fieldsV1: cyclic }]
    expect(errorsOf(decodeJob({ ...job({}), metadata: { name: 'pi', managedFields } }))).toEqual([
      'metadata.managedFields[0].fieldsV1: Invalid value: "object": metadata.managedFields[0].fieldsV1 in body must be of type object',
    ])
    expect(decodeJob(job({ activeDeadlineSeconds: new Date() }))._tag).toBe('Left')
    expect(decodeJob(job({ template: { spec: { containers: [{ name: 'a', terminationMessagePath: Number.NaN }] } } }))._tag).toBe('Left')
  })

  test.prop([fc.anything({ withNullPrototype: true, withBoxedValues: true, withMap: true, withSet: true, withDate: true, withTypedArray: true, withSparseArray: true, withBigInt: true })])(
    'never throws on anything',
    (input) => {
      const result = decodeJob(input)
      expect(['Left', 'Right']).toContain(result._tag)
    },
  )

  test.prop([fc.jsonValue()])('never throws on arbitrary JSON, and every error renders', (input) => {
    const result = decodeJob(input)
    if (result._tag === 'Left') {
      expect(result.left.length).toBeGreaterThan(0)
      for (const e of result.left) expect(typeof renderFieldError(e)).toBe('string')
    }
  })

  const path = fc.array(fc.constantFrom('spec', 'template', 'metadata', 'spec', 'containers', 0, 'podFailurePolicy', 'rules', 'labels', 'status'), {
    minLength: 1,
    maxLength: 5,
  })
  test.prop([path, fc.jsonValue()])('never throws when any field of a valid manifest is replaced by arbitrary JSON', (keys, value) => {
    const manifest: unknown = JSON.parse(JSON.stringify(job({ podFailurePolicy: { rules: [{ action: 'Ignore', onExitCodes: { operator: 'In', values: [1] } }] } })))
    let cursor: unknown = manifest
    for (const k of keys.slice(0, -1)) {
      const next: unknown = typeof cursor === 'object' && cursor !== null ? (cursor as Record<string, unknown>)[String(k)] : undefined
      if (typeof next !== 'object' || next === null) break
      cursor = next
    }
    if (typeof cursor === 'object' && cursor !== null) (cursor as Record<string, unknown>)[String(keys[keys.length - 1])] = value
    const result = decodeJob(manifest)
    expect(['Left', 'Right']).toContain(result._tag)
  })
})

describe('decodeJobForAdmission', () => {
  it('sets unsupported enum values aside so validation can report them with everything else', () => {
    const result = decodeJobForAdmission(job({ completionMode: 'X', podFailurePolicy: { rules: [{ action: 'Y', onExitCodes: { operator: 'Z', values: [1] } }] } }))
    expect(result._tag).toBe('Right')
    if (result._tag === 'Right') {
      expect(result.right.enumErrors.map(renderFieldError)).toEqual([
        'spec.completionMode: Unsupported value: "X": supported values: "NonIndexed", "Indexed"',
        'spec.podFailurePolicy.rules[0].action: Unsupported value: "Y": supported values: "Count", "FailIndex", "FailJob", "Ignore"',
        'spec.podFailurePolicy.rules[0].onExitCodes.operator: Unsupported value: "Z": supported values: "In", "NotIn"',
      ])
      expect(result.right.manifest.spec?.completionMode).toBeUndefined()
    }
  })

  it('fails like the API server\'s 400 when a type is wrong or a field unknown', () => {
    const result = decodeJobForAdmission(job({ completionMode: 'X', foo: 1 }))
    expect(errorsOf(result)).toEqual(['spec.completionMode: Unsupported value: "X": supported values: "NonIndexed", "Indexed"', 'unknown field "spec.foo"'])
  })
})

describe('decodePod', () => {
  it('reads the fields the controller needs and keeps everything else', () => {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'pi-abcde', uid: 'u', labels: { a: 'b' }, managedFields: [{ manager: 'x' }], somethingNew: 1 },
      spec: { containers: [{ name: 'pi', image: 'perl', resources: {} }], restartPolicy: 'Never', nodeName: 'n1', priority: 0 },
      status: {
        phase: 'Failed',
        hostIP: '10.0.0.1',
        conditions: [{ type: 'DisruptionTarget', status: 'True', lastTransitionTime: '2026-01-01T00:00:00Z' }],
        containerStatuses: [{ name: 'pi', restartCount: 0, ready: false, state: { terminated: { exitCode: 3, reason: 'Error' } }, imageID: 'x' }],
      },
    }
    expect(decodePod(pod)).toEqual({ _tag: 'Right', right: pod })
  })

  it('rejects pods missing what the controller reads', () => {
    expect(errorsOf(decodePod({ metadata: {}, spec: { containers: [{}] }, status: { phase: 'Exploded', containerStatuses: [{ name: 'c' }] } }))).toEqual([
      'spec.containers[0].name: Required value',
      'status.phase: Unsupported value: "Exploded": supported values: "Pending", "Running", "Succeeded", "Failed", "Unknown"',
      'status.containerStatuses[0].restartCount: Required value',
    ])
  })

  test.prop([fc.anything()])('never throws', (input) => {
    expect(['Left', 'Right']).toContain(decodePod(input)._tag)
  })
})

describe('decodeJob knows every field the API server knows', () => {
  // Where each object type the model types by hand sits in a Job; every field of each, set to
  // null (absent, as Go decodes it), must be a known field.
  const nulls = (name: ApiTypeName): Record<string, null> => Object.fromEntries(Object.keys(API_TYPES[name]).map((field) => [field, null]))
  const places: ReadonlyArray<readonly [ApiTypeName, (fields: Record<string, null>) => unknown]> = [
    ['Job', (f) => ({ ...f, apiVersion: 'batch/v1', kind: 'Job' })],
    ['ObjectMeta', (f) => ({ apiVersion: 'batch/v1', kind: 'Job', metadata: f })],
    ['OwnerReference', (f) => ({ apiVersion: 'batch/v1', kind: 'Job', metadata: { ownerReferences: [f] } })],
    ['ManagedFieldsEntry', (f) => ({ apiVersion: 'batch/v1', kind: 'Job', metadata: { managedFields: [f] } })],
    ['JobSpec', (f) => ({ apiVersion: 'batch/v1', kind: 'Job', spec: f })],
    ['LabelSelector', (f) => ({ apiVersion: 'batch/v1', kind: 'Job', spec: { selector: f } })],
    ['LabelSelectorRequirement', (f) => ({ apiVersion: 'batch/v1', kind: 'Job', spec: { selector: { matchExpressions: [f] } } })],
    ['PodFailurePolicy', (f) => ({ apiVersion: 'batch/v1', kind: 'Job', spec: { podFailurePolicy: f } })],
    ['PodFailurePolicyRule', (f) => ({ apiVersion: 'batch/v1', kind: 'Job', spec: { podFailurePolicy: { rules: [f] } } })],
    ['PodFailurePolicyOnExitCodesRequirement', (f) => ({ apiVersion: 'batch/v1', kind: 'Job', spec: { podFailurePolicy: { rules: [{ onExitCodes: f }] } } })],
    ['PodFailurePolicyOnPodConditionsPattern', (f) => ({ apiVersion: 'batch/v1', kind: 'Job', spec: { podFailurePolicy: { rules: [{ onPodConditions: [f] }] } } })],
    ['SuccessPolicy', (f) => ({ apiVersion: 'batch/v1', kind: 'Job', spec: { successPolicy: f } })],
    ['SuccessPolicyRule', (f) => ({ apiVersion: 'batch/v1', kind: 'Job', spec: { successPolicy: { rules: [f] } } })],
    ['PodTemplateSpec', (f) => ({ apiVersion: 'batch/v1', kind: 'Job', spec: { template: f } })],
    ['PodSpec', (f) => ({ apiVersion: 'batch/v1', kind: 'Job', spec: { template: { spec: f } } })],
    ['Container', (f) => ({ apiVersion: 'batch/v1', kind: 'Job', spec: { template: { spec: { containers: [f], initContainers: [f] } } } })],
    ['EnvVar', (f) => ({ apiVersion: 'batch/v1', kind: 'Job', spec: { template: { spec: { containers: [{ env: [f] }] } } } })],
    ['JobStatus', (f) => ({ apiVersion: 'batch/v1', kind: 'Job', status: f })],
    ['JobCondition', (f) => ({ apiVersion: 'batch/v1', kind: 'Job', status: { conditions: [f] } })],
    ['UncountedTerminatedPods', (f) => ({ apiVersion: 'batch/v1', kind: 'Job', status: { uncountedTerminatedPods: f } })],
  ]
  it.each(places)('every field of %s (Kubernetes v1.36 OpenAPI)', (name, place) => {
    expect(errorsOf(decodeJob(place(nulls(name)))).filter((e) => e.startsWith('unknown field'))).toEqual([])
  })
})
