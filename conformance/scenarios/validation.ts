/** Create and update validation as the API server answers it (§3). */
import { Effect } from 'effect'
import { expect } from 'vitest'
import type { Invalid } from '../../adapters/ports/errors.js'
import { MAX_REQUEST_BYTES } from '../../adapters/stores/store-kit/sizeLimits.js'
import { renderFieldError } from '../../core/model/fieldErrors.js'
import type { Job } from '../../core/model/types.js'
import { jobManifest, scenario } from '../toolkit.js'
import type { Scenario, World } from '../toolkit.js'

/** Creates the manifest, expects a 422 and returns the rendered field errors. */
const rejected = (w: World, manifest: Record<string, unknown>) =>
  Effect.gen(function* () {
    const error = yield* Effect.flip(w.create(manifest))
    expect(error).toMatchObject({ _tag: 'Invalid' })
    const invalid = error as Invalid
    const name = String((manifest['metadata'] as { name?: string }).name)
    expect(invalid.reason.startsWith(`Job.batch "${name}" is invalid: `)).toBe(true)
    // Nothing is stored, so nothing ever runs.
    expect((yield* w.store.listJobs({ namespace: w.namespace })).items).toHaveLength(0)
    return invalid.errors.map(renderFieldError)
  })

/** Updates the Job with `change`, expects a 422 and returns the rendered field errors; the Job is unchanged. */
const updateRejected = (w: World, name: string, change: (job: Job) => Job) =>
  Effect.gen(function* () {
    // Read and update again when the controller's status write came in between (a Conflict).
    const attempt = Effect.gen(function* () {
      const before = yield* w.job(name)
      return { before, error: yield* Effect.flip(w.store.updateJob(change(before))) }
    })
    const { before, error } = yield* attempt.pipe(
      Effect.repeat({ until: ({ error }) => error._tag !== 'Conflict', times: 5 }),
    )
    expect(error).toMatchObject({ _tag: 'Invalid' })
    const after = yield* w.job(name)
    expect(after.spec).toEqual(before.spec)
    expect(after.metadata.generation).toBe(before.metadata.generation)
    return (error as Invalid).errors.map(renderFieldError)
  })

/** A Job whose one container carries an environment value of `bytes` bytes: no validation rule limits its size. */
const jobOfSize = (name: string, bytes: number) =>
  jobManifest(name, {}, { containers: [{ name: 'main', image: 'busybox:1.36', command: ['true'], env: [{ name: 'BIG', value: 'x'.repeat(bytes) }] }] })

const spec = (change: Partial<Job['spec']>) => (job: Job): Job => ({ ...job, spec: { ...job.spec, ...change } })

