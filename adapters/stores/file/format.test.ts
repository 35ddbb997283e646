import { describe, expect, it } from '@effect/vitest'
import { FastCheck as fc } from 'effect'
import { checkLogRecord, fileKind, frameLine, logFileName, readLine, snapshotFileName, splitLines, temporaryFileName } from './format.js'

const lineOf = (value: unknown): Buffer => {
  const framed = Buffer.from(frameLine(value), 'utf8')
  return framed.subarray(0, framed.length - 1) // without the newline
}

const record = { t: 'put', id: 'w.1', prev: 'genesis', rv: 1, k: 'Pod', o: { metadata: { name: 'a', namespace: 'ns' }, spec: {} } }

describe('line framing', () => {
  it('a framed line reads back as the value: length, CRC-32 and JSON', () => {
    const framed = frameLine({ a: 'é', b: [1, 2] })
    expect(framed).toMatch(/^\d+ [0-9a-f]{8} \{"a":"é","b":\[1,2\]\}\n$/)
    expect(readLine(lineOf({ a: 'é', b: [1, 2] }))).toEqual({ _tag: 'Value', value: { a: 'é', b: [1, 2] } })
  })

  it('an empty line, or one of zero bytes only, is blank', () => {
    expect(readLine(Buffer.alloc(0))._tag).toBe('Blank')
    expect(readLine(Buffer.alloc(300))._tag).toBe('Blank')
  })

  it.prop('property: every strict prefix of a line is torn (a write cut short), also when zero-filled after', [
    fc.jsonValue({ maxDepth: 3 }),
    fc.double({ min: 0, max: 1, noNaN: true }),
    fc.integer({ min: 0, max: 64 }),
  ], ([value, cut, zeros]) => {
    const line = lineOf(value)
    const prefix = line.subarray(0, Math.min(line.length - 1, Math.floor(cut * line.length)))
    const read = readLine(Buffer.concat([prefix, Buffer.alloc(zeros)]))
    expect(read._tag).toBe(prefix.length === 0 ? 'Blank' : 'Torn')
  })

  it.prop('property: any one changed byte of a whole line is reported as damage, never read or skipped', [
    fc.jsonValue({ maxDepth: 3 }),
    fc.double({ min: 0, max: 1, noNaN: true }),
    fc.integer({ min: 1, max: 255 }),
  ], ([value, where, flip]) => {
    const line = Buffer.from(lineOf(value))
    const index = Math.min(line.length - 1, Math.floor(where * line.length))
    const original = line[index] as number
    const changed = original ^ flip
    if (changed === 0x0a) return // a newline splits the line in two: covered below
    // Zero bytes at the end of a line are the zero fill of a write cut short by a power loss:
    // torn by definition (such a write was never acknowledged: fdatasync had not returned).
    if (changed === 0 && index === line.length - 1) return
    line[index] = changed
    const read = readLine(line)
    // A changed byte may leave a header that still parses; then the checksum or length catches it.
    if (read._tag !== 'Corrupt') expect.fail(`changed byte ${index} (${original} -> ${changed}) of ${line.toString()} read as ${read._tag}`)
  })

  it('a newline inside a record splits it into a torn prefix and a damaged rest, which is reported', () => {
    const line = lineOf(record)
    const middle = Math.floor(line.length / 2)
    const { lines } = splitLines(Buffer.concat([line.subarray(0, middle), Buffer.from('\n'), line.subarray(middle + 1), Buffer.from('\n')]), 0)
    expect(lines.map(({ line: l }) => readLine(l)._tag)).toEqual(['Torn', 'Corrupt'])
  })

  it('a damaged length field that makes a whole record look short is damage, not a torn write', () => {
    const text = lineOf(record).toString()
    const [length, ...rest] = text.split(' ')
    const longer = Buffer.from([String(Number(length) + 10), ...rest].join(' '))
    expect(readLine(longer)).toMatchObject({ _tag: 'Corrupt' })
  })

  it('splitLines returns whole lines with their offsets, and how much they take', () => {
    const data = Buffer.from('ab\n\ncd\nunfinished')
    const { lines, consumed } = splitLines(data, 100)
    expect(lines.map(({ line, offset }) => [line.toString(), offset])).toEqual([
      ['ab', 100],
      ['', 103],
      ['cd', 104],
    ])
    expect(consumed).toBe(7)
  })
})

describe('records and names', () => {
  it('checkLogRecord accepts the record types and names what is wrong with others', () => {
    expect(checkLogRecord(record)).toBe(record)
    expect(checkLogRecord({ t: 'seal', id: 'w.2', prev: 'w.1', next: 2 })).toMatchObject({ t: 'seal' })
    expect(checkLogRecord({ t: 'event', id: 'w.3', prev: 'w.2', rv: 2, ms: 0, e: {} })).toMatchObject({ t: 'event' })
    expect(checkLogRecord({ t: 'retired', into: 4 })).toMatchObject({ t: 'retired' })
    expect(checkLogRecord({ t: 'put', id: 'x', prev: 'y', rv: 1, k: 'Secret', o: { metadata: {} } })).toBe('bad object record')
    expect(checkLogRecord({ t: 'frobnicate', id: 'x', prev: 'y' })).toBe('unknown record type "frobnicate"')
    expect(checkLogRecord([1])).toBe('record without id')
  })

  it('file names: generations zero-padded, temporary files recognised, everything else not ours', () => {
    expect(logFileName(1)).toBe('log.00000001')
    expect(snapshotFileName(123456789)).toBe('snapshot.123456789')
    expect(fileKind('log.00000007')).toEqual({ _tag: 'Log', generation: 7 })
    expect(fileKind('snapshot.00000002')).toEqual({ _tag: 'Snapshot', generation: 2 })
    expect(fileKind('store.json')).toEqual({ _tag: 'Store' })
    expect(fileKind(temporaryFileName('snapshot.00000002', 'ab12'))).toEqual({ _tag: 'Temporary' })
    for (const other of ['log.7', 'notes.txt', '.gitignore', 'log.00000001.bak']) expect(fileKind(other)).toEqual({ _tag: 'Other' })
  })
})
