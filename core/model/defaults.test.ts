import { readFileSync } from 'node:fs'
import { fc, test } from '@fast-check/vitest'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import type { JobManifest } from './manifest.js'
import { decodeJob } from './decode.js'
import { applyDefaults, defaultJob, prepareJobForCreate, prepareJobForUpdate } from './defaults.js'
import type { Job } from './types.js'

const NOW = Date.UTC(2026, 0, 2, 3, 4, 5, 678)
const piYaml = readFileSync(new URL('../../examples/pi/job.yaml', import.meta.url), 'utf8')

const decodeOrFail = (input: unknown): JobManifest => {
  const decoded = decodeJob(input)
  if (decoded._tag === 'Left') throw new Error(`fixture does not decode: ${JSON.stringify(decoded.left)}`)
  return decoded.right
}

const manifest = (spec: Record<string, unknown> = {}, metadata: Record<string, unknown> = { name: 'pi' }): JobManifest =>
  decodeOrFail({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata,
    spec: { template: { spec: { containers: [{ name: 'pi', image: 'perl' }], restartPolicy: 'Never' } }, ...spec },
  })

describe('applyDefaults (R18–R26)', () => {
  it('R18: both completions and parallelism unset become 1', () => {
    const spec = applyDefaults(manifest()).spec
    expect([spec.completions, spec.parallelism]).toEqual([1, 1])
  })

  it('R19: only parallelism defaults when completions is set; completions stays unset when only parallelism is set (work queue)', () => {
    expect(applyDefaults(manifest({ completions: 5 })).spec).toMatchObject({ completions: 5, parallelism: 1 })
    const workQueue = applyDefaults(manifest({ parallelism: 3 })).spec
    expect(workQueue.parallelism).toBe(3)
    expect(workQueue.completions).toBeUndefined()
  })

  it('R20: backoffLimit defaults to 6, or to MaxInt32 with backoffLimitPerIndex', () => {
    expect(applyDefaults(manifest()).spec.backoffLimit).toBe(6)
    expect(applyDefaults(manifest({ backoffLimitPerIndex: 1 })).spec.backoffLimit).toBe(2147483647)
    expect(applyDefaults(manifest({ backoffLimit: 0 })).spec.backoffLimit).toBe(0)
  })

  it('R21, R22, R25: completionMode NonIndexed, suspend false, manualSelector false', () => {
    expect(applyDefaults(manifest()).spec).toMatchObject({ completionMode: 'NonIndexed', suspend: false, manualSelector: false })
    expect(applyDefaults(manifest({ completionMode: 'Indexed', suspend: true, manualSelector: true })).spec).toMatchObject({
      completionMode: 'Indexed',
      suspend: true,
      manualSelector: true,
    })
  })

  it('R23: an onPodConditions pattern without a status (or with "") matches True', () => {
    const spec = applyDefaults(
      manifest({ podFailurePolicy: { rules: [{ action: 'Ignore', onPodConditions: [{ type: 'A' }, { type: 'B', status: '' }, { type: 'C', status: 'False' }] }] } }),
    ).spec
    expect(spec.podFailurePolicy?.rules?.[0]?.onPodConditions).toEqual([
      { type: 'A', status: 'True' },
      { type: 'B', status: 'True' },
      { type: 'C', status: 'False' },
    ])
  })

  it('R24: podReplacementPolicy is Failed with a podFailurePolicy, TerminatingOrFailed without', () => {
    expect(applyDefaults(manifest()).spec.podReplacementPolicy).toBe('TerminatingOrFailed')
    const withPolicy = manifest({ podFailurePolicy: { rules: [{ action: 'Ignore', onExitCodes: { operator: 'In', values: [1] } }] } })
    expect(applyDefaults(withPolicy).spec.podReplacementPolicy).toBe('Failed')
  })

  it('R26: a Job without labels takes the template labels; a Job with labels keeps its own', () => {
    const templated = { template: { metadata: { labels: { app: 'pi' } }, spec: { containers: [{ name: 'pi', image: 'perl' }] } } }
    expect(applyDefaults(manifest(templated)).metadata?.labels).toEqual({ app: 'pi' })
    expect(applyDefaults(manifest(templated, { name: 'pi', labels: { own: 'x' } })).metadata?.labels).toEqual({ own: 'x' })
  })
})

