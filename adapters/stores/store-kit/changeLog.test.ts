import { describe, expect, it } from '@effect/vitest'
import { FastCheck as fc } from 'effect'
import type { Change } from './changeLog.js'
import { ChangeLog } from './changeLog.js'

const change = (resourceVersion: number): Change<string> => ({ resourceVersion, type: 'Modified', object: `v${resourceVersion}` })
const versions = (changes: ReadonlyArray<Change<string>> | undefined) => changes?.map((c) => c.resourceVersion)

describe('ChangeLog', () => {
  it('replays the changes after a version, in order', () => {
    const log = new ChangeLog<string>(10, 0)
    for (const v of [2, 5, 6, 9]) log.append(change(v))
    expect(versions(log.since(0))).toEqual([2, 5, 6, 9])
    expect(versions(log.since(5))).toEqual([6, 9])
    expect(versions(log.since(3))).toEqual([5, 6, 9])
    expect(versions(log.since(9))).toEqual([])
    expect(versions(log.since(50))).toEqual([])
  })

  it('forgets the oldest changes beyond its capacity; versions before them are Gone (undefined)', () => {
    const log = new ChangeLog<string>(3, 0)
    for (const v of [1, 2, 3, 4, 5]) log.append(change(v))
    expect(log.since(1)).toBeUndefined()
    expect(versions(log.since(2))).toEqual([3, 4, 5])
    expect(versions(log.since(4))).toEqual([5])
  })

  it('a version between the last forgotten change and the first kept one is still complete', () => {
    const log = new ChangeLog<string>(2, 0)
    for (const v of [10, 20, 30]) log.append(change(v))
    // 10 was forgotten: nothing in (10, 20) existed, so 15 replays 20 and 30.
    expect(log.since(9)).toBeUndefined()
    expect(versions(log.since(15))).toEqual([20, 30])
  })

  it('versions before the log started are Gone', () => {
    const log = new ChangeLog<string>(5, 7)
    log.append(change(8))
    expect(log.since(6)).toBeUndefined()
    expect(versions(log.since(7))).toEqual([8])
  })

  it.prop('property: since(v) is exactly the suffix of the appended changes above v, or Gone when any was forgotten', [
    fc.integer({ min: 1, max: 8 }),
    fc.array(fc.integer({ min: 1, max: 5 }), { maxLength: 30 }),
    fc.integer({ min: 0, max: 200 }),
  ], ([capacity, gaps, from]) => {
    const log = new ChangeLog<string>(capacity, 0)
    const all: number[] = []
    let v = 0
    for (const gap of gaps) {
      v += gap
      all.push(v)
      log.append(change(v))
    }
    const above = all.filter((x) => x > from)
    const forgotten = all.slice(0, Math.max(0, all.length - capacity))
    const result = versions(log.since(from))
    if (forgotten.some((x) => x > from)) expect(result).toBeUndefined()
    else expect(result).toEqual(above)
  })
})
