/** C34–C35: history clean-up, oldest start time first, each kind against its own limit. */
import { describe, expect, it } from 'vitest'
import { historyDeletions } from './history.js'
import { reconcileCronJob } from './reconcile.js'
import { activeRef, at, cronJob, job } from './testing/builders.js'

const names = (deletions: ReturnType<typeof historyDeletions>) => deletions.map((d) => d.name)

describe('C34 history clean-up', () => {
  const complete = (name: string, startTime?: string) => job(name, { finished: 'Complete', ...(startTime === undefined ? {} : { startTime }) })
  const failed = (name: string, startTime: string) => job(name, { finished: 'Failed', startTime })

  it('keeps the 3 newest successful and the newest failed Job by default (limits 3 and 1)', () => {
    const jobs = [
      complete('s1', '2026-01-01T01:00:00Z'),
      complete('s2', '2026-01-01T02:00:00Z'),
      complete('s3', '2026-01-01T03:00:00Z'),
      complete('s4', '2026-01-01T04:00:00Z'),
      complete('s5', '2026-01-01T05:00:00Z'),
      failed('f1', '2026-01-01T01:30:00Z'),
      failed('f2', '2026-01-01T02:30:00Z'),
      job('running', { startTime: '2026-01-01T00:00:00Z' }),
    ]
    const deletions = historyDeletions(cronJob(), jobs)
    expect(names(deletions)).toEqual(['s1', 's2', 'f1'])
    expect(deletions.every((d) => d.propagation === 'Background' && d.reason === 'History')).toBe(true)
  })

  it('orders by start time, not by finish time or name; a Job without a start time counts as newest; ties by name', () => {
    const jobs = [
      job('a-finished-last', { finished: 'Complete', startTime: '2026-01-01T01:00:00Z', completionTime: '2026-01-01T09:00:00Z' }),
      job('b-finished-first', { finished: 'Complete', startTime: '2026-01-01T02:00:00Z', completionTime: '2026-01-01T02:01:00Z' }),
      complete('c-never-started'),
      complete('d-tie', '2026-01-01T03:00:00Z'),
      complete('c-tie', '2026-01-01T03:00:00Z'),
    ]
    expect(names(historyDeletions(cronJob({ successfulJobsHistoryLimit: 1 }), jobs))).toEqual(['a-finished-last', 'b-finished-first', 'c-tie', 'd-tie'])
  })

  it('limit 0 deletes every finished Job of that kind; running Jobs are never deleted', () => {
    const jobs = [complete('s1', '2026-01-01T01:00:00Z'), failed('f1', '2026-01-01T01:00:00Z'), job('running')]
    expect(names(historyDeletions(cronJob({ successfulJobsHistoryLimit: 0, failedJobsHistoryLimit: 0 }), jobs))).toEqual(['s1', 'f1'])
  })

  it('a Job is as its first True Complete/Failed condition says', () => {
    const base = job('odd')
    const odd = { ...base, status: { conditions: [{ type: 'Failed', status: 'False' as const }, { type: 'Complete', status: 'True' as const }] } }
    expect(names(historyDeletions(cronJob({ successfulJobsHistoryLimit: 0 }), [odd]))).toEqual(['odd'])
  })
})

describe('C35, C39 history in a sync', () => {
  it('deletions come first; a Job deleted by history leaves active without SawCompletedJob', () => {
    const done = job('mycronjob-24394140', { finished: 'Complete', startTime: '2016-05-19T09:00:01Z', completionTime: '2016-05-19T09:30:00Z' })
    const cj = cronJob({ successfulJobsHistoryLimit: 0 }, { status: { active: [activeRef('mycronjob-24394140')], lastScheduleTime: '2016-05-19T09:00:00Z' } })
    const plan = reconcileCronJob(cj, [done], at('2016-05-19T09:59:00Z'))
    expect(plan.actions.map((a) => a._tag)).toEqual(['DeleteJob', 'UpdateCronJobStatus'])
    expect(plan.actions[1]).toEqual({
      _tag: 'UpdateCronJobStatus',
      status: { lastScheduleTime: '2016-05-19T09:00:00Z', lastSuccessfulTime: '2016-05-19T09:30:00Z' },
      appendCreatedJob: false,
    })
  })
})
