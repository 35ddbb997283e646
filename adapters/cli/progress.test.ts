import { describe, expect, it } from 'vitest'
import type { Job } from '../../core/model/types.js'
import { jobProgress, PLAIN_REPEAT_MS, progressCounts, progressPrinter } from './progress.js'

const job = (status: Job['status'], spec: Partial<Job['spec']> = {}): Job =>
  ({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'pi' }, spec: { completions: 3, parallelism: 1, ...spec }, status }) as Job

describe('progress line', () => {
  it('shows succeeded/completions, active and failed, and the outcome once known', () => {
    expect(jobProgress('pi', undefined)).toBe('pi: waiting')
    expect(jobProgress('pi', job({ succeeded: 1, active: 2 }))).toBe('pi: 1/3 succeeded, 2 active, 0 failed')
    expect(jobProgress('pi', job({ succeeded: 3, conditions: [{ type: 'Complete', status: 'True' }] }))).toBe('pi: Complete, 3/3 succeeded, 0 active, 0 failed')
    expect(jobProgress('pi', job({ failed: 1, conditions: [{ type: 'Failed', status: 'True' }] }, { completions: undefined }))).toBe('pi: Failed, 0/1 succeeded, 0 active, 1 failed')
    expect(progressCounts([['a', undefined], ['b', undefined]])).toBe('a: waiting; b: waiting')
  })

  it('redraws one line in place on a terminal, cut to its width', () => {
    const printer = progressPrinter(true, 20)
    expect(printer.update('pi: 1/3 succeeded', 2000)).toBe('\r\u001b[2Kpi: 1/3 succeeded,…')
    expect(printer.update('pi: 1/3 succeeded', 2100)).toBe('\r\u001b[2Kpi: 1/3 succeeded,…')
    expect(printer.finish('pi: Complete', 3000)).toBe('\r\u001b[2Kpi: Complete, 3s\n')
  })

  it('prints plain lines when the counts change, and now and then when they do not', () => {
    const printer = progressPrinter(false, 80)
    expect(printer.update('pi: 0/3 succeeded', 0)).toBe('pi: 0/3 succeeded, 0s\n')
    expect(printer.update('pi: 0/3 succeeded', 500)).toBeUndefined()
    expect(printer.update('pi: 1/3 succeeded', 1000)).toBe('pi: 1/3 succeeded, 1s\n')
    expect(printer.update('pi: 1/3 succeeded', 1000 + PLAIN_REPEAT_MS)).toBe('pi: 1/3 succeeded, 11s\n')
    expect(printer.finish('pi: 1/3 succeeded', 12_000)).toBe('')
    expect(printer.finish('pi: Complete', 12_000)).toBe('pi: Complete, 12s\n')
  })
})
