/**
 * C1–C4, C9, C10, C14–C17: decoding, defaults and validation of CronJob writes, with the API
 * server's paths and messages.
 */
import { describe, expect, it } from 'vitest'
import { renderFieldError } from '../model/fieldErrors.js'
import { admitCronJobCreate, admitCronJobStatusUpdate, admitCronJobUpdate } from './admission.js'
import { decodeCronJob } from './decode.js'
import type { CronJob } from './types.js'

const template = { spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'hello', image: 'busybox:1.28' }] } } } }
const manifest = (spec: Record<string, unknown>, name = 'hello') => ({ apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name }, spec: { schedule: '* * * * *', jobTemplate: template, ...spec } })
const create = (input: unknown) => admitCronJobCreate(input, { uid: 'uid-1', now: Date.parse('2026-01-01T00:00:00Z') })

/** The rendered errors of a refused create (or `[]` when it was admitted). */
function errorsOf(input: unknown): string[] {
  const admitted = create(input)
  return admitted._tag === 'Left' ? admitted.left.errors.map(renderFieldError) : []
}

function admitted(input: unknown): CronJob {
  const result = create(input)
  if (result._tag === 'Left') throw new Error(result.left.message)
  return result.right.cronJob
}

describe('C1 decoding', () => {
  it('refuses unknown fields anywhere, the job template and its pod template included', () => {
    const decoded = decodeCronJob({
      ...manifest({ shedule: 'x', jobTemplate: { metadata: { lables: {} }, spec: { paralelism: 1, template: { spec: { containers: [{ name: 'a', comand: [] }] } } } } }),
    })
    expect(decoded._tag === 'Left' ? decoded.left.map(renderFieldError).sort() : []).toEqual([
      'unknown field "spec.jobTemplate.metadata.lables"',
      'unknown field "spec.jobTemplate.spec.paralelism"',
      'unknown field "spec.jobTemplate.spec.template.spec.containers[0].comand"',
      'unknown field "spec.shedule"',
    ])
  })

  it('a body that does not decode is a 400 in the API server\'s words', () => {
    const result = create({ ...manifest({ suspend: 'yes', foo: 1 }) })
    expect(result._tag === 'Left' && result.left._tag).toBe('BadRequest')
    expect(result._tag === 'Left' ? result.left.message : '').toMatch(/^CronJob in version "v1" cannot be handled as a CronJob: spec\.suspend: .*strict decoding error: unknown field "spec\.foo"$/)
  })

  it('apiVersion and kind must be batch/v1 CronJob', () => {
    const decoded = decodeCronJob({ apiVersion: 'batch/v1beta1', kind: 'Job', spec: {} })
    expect(decoded._tag).toBe('Left')
  })

  it('C4 an unsupported concurrencyPolicy is a validation error (422), reported with the others', () => {
    const result = create(manifest({ concurrencyPolicy: 'Sometimes', startingDeadlineSeconds: -1 }))
    expect(result._tag === 'Left' && result.left._tag).toBe('Invalid')
    expect(result._tag === 'Left' ? result.left.message : '').toBe(
      'CronJob.batch "hello" is invalid: [spec.concurrencyPolicy: Unsupported value: "Sometimes": supported values: "Allow", "Forbid", "Replace", spec.startingDeadlineSeconds: Invalid value: -1: must be greater than or equal to 0]',
    )
  })
})

describe('C2, C3 create: defaults and server metadata', () => {
  it('defaults concurrencyPolicy, suspend and the history limits, not the job template', () => {
    const cronJob = admitted(manifest({}))
    expect(cronJob.spec).toEqual({ schedule: '* * * * *', jobTemplate: template, concurrencyPolicy: 'Allow', suspend: false, successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 1 })
    expect(cronJob.metadata).toEqual({ name: 'hello', namespace: 'default', uid: 'uid-1', generation: 1, creationTimestamp: '2026-01-01T00:00:00Z' })
    expect(cronJob.status).toEqual({})
  })

  it('the docs\' hello CronJob is admitted', () => {
    expect(errorsOf(manifest({ schedule: '* * * * *' }))).toEqual([])
  })
})

describe('C5, C9 schedule', () => {
  it('is required', () => {
    expect(errorsOf(manifest({ schedule: undefined }))).toEqual(['spec.schedule: Required value'])
  })

  it('carries the parser\'s message', () => {
    expect(errorsOf(manifest({ schedule: '* * * *' }))).toEqual(['spec.schedule: Invalid value: "* * * *": expected exactly 5 fields, found 4: [* * * *]'])
  })

  it('C9 refuses TZ= and CRON_TZ= in favour of timeZone', () => {
    expect(errorsOf(manifest({ schedule: 'CRON_TZ=Europe/Berlin 0 0 * * *' }))).toEqual([
      'spec.schedule: Invalid value: "CRON_TZ=Europe/Berlin 0 0 * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead',
    ])
    expect(errorsOf(manifest({ schedule: 'TZ=Mars/Base 0 0 * * *' }))).toEqual([
      'spec.schedule: Invalid value: "TZ=Mars/Base 0 0 * * *": provided bad location Mars/Base: unknown time zone Mars/Base',
      'spec.schedule: Invalid value: "TZ=Mars/Base 0 0 * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead',
    ])
  })

  it('accepts the descriptors and @every, as upstream does', () => {
    for (const schedule of ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly', '@every 1h30m', '0 0 ? * MON-FRI']) {
      expect(errorsOf(manifest({ schedule }))).toEqual([])
    }
  })
})