export const validation: ReadonlyArray<Scenario> = [
  scenario('R30 R34 R42: an invalid manifest is rejected with every field error and nothing is stored', (w) =>
    Effect.gen(function* () {
      const errors = yield* rejected(w, jobManifest('broken', { parallelism: -1, backoffLimit: -2 }, { restartPolicy: 'Always' }))
      expect(errors).toEqual(
        expect.arrayContaining([
          'spec.parallelism: Invalid value: -1: must be greater than or equal to 0',
          'spec.backoffLimit: Invalid value: -2: must be greater than or equal to 0',
          'spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"',
        ]),
      )
      yield* w.pass('1 minute')
      expect((yield* w.store.listPods({ namespace: w.namespace })).items).toHaveLength(0)
    }),
  ),

  scenario('R37: an Indexed job without completions is rejected: spec.completions is required', (w) =>
    Effect.gen(function* () {
      const errors = yield* rejected(w, jobManifest('no-count', { completionMode: 'Indexed', parallelism: 2 }))
      expect(errors).toContain('spec.completions: Required value: when completion mode is Indexed')
    }),
  ),

  scenario('R36: an unknown completionMode is rejected as unsupported', (w) =>
    Effect.gen(function* () {
      const errors = yield* rejected(w, jobManifest('mode', { completionMode: 'Sometimes' }))
      expect(errors).toContain('spec.completionMode: Unsupported value: "Sometimes": supported values: "NonIndexed", "Indexed"')
    }),
  ),

  scenario('R42 R48: restartPolicy OnFailure together with a podFailurePolicy is rejected', (w) =>
    Effect.gen(function* () {
      const errors = yield* rejected(
        w,
        jobManifest('onfailure-pfp', { podFailurePolicy: { rules: [{ action: 'FailJob', onExitCodes: { operator: 'In', values: [3] } }] } }, {
          restartPolicy: 'OnFailure',
        }),
      )
      expect(errors).toContain(
        'spec.template.spec.restartPolicy: Invalid value: "OnFailure": only "Never" is supported when podFailurePolicy is specified',
      )
    }),
  ),

  scenario('R44 R46: podFailurePolicy rules are checked one by one (FailIndex without backoffLimitPerIndex, In with 0)', (w) =>
    Effect.gen(function* () {
      const errors = yield* rejected(
        w,
        jobManifest('bad-rules', {
          podFailurePolicy: {
            rules: [
              { action: 'FailIndex', onExitCodes: { operator: 'In', values: [1] } },
              { action: 'Count', onExitCodes: { operator: 'In', values: [0, 2] } },
            ],
          },
        }),
      )
      expect(errors).toEqual(
        expect.arrayContaining([
          'spec.podFailurePolicy.rules[0].action: Invalid value: "FailIndex": requires the backoffLimitPerIndex to be set',
          'spec.podFailurePolicy.rules[1].onExitCodes.values[0]: Invalid value: 0: must not be 0 for the In operator',
        ]),
      )
    }),
  ),

  scenario('R41 R49: backoffLimitPerIndex and successPolicy require Indexed completion mode', (w) =>
    Effect.gen(function* () {
      const errors = yield* rejected(w, jobManifest('nonindexed', { backoffLimitPerIndex: 1, successPolicy: { rules: [{ succeededCount: 1 }] } }))
      expect(errors).toContain('spec.backoffLimitPerIndex: Invalid value: 1: requires indexed completion mode')
      expect(errors.some((e) => e.startsWith('spec.successPolicy: Invalid value: ') && e.endsWith(': requires indexed completion mode'))).toBe(true)
    }),
  ),

  scenario('R51: a manual selector that does not match the template labels is rejected', (w) =>
    Effect.gen(function* () {
      const errors = yield* rejected(
        w,
        jobManifest('mismatch', { manualSelector: true, selector: { matchLabels: { app: 'a' } } }, { templateLabels: { app: 'b' } }),
      )
      expect(errors).toContain('spec.template.metadata.labels: Invalid value: {"app":"b"}: `selector` does not match template `labels`')
    }),
  ),

  scenario('R54 R27: updating immutable fields (completions, template, selector) is rejected with "field is immutable" and changes nothing', (w) =>
    Effect.gen(function* () {
      yield* w.create(jobManifest('frozen', { completions: 2, parallelism: 1 }))
      const completions = yield* updateRejected(w, 'frozen', spec({ completions: 3 }))
      expect(completions).toContain('spec.completions: Invalid value: 3: field is immutable')
      const template = yield* updateRejected(w, 'frozen', (job) => ({
        ...job,
        spec: { ...job.spec, template: { ...job.spec.template, spec: { ...job.spec.template.spec, containers: [{ name: 'main', image: 'other:1' }] } } },
      }))
      expect(template.some((e) => e.startsWith('spec.template: Invalid value: ') && e.endsWith(': field is immutable'))).toBe(true)
      const selector = yield* updateRejected(w, 'frozen', (job) => ({ ...job, spec: { ...job.spec, selector: { matchLabels: { other: 'x' } } } }))
      expect(selector.some((e) => e.startsWith('spec.selector: Invalid value: ') && e.endsWith(': field is immutable'))).toBe(true)
    }),
  ),

  scenario('R54 R27: parallelism, activeDeadlineSeconds, backoffLimit and ttlSecondsAfterFinished are mutable; the generation goes up', (w) =>
    Effect.gen(function* () {
      yield* w.create(jobManifest('mutable', { completions: 5, parallelism: 1, suspend: true }))
      const updated = yield* w.updateJob('mutable', spec({ parallelism: 3, activeDeadlineSeconds: 600, backoffLimit: 2, ttlSecondsAfterFinished: 60 }))
      expect(updated.spec).toMatchObject({ parallelism: 3, activeDeadlineSeconds: 600, backoffLimit: 2, ttlSecondsAfterFinished: 60 })
      expect(updated.metadata.generation).toBe(2)
      expect((yield* w.job('mutable')).spec.parallelism).toBe(3)
    }),
  ),

  scenario('R55: an Indexed job’s completions change only in tandem with parallelism', (w) =>
    Effect.gen(function* () {
      yield* w.create(jobManifest('tandem', { completions: 3, parallelism: 3, completionMode: 'Indexed', suspend: true }))
      const errors = yield* updateRejected(w, 'tandem', spec({ completions: 5 }))
      expect(errors).toContain('spec.completions: Invalid value: 5: can only be modified in tandem with spec.parallelism')
      const both = yield* w.updateJob('tandem', spec({ completions: 5, parallelism: 5 }))
      expect(both.spec).toMatchObject({ completions: 5, parallelism: 5 })
    }),
  ),

  // Between etcd's 1.5 MiB and the 3 MiB request limit, stores differ: see DIFFERENCES.md.
  scenario("size limits: a create or an update whose body is over the API server's 3 MiB is refused (413: Request entity too large: limit is 3145728); nothing is stored or changed", (w) =>
    Effect.gen(function* () {
      const overRequest = yield* Effect.flip(w.create(jobOfSize('huge', MAX_REQUEST_BYTES + 512 * 1024)))
      expect(overRequest).toMatchObject({ _tag: 'TooLarge', reason: `Request entity too large: limit is ${MAX_REQUEST_BYTES}` })
      expect((yield* w.store.listJobs({ namespace: w.namespace })).items).toHaveLength(0)

      yield* w.create(jobManifest('small', { suspend: true }))
      const before = yield* w.job('small')
      const bigUpdate = { ...before, metadata: { ...before.metadata, annotations: { big: 'x'.repeat(MAX_REQUEST_BYTES) } } }
      const overUpdate = yield* Effect.flip(w.store.updateJob(bigUpdate))
      expect(overUpdate).toMatchObject({ _tag: 'TooLarge', reason: `Request entity too large: limit is ${MAX_REQUEST_BYTES}` })
      const after = yield* w.job('small')
      expect(after.metadata.annotations?.['big']).toBeUndefined()
      expect(after.metadata.generation).toBe(before.metadata.generation)
    }),
  ),
]