describe('prepareJobForCreate (R27, R28)', () => {
  it('R18–R28: the docs\' pi manifest from YAML becomes the defaulted Job the API server stores', () => {
    const job = prepareJobForCreate(decodeOrFail(parse(piYaml)), { uid: 'uid-1', now: NOW })
    const labels = {
      'batch.kubernetes.io/controller-uid': 'uid-1',
      'batch.kubernetes.io/job-name': 'pi',
      'controller-uid': 'uid-1',
      'job-name': 'pi',
    }
    expect(job).toEqual({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'pi', namespace: 'default', uid: 'uid-1', generation: 1, creationTimestamp: '2026-01-02T03:04:05Z', labels },
      spec: {
        parallelism: 1,
        completions: 1,
        backoffLimit: 4,
        completionMode: 'NonIndexed',
        suspend: false,
        podReplacementPolicy: 'TerminatingOrFailed',
        manualSelector: false,
        selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'uid-1' } },
        template: {
          metadata: { labels },
          spec: {
            containers: [{ name: 'pi', image: 'perl:5.34.0', command: ['perl', '-Mbignum=bpi', '-wle', 'print bpi(2000)'] }],
            restartPolicy: 'Never',
          },
        },
      },
      status: {},
    })
  })

  it('R27: status is cleared, generation is 1, uid and creationTimestamp are the server\'s, deletion data dropped', () => {
    const job = prepareJobForCreate(
      { ...manifest({}, { name: 'pi', uid: 'client-uid', generation: 7, deletionTimestamp: '2026-01-01T00:00:00Z', namespace: 'ns' }), status: { active: 3 } },
      { uid: 'server-uid', now: NOW, namespace: 'other' },
    )
    expect(job.status).toEqual({})
    expect(job.metadata).toMatchObject({ uid: 'server-uid', generation: 1, creationTimestamp: '2026-01-02T03:04:05Z', namespace: 'ns' })
    expect(job.metadata.deletionTimestamp).toBeUndefined()
  })

  it('R28: user labels stay (a conflicting value is left for validation), the selector gains only the controller-uid', () => {
    const job = prepareJobForCreate(
      manifest({
        selector: { matchLabels: { app: 'pi' } },
        template: { metadata: { labels: { app: 'pi', 'job-name': 'other' } }, spec: { containers: [{ name: 'pi', image: 'perl' }] } },
      }),
      { uid: 'u', now: NOW },
    )
    expect(job.spec.selector).toEqual({ matchLabels: { app: 'pi', 'batch.kubernetes.io/controller-uid': 'u' } })
    expect(job.spec.template.metadata?.labels).toEqual({
      app: 'pi',
      'job-name': 'other',
      'batch.kubernetes.io/job-name': 'pi',
      'controller-uid': 'u',
      'batch.kubernetes.io/controller-uid': 'u',
    })
  })

  it('R29: with manualSelector nothing is generated', () => {
    const job = prepareJobForCreate(
      manifest({
        manualSelector: true,
        selector: { matchLabels: { app: 'pi' } },
        template: { metadata: { labels: { app: 'pi' } }, spec: { containers: [{ name: 'pi', image: 'perl' }] } },
      }),
      { uid: 'u', now: NOW },
    )
    expect(job.spec.selector).toEqual({ matchLabels: { app: 'pi' } })
    expect(job.spec.template.metadata?.labels).toEqual({ app: 'pi' })
    expect(job.metadata.labels).toEqual({ app: 'pi' })
  })

  it('R26 after R28: a Job with labels of its own does not get the generated ones', () => {
    const job = prepareJobForCreate(manifest({}, { name: 'pi', labels: { team: 'a' } }), { uid: 'u', now: NOW })
    expect(job.metadata.labels).toEqual({ team: 'a' })
  })
})

