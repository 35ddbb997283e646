import { readFileSync } from 'node:fs'
import { fc, test } from '@fast-check/vitest'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { decodeJob, decodeJobForAdmission, decodePod } from './decode.js'
import type { FieldError } from './fieldErrors.js'
import { renderFieldError } from './fieldErrors.js'

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
    expect(errorsOf(decodeJob(job({ template: { spec: { containers: [cyclic] } } })))).toEqual([
      'spec.template.spec.containers[0].self: Invalid value: "object": spec.template.spec.containers[0].self in body must be of type JSON value',
    ])
    expect(decodeJob(job({ activeDeadlineSeconds: new Date() }))._tag).toBe('Left')
    expect(decodeJob(job({ template: { spec: { containers: [{ name: 'a', x: Number.NaN }] } } }))._tag).toBe('Left')
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
