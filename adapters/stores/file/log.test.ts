import * as fs from 'node:fs'
import * as path from 'node:path'
import { describe, expect, it } from '@effect/vitest'
import { Effect } from 'effect'
import { FellBehind } from './faults.js'
import type { LogRecord } from './format.js'
import { GENESIS, frameLine, logFileName } from './format.js'
import { SharedLog } from './log.js'
import { retireLog } from './snapshot.js'
import { tempDir } from './testing/fixtures.js'

const put = (id: string, prev: string, rv: number, name: string): LogRecord => ({
  t: 'put',
  id,
  prev,
  rv,
  k: 'Pod',
  o: { metadata: { name, namespace: 'ns' }, spec: { containers: [] } },
})

const bytes = (records: ReadonlyArray<LogRecord>) => Buffer.from(`\n${records.map(frameLine).join('')}`)

/** A store directory with an empty first log, and two readers of it (two processes). */
const twoReaders = Effect.map(tempDir, (dir) => {
  fs.writeFileSync(path.join(dir, logFileName(1)), '')
  const start = { generation: 1, head: GENESIS, rv: 0 }
  return { dir, a: new SharedLog(dir, start), b: new SharedLog(dir, start) }
})

describe('SharedLog', () => {
  it.scoped('two writers append from the same head: the first wins, the second learns it lost, and both agree on the history', () =>
    Effect.gen(function* () {
      const { a, b } = yield* twoReaders
      const seenByA: string[] = []
      const seenByB: string[] = []
      const first = [put('a.1', GENESIS, 1, 'x'), put('a.2', 'a.1', 2, 'y')]
      const second = [put('b.1', GENESIS, 1, 'z')]
      expect(a.append(bytes(first), first, (r) => seenByA.push(r.id))._tag).toBe('Won')
      expect(b.append(bytes(second), second, (r) => seenByB.push(r.id))._tag).toBe('Lost')
      b.catchUp((r) => seenByB.push(r.id))
      expect(seenByB).toEqual(['a.1', 'a.2'])
      expect([b.head, b.rv]).toEqual(['a.2', 2])
      // B tries again from the new head and wins; A reads it.
      const retry = [put('b.2', 'a.2', 3, 'z')]
      expect(b.append(bytes(retry), retry, (r) => seenByB.push(r.id))._tag).toBe('Won')
      a.catchUp((r) => seenByA.push(r.id))
      expect(seenByA).toEqual(['a.1', 'a.2', 'b.2'])
      expect([a.head, a.rv, a.size]).toEqual([b.head, b.rv, b.size])
    }),
  )

  it.scoped('an unfinished last line is left for later; once finished it is read', () =>
    Effect.gen(function* () {
      const { dir, a } = yield* twoReaders
      const file = path.join(dir, logFileName(1))
      const line = bytes([put('w.1', GENESIS, 1, 'x')])
      fs.appendFileSync(file, line.subarray(0, 20))
      const seen: string[] = []
      a.catchUp((r) => seen.push(r.id))
      expect(seen).toEqual([])
      fs.appendFileSync(file, line.subarray(20))
      a.catchUp((r) => seen.push(r.id))
      expect(seen).toEqual(['w.1'])
    }),
  )

  it.scoped('a seal moves every reader on to the next log; records after it in the old one are ignored', () =>
    Effect.gen(function* () {
      const { dir, a } = yield* twoReaders
      fs.writeFileSync(path.join(dir, logFileName(2)), '')
      const records: LogRecord[] = [put('w.1', GENESIS, 1, 'x'), { t: 'seal', id: 'w.2', prev: 'w.1', next: 2 }, put('late.1', 'w.2', 2, 'late')]
      fs.appendFileSync(path.join(dir, logFileName(1)), bytes(records))
      fs.appendFileSync(path.join(dir, logFileName(2)), bytes([put('w.3', 'w.2', 2, 'y')]))
      const seen: string[] = []
      a.catchUp((r) => seen.push(r.id))
      expect(seen).toEqual(['w.1', 'w.2', 'w.3'])
      expect(a.generation).toBe(2)
    }),
  )

  it.scoped('a next log that was retired meanwhile: FellBehind (reload from the snapshot)', () =>
    Effect.gen(function* () {
      const { dir, a } = yield* twoReaders
      fs.appendFileSync(path.join(dir, logFileName(1)), bytes([{ t: 'seal', id: 'w.1', prev: GENESIS, next: 2 }]))
      fs.writeFileSync(path.join(dir, logFileName(2)), '')
      retireLog(dir, 2, 4)
      expect(() => a.catchUp(() => undefined)).toThrow(FellBehind)
    }),
  )

  it.scoped('an accepted record out of the resourceVersion sequence is damage', () =>
    Effect.gen(function* () {
      const { dir, a } = yield* twoReaders
      fs.appendFileSync(path.join(dir, logFileName(1)), bytes([put('w.1', GENESIS, 5, 'x')]))
      expect(() => a.catchUp(() => undefined)).toThrow(/resourceVersion 5 after 0/)
    }),
  )
})