describe('prepareJobForUpdate (R27)', () => {
  const stored: Job = {
    ...prepareJobForCreate(manifest(), { uid: 'u', now: NOW }),
    metadata: { ...prepareJobForCreate(manifest(), { uid: 'u', now: NOW }).metadata, resourceVersion: '5' },
    status: { active: 1, startTime: '2026-01-02T03:04:05Z' },
  }
  const resend = (change: (job: Job) => Job): Job => prepareJobForUpdate(stored, change(stored))

  it('R27: the incoming status is replaced by the stored one', () => {
    expect(resend((j) => ({ ...j, status: { active: 99 } })).status).toEqual(stored.status)
  })

  it('R27: generation is incremented iff the spec changed', () => {
    expect(resend((j) => j).metadata.generation).toBe(1)
    expect(resend((j) => ({ ...j, metadata: { ...j.metadata, labels: { x: 'y' } } })).metadata.generation).toBe(1)
    expect(resend((j) => ({ ...j, spec: { ...j.spec, parallelism: 3 } })).metadata.generation).toBe(2)
  })

  it('R27: no selector is generated on update, and omitted identity comes from the stored Job', () => {
    const { uid: _uid, creationTimestamp: _created, namespace: _ns, ...meta } = stored.metadata
    const { selector: _selector, ...spec } = stored.spec
    const updated = prepareJobForUpdate(stored, { apiVersion: 'batch/v1', kind: 'Job', metadata: meta, spec })
    expect(updated.spec.selector).toEqual({})
    expect(updated.metadata).toMatchObject({ uid: 'u', namespace: 'default', creationTimestamp: stored.metadata.creationTimestamp })
  })

  it('R27: defaults are applied to the new manifest', () => {
    const { backoffLimit: _limit, ...spec } = stored.spec
    const updated = prepareJobForUpdate(stored, { apiVersion: 'batch/v1', kind: 'Job', metadata: stored.metadata, spec })
    expect(updated.spec.backoffLimit).toBe(6)
    expect(updated.metadata.generation).toBe(1)
  })
})

// Manifests built from the pieces the defaults look at.
const int = fc.integer({ min: 0, max: 20 })
const maybe = <A>(arb: fc.Arbitrary<A>) => fc.option(arb, { nil: undefined })
const specArb = fc.record(
  {
    parallelism: int,
    completions: int,
    backoffLimit: int,
    backoffLimitPerIndex: int,
    completionMode: fc.constantFrom('NonIndexed', 'Indexed'),
    suspend: fc.boolean(),
    manualSelector: fc.boolean(),
    podReplacementPolicy: fc.constantFrom('TerminatingOrFailed', 'Failed'),
    podFailurePolicy: fc.record({
      rules: fc.array(
        fc.record({
          action: fc.constantFrom('Ignore', 'Count', 'FailJob'),
          onPodConditions: fc.array(fc.record({ type: fc.constantFrom('A', 'B'), status: fc.constantFrom('True', 'False', '') }, { requiredKeys: ['type'] }), {
            maxLength: 2,
          }),
        }),
        { maxLength: 2 },
      ),
    }),
    selector: fc.record({ matchLabels: fc.dictionary(fc.constantFrom('a', 'b'), fc.constantFrom('x', 'y')) }),
    template: fc.record({
      metadata: fc.record({ labels: fc.dictionary(fc.constantFrom('a', 'job-name'), fc.constantFrom('x', 'pi')) }, { requiredKeys: [] }),
      spec: fc.record({ containers: fc.constant([{ name: 'pi', image: 'perl' }]), restartPolicy: fc.constantFrom('Never', 'OnFailure') }),
    }),
  },
  { requiredKeys: [] },
)
const manifestArb = fc
  .tuple(specArb, maybe(fc.dictionary(fc.constantFrom('team', 'app'), fc.constantFrom('a', 'b'))))
  .map(([spec, labels]) => decodeOrFail({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'pi', ...(labels === undefined ? {} : { labels }) }, spec }))

describe('defaulting properties', () => {
  test.prop([manifestArb])('decode∘defaults is idempotent: defaulting a defaulted manifest changes nothing', (m) => {
    const once = applyDefaults(m)
    expect(applyDefaults(once)).toEqual(once)
  })

  test.prop([manifestArb, fc.uuid()])('defaulting a prepared Job again (as every read does) changes nothing', (m, uid) => {
    const job = prepareJobForCreate(m, { uid, now: NOW })
    expect(defaultJob(job)).toEqual(job)
    expect(decodeOrFail(JSON.parse(JSON.stringify(job)))).toEqual(job)
  })

  test.prop([manifestArb, fc.uuid()])('R27: resending a prepared Job unchanged keeps its generation', (m, uid) => {
    const job = prepareJobForCreate(m, { uid, now: NOW })
    expect(prepareJobForUpdate(job, job)).toEqual(job)
  })
})
