/**
 * The decoder and the validator never throw, on any input: hostile values anywhere in a Job,
 * and arbitrary values. Ten thousand cases each run; the seed is printed (set FUZZ_SEED to
 * replay a run).
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { admitJobCreate, admitJobUpdate } from './admission.js'
import { decodeJob, decodeJobForAdmission } from './decode.js'
import { renderFieldError, renderInvalidJob, renderUndecodableJob } from './fieldErrors.js'
import type { Job } from './types.js'

const seed = Number(process.env['FUZZ_SEED'] ?? Math.floor(Math.random() * 2 ** 31))
console.log(`core/model fuzz seed: ${seed} (FUZZ_SEED=${seed} replays it)`)
const RUNS = 10_000

const valid = {
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name: 'pi', labels: { app: 'pi' }, annotations: { a: 'b' } },
  spec: {
    completions: 3,
    parallelism: 2,
    completionMode: 'Indexed',
    backoffLimitPerIndex: 1,
    podFailurePolicy: { rules: [{ action: 'FailIndex', onExitCodes: { containerName: 'pi', operator: 'In', values: [1, 2] } }] },
    successPolicy: { rules: [{ succeededIndexes: '0-1', succeededCount: 1 }] },
    template: {
      metadata: { labels: { app: 'pi' } },
      spec: {
        restartPolicy: 'Never',
        containers: [{ name: 'pi', image: 'perl', command: ['perl'], env: [{ name: 'A', value: 'b' }], resources: { limits: { cpu: '1' } }, ports: [{ containerPort: 80 }] }],
        volumes: [{ name: 'v', emptyDir: {} }],
      },
    },
  },
  status: { conditions: [{ type: 'Complete', status: 'True' }] },
}

/** Every path to a value of the valid manifest. */
function pathsOf(value: unknown, prefix: ReadonlyArray<string | number> = []): Array<ReadonlyArray<string | number>> {
  if (typeof value !== 'object' || value === null) return [prefix]
  const children = Array.isArray(value) ? value.map((v, i) => [i, v] as const) : Object.entries(value)
  return [prefix, ...children.flatMap(([k, v]) => pathsOf(v, [...prefix, k]))]
}
const PATHS = pathsOf(valid).filter((p) => p.length > 0)

/** The valid manifest with the value at `path` replaced (or a sibling key added). */
function replaced(path: ReadonlyArray<string | number>, value: unknown, extraKey: string | undefined): unknown {
  const copy = JSON.parse(JSON.stringify(valid)) as Record<string, unknown>
  let cursor: Record<string, unknown> = copy
  for (const key of path.slice(0, -1)) cursor = cursor[key] as Record<string, unknown>
  const last = path[path.length - 1]!
  if (extraKey === undefined) cursor[last] = value
  else Object.defineProperty(cursor, extraKey, { value, enumerable: true, writable: true, configurable: true })
  return copy
}

const hostileValue = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.anything({ maxDepth: 2, withNullPrototype: true, withBoxedValues: true, withMap: true, withSet: true, withDate: true, withTypedArray: true, withSparseArray: true, withBigInt: true }),
  fc.constantFrom(Number.NaN, Infinity, -0, 2 ** 53, -(2 ** 31) - 1, '', ' ', '\u0000', 'x'.repeat(300), '__proto__', 'constructor', [], {}),
)
const mutatedManifest = fc
  .tuple(fc.constantFrom(...PATHS), hostileValue, fc.option(fc.constantFrom('__proto__', 'constructor', 'toString', 'comand', 'x'), { nil: undefined }))
  .map(([path, value, extraKey]) => replaced(path, value, extraKey))
const anyInput = fc.oneof(mutatedManifest, mutatedManifest, hostileValue)

const stored = (() => {
  const admitted = admitJobCreate(valid, { uid: 'u', now: 0 })
  if (admitted._tag === 'Left') throw new Error(admitted.left.message)
  return admitted.right.job
})()

const rendersEveryError = (errors: ReadonlyArray<Parameters<typeof renderFieldError>[0]>): void => {
  for (const e of errors) expect(typeof renderFieldError(e)).toBe('string')
  expect(typeof renderInvalidJob('pi', errors)).toBe('string')
  expect(typeof renderUndecodableJob(errors)).toBe('string')
}

describe(`decoding and validation never throw (fast-check, ${RUNS} cases, seed ${seed})`, () => {
  it('decodeJob and decodeJobForAdmission, on manifests with a hostile value anywhere and on arbitrary values', () => {
    fc.assert(
      fc.property(anyInput, (input) => {
        const strict = decodeJob(input)
        const passThrough = decodeJob(input, { podTemplateFields: 'passThrough' })
        const admission = decodeJobForAdmission(input)
        for (const result of [strict, passThrough]) if (result._tag === 'Left') rendersEveryError(result.left)
        if (admission._tag === 'Left') rendersEveryError(admission.left)
      }),
      { seed, numRuns: RUNS },
    )
  })

  it('admission of a create and of an update (decode, default, validate) answers every input with a Job or its errors', () => {
    fc.assert(
      fc.property(anyInput, (input) => {
        const created = admitJobCreate(input, { uid: 'u', now: 0 })
        if (created._tag === 'Left') expect(created.left.message.length).toBeGreaterThan(0)
        const update = typeof input === 'object' && input !== null && !Array.isArray(input) ? { ...(input as Record<string, unknown>), metadata: (stored as Job).metadata } : input
        const updated = admitJobUpdate(stored, update)
        if (updated._tag === 'Left') expect(updated.left.message.length).toBeGreaterThan(0)
      }),
      { seed, numRuns: RUNS },
    )
  })
})
