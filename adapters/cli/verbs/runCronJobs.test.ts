import { describe, expect, it } from 'vitest'
import type { CronJob } from '../../../core/index.js'
import type { Job } from '../../../core/model/types.js'
import { finishedLine, startedLine, upcomingRuns, upcomingRunsLine } from './runCronJobs.js'

const at = (iso: string): number => Date.parse(iso)

function cronJob(schedule: string, spec: Partial<CronJob['spec']> = {}): CronJob {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: 'hello', namespace: 'default', uid: 'u-1' },
    spec: { schedule, concurrencyPolicy: 'Allow', suspend: false, successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 1, jobTemplate: {}, ...spec },
  }
}

describe('the next runs jobctl run shows (C11: the schedule fires strictly after now)', () => {
  it("lists the docs' every-minute schedule minute by minute", () => {
    expect(upcomingRuns(cronJob('* * * * *'), at('2026-12-04T02:01:30Z'), 3)).toEqual([at('2026-12-04T02:02:00Z'), at('2026-12-04T02:03:00Z'), at('2026-12-04T02:04:00Z')])
    expect(upcomingRunsLine(cronJob('* * * * *'), at('2026-12-04T02:01:00Z'))).toBe('hello: next runs at 2026-12-04T02:02:00Z, 2026-12-04T02:03:00Z, 2026-12-04T02:04:00Z')
  })

  it('reads the schedule in spec.timeZone (C10), and says which zone', () => {
    // 09:00 in Berlin is 08:00 UTC in winter.
    const berlin = cronJob('0 9 * * *', { timeZone: 'Europe/Berlin' })
    expect(upcomingRuns(berlin, at('2026-12-04T02:00:00Z'), 2)).toEqual([at('2026-12-04T08:00:00Z'), at('2026-12-05T08:00:00Z')])
    expect(upcomingRunsLine(berlin, at('2026-12-04T02:00:00Z'))).toMatch(/ \(Europe\/Berlin\)$/)
  })

  it('says a suspended CronJob has no runs, and a schedule that never fires', () => {
    expect(upcomingRunsLine(cronJob('@hourly', { suspend: true }), 0)).toBe('hello: suspended, no runs until resumed (jobctl resume cronjob hello)')
    expect(upcomingRunsLine(cronJob('0 0 30 2 *'), at('2026-01-01T00:00:00Z'))).toBe('hello: the schedule "0 0 30 2 *" never fires')
  })
})

describe("the Jobs' lines", () => {
  const job: Job = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'hello-29413922', annotations: { 'batch.kubernetes.io/cronjob-scheduled-timestamp': '2026-12-04T02:02:00Z' } },
    spec: {
      parallelism: 1,
      completions: 1,
      backoffLimit: 6,
      selector: {},
      manualSelector: false,
      template: { spec: { containers: [] } },
      completionMode: 'NonIndexed',
      suspend: false,
      podReplacementPolicy: 'TerminatingOrFailed',
    },
    status: { succeeded: 1 },
  }

  it('names the Job and the schedule time it was created for (C26)', () => {
    expect(startedLine(cronJob('* * * * *'), job)).toBe('hello: started job.batch/hello-29413922 for 2026-12-04T02:02:00Z')
    expect(finishedLine(job, 'Complete')).toBe('job.batch/hello-29413922: Complete, 1/1 succeeded, 0 failed')
  })
})
