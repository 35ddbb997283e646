import { describe, expect, it } from 'vitest'
import { storedEventOf } from './events.js'

describe('storedEventOf', () => {
  it('reads a core/v1 event as client-go writes it', () => {
    expect(
      storedEventOf(
        {
          metadata: { name: 'pi.1', namespace: 'ns' },
          involvedObject: { kind: 'Job', name: 'pi', uid: 'u' },
          type: 'Warning',
          reason: 'BackoffLimitExceeded',
          message: 'Job has reached the specified backoff limit',
          source: { component: 'job-controller' },
          firstTimestamp: '2026-01-01T00:00:00Z',
          lastTimestamp: '2026-01-01T00:00:05Z',
          count: 3,
        },
        'ns',
      ),
    ).toEqual({
      name: 'pi.1',
      namespace: 'ns',
      involvedObject: { kind: 'Job', name: 'pi', uid: 'u' },
      type: 'Warning',
      reason: 'BackoffLimitExceeded',
      message: 'Job has reached the specified backoff limit',
      source: 'job-controller',
      firstTimestamp: '2026-01-01T00:00:00Z',
      lastTimestamp: '2026-01-01T00:00:05Z',
      count: 3,
    })
  })

  it('reads one written through events/v1 (eventTime, series, reportingComponent), and leaves out other kinds', () => {
    const event = storedEventOf(
      {
        metadata: { name: 'pi.2', namespace: 'ns', creationTimestamp: '2026-01-01T00:00:00Z' },
        involvedObject: { kind: 'Pod', name: 'pi-x', uid: 'p' },
        type: 'Normal',
        reason: 'Scheduled',
        message: 'assigned',
        reportingComponent: 'default-scheduler',
        firstTimestamp: null,
        lastTimestamp: null,
        eventTime: '2026-01-01T00:00:01.000000Z',
        series: { count: 2, lastObservedTime: '2026-01-01T00:00:09.000000Z' },
      },
      'ns',
    )
    expect(event).toMatchObject({ source: 'default-scheduler', firstTimestamp: '2026-01-01T00:00:01.000000Z', lastTimestamp: '2026-01-01T00:00:09.000000Z', count: 2 })
    expect(storedEventOf({ involvedObject: { kind: 'Node', name: 'n' } }, 'ns')).toBeUndefined()
  })
})