describe('C10 timeZone', () => {
  it.each([
    ['', 'spec.timeZone: Invalid value: "": timeZone must be nil or non-empty string'],
    ['Local', 'spec.timeZone: Invalid value: "Local": timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones'],
    ['America/New York', 'spec.timeZone: Invalid value: "America/New York": unknown time zone America/New York'],
    ['../etc/passwd', 'spec.timeZone: Invalid value: "../etc/passwd": unknown time zone ../etc/passwd'],
    ['Mars/Olympus', 'spec.timeZone: Invalid value: "Mars/Olympus": unknown time zone Mars/Olympus'],
    ['europe/berlin', 'spec.timeZone: Invalid value: "europe/berlin": unknown time zone europe/berlin'],
  ])('%j is refused', (timeZone, message) => {
    expect(errorsOf(manifest({ timeZone }))).toEqual([message])
  })

  it.each(['Etc/UTC', 'UTC', 'America/New_York', 'Asia/Kolkata', 'Etc/GMT+5'])('%s is accepted', (timeZone) => {
    expect(errorsOf(manifest({ timeZone }))).toEqual([])
  })
})

describe('C14–C16 limits, the job template, the name', () => {
  it('C14 history limits may be 0, not negative', () => {
    expect(errorsOf(manifest({ successfulJobsHistoryLimit: 0, failedJobsHistoryLimit: 0 }))).toEqual([])
    expect(errorsOf(manifest({ successfulJobsHistoryLimit: -1, failedJobsHistoryLimit: -2 }))).toEqual([
      'spec.successfulJobsHistoryLimit: Invalid value: -1: must be greater than or equal to 0',
      'spec.failedJobsHistoryLimit: Invalid value: -2: must be greater than or equal to 0',
    ])
  })

  it('C15 the Job spec is validated as a Job\'s, under spec.jobTemplate.spec', () => {
    const jobTemplate = { spec: { parallelism: -1, backoffLimit: -1, template: { spec: { containers: [{ name: 'a', image: 'x' }] } } } }
    expect(errorsOf(manifest({ jobTemplate }))).toEqual([
      'spec.jobTemplate.spec.parallelism: Invalid value: -1: must be greater than or equal to 0',
      'spec.jobTemplate.spec.backoffLimit: Invalid value: -1: must be greater than or equal to 0',
      'spec.jobTemplate.spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"',
    ])
  })

  it('C15 no selector and no manualSelector in a job template', () => {
    const jobTemplate = { spec: { ...template.spec, selector: { matchLabels: { a: 'b' } }, manualSelector: true } }
    expect(errorsOf(manifest({ jobTemplate }))).toEqual([
      'spec.jobTemplate.spec.selector: Invalid value: {"matchLabels":{"a":"b"}}: `selector` will be auto-generated',
      'spec.jobTemplate.spec.manualSelector: Unsupported value: true: supported values: "nil", "false"',
    ])
  })

  it('C16 at most 52 characters, so that the Job names fit in 63', () => {
    expect(errorsOf(manifest({}, 'a'.repeat(52)))).toEqual([])
    expect(errorsOf(manifest({}, 'a'.repeat(53)))).toEqual([`metadata.name: Invalid value: "${'a'.repeat(53)}": must be no more than 52 characters`])
  })
})

describe('C17, C18 updates', () => {
  const stored = (spec: Record<string, unknown>, name = 'hello'): CronJob => {
    const old = admitted(manifest({}, name))
    return { ...old, spec: { ...old.spec, ...spec }, status: { lastScheduleTime: '2026-01-01T00:00:00Z' } }
  }
  const update = (old: CronJob, spec: Record<string, unknown>) => admitCronJobUpdate(old, { ...manifest(spec, old.metadata.name), metadata: { name: old.metadata.name } })

  it('keeps the status and server metadata, bumps generation when the spec changes', () => {
    const old = stored({})
    const result = update(old, { schedule: '@hourly' })
    expect(result._tag === 'Right' ? result.right.cronJob : undefined).toMatchObject({ metadata: { uid: 'uid-1', generation: 2 }, status: old.status })
  })

  it('a schedule that already had TZ may keep it, but not with timeZone too', () => {
    const old = stored({ schedule: 'TZ=UTC 0 0 * * *' })
    expect(update(old, { schedule: 'TZ=UTC 0 1 * * *' })._tag).toBe('Right')
    const both = update(old, { schedule: 'TZ=UTC 0 1 * * *', timeZone: 'Etc/UTC' })
    expect(both._tag === 'Left' ? both.left.errors.map(renderFieldError) : []).toEqual([
      'spec.schedule: Invalid value: "TZ=UTC 0 1 * * *": cannot use both timeZone field and TZ or CRON_TZ in schedule',
    ])
  })

  it('the 52-character limit is not applied on update', () => {
    const long = 'a'.repeat(60)
    const old: CronJob = { ...stored({}), metadata: { ...stored({}).metadata, name: long } }
    expect(update(old, { schedule: '@daily' })._tag).toBe('Right')
  })

  it('C18 a status write replaces the status only', () => {
    const old = stored({})
    const result = admitCronJobStatusUpdate(old, { lastScheduleTime: '2026-01-01T01:00:00Z' })
    expect(result._tag === 'Right' ? result.right.cronJob : undefined).toEqual({ ...old, status: { lastScheduleTime: '2026-01-01T01:00:00Z' } })
  })
})
