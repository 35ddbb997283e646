/**
 * The file store's on-disk format, version 1: file names, the records of the log, and the
 * line framing that lets a reader tell a whole record from a torn one and from a damaged one.
 *
 * Every file the store writes is a sequence of lines. A line is
 *
 * ```
 * <byte length of JSON> <CRC-32 of JSON, 8 hex digits> <JSON>\n
 * ```
 *
 * JSON never contains a raw newline, so a line ends at the first `\n`. A reader classifies each
 * line as a record (length and checksum match), blank, torn (a strict prefix of a record, maybe
 * followed by zero bytes: the last write of a process killed while writing, which was never
 * acknowledged), or corrupt (anything else: damage, which is reported and never skipped).
 */
import { crc32 } from 'node:zlib'
import type { CronJob } from '../../../core/index.js'
import type { Job, Pod } from '../../../core/model/types.js'
import type { NewEvent, StoredEvent } from '../../ports/JobStore.js'

/** The format this build writes, and the newest it reads. Stored in `store.json`. */
export const FORMAT_VERSION = 1

/** Identifies a store directory; `{ "kind": STORE_KIND, "format": 1 }`. */
export const STORE_FILE = 'store.json'
/** The `kind` in `store.json`. */
export const STORE_KIND = 'job-reconciler file store'

/** The head before the first record of a new store. */
export const GENESIS = 'genesis'

/** `log.00000001`: the records of one generation, appended by every process. */
export function logFileName(generation: number): string {
  return `log.${String(generation).padStart(8, '0')}`
}

/** `snapshot.00000002`: the state at the start of that generation's log. */
export function snapshotFileName(generation: number): string {
  return `snapshot.${String(generation).padStart(8, '0')}`
}

/** A temporary file for `final`, unique to this process; never read by anyone. */
export function temporaryFileName(final: string, nonce: string): string {
  return `${final}.tmp.${process.pid}.${nonce}`
}

/** What a file name in a store directory is (or `Other`: not ours). */
export type FileKind =
  | { readonly _tag: 'Log'; readonly generation: number }
  | { readonly _tag: 'Snapshot'; readonly generation: number }
  | { readonly _tag: 'Store' }
  | { readonly _tag: 'Temporary' }
  | { readonly _tag: 'Other' }

const LOG_NAME = /^log\.(\d{8,})$/
const SNAPSHOT_NAME = /^snapshot\.(\d{8,})$/
const TEMPORARY_NAME = /\.tmp\.\d+\.[0-9a-z]+$/

/** Classifies a directory entry. */
export function fileKind(name: string): FileKind {
  if (name === STORE_FILE) return { _tag: 'Store' }
  if (TEMPORARY_NAME.test(name)) return { _tag: 'Temporary' }
  const log = LOG_NAME.exec(name)
  if (log !== null) return { _tag: 'Log', generation: Number(log[1]) }
  const snapshot = SNAPSHOT_NAME.exec(name)
  if (snapshot !== null) return { _tag: 'Snapshot', generation: Number(snapshot[1]) }
  return { _tag: 'Other' }
}

// ---------------------------------------------------------------------------------------
// Log records

/**
 * Every log record names itself (`id`, unique: the writer's random id and a counter) and the
 * record it follows (`prev`). A record is *accepted* when its `prev` is the id of the last
 * accepted record; every reader applies the same rule to the same bytes, so all processes agree
 * on one history. A record appended after someone else's (it lost the race) is skipped by all.
 */
interface Chained {
  readonly id: string
  readonly prev: string
}

/** An object created or replaced (`put`) or removed (`del`, with its last state). */
export interface ObjectRecord extends Chained {
  readonly t: 'put' | 'del'
  readonly rv: number
  readonly k: 'Job' | 'Pod' | 'CronJob'
  readonly o: Job | Pod | CronJob
}

/**
 * An event created or patched at `ms` (epoch milliseconds), as it is after the write; records
 * of older versions hold an unnamed occurrence instead, which the `EventLog` counts as they did.
 */
export interface EventRecord extends Chained {
  readonly t: 'event'
  readonly rv: number
  readonly e: StoredEvent | NewEvent
  readonly ms: number
}

/** Closes this log: the next accepted record is the first of `log.<next>`. */
export interface SealRecord extends Chained {
  readonly t: 'seal'
  readonly next: number
}

/** The only line of a compacted (retired) log file: its records live on in `snapshot.<into>`. */
export interface RetiredRecord {
  readonly t: 'retired'
  readonly into: number
}

/**
 * Closes off bytes at the end of a log that are no record and no part of one (garbage left by a
 * faulty write or a damaged disk), so that the log can go on after them. It is appended straight
 * after those bytes, on their line, so a reader sees the garbage and its fence in one piece:
 * `<garbage><fence line>`, where the fence names how many bytes it closes off and their CRC-32.
 * Nothing acknowledged is ever in them: an acknowledged record is a whole line.
 */
export interface FenceRecord {
  readonly t: 'fence'
  /**
   * Where the fenced line starts, for a fence on a line of its own: it closes off a whole line
   * there (what a writer finds of its own write when the kernel lost the start of it). Absent for
   * a fence on the line of the garbage it closes off.
   */
  readonly at?: number
  /** The number of bytes closed off, zero-padded to ten digits (the fence's length is fixed). */
  readonly length: string
  /** Their CRC-32, eight hex digits. */
  readonly crc: string
}

/** The framed fence line (with its newline) that closes off `garbage`. */
export function fenceLine(garbage: Buffer): string {
  const fence: FenceRecord = { t: 'fence', length: String(garbage.length).padStart(10, '0'), crc: hex8(crc32(garbage)) }
  return frameLine(fence)
}

/** Every fence line has this length (without its newline): its fields have fixed widths. */
const FENCE_LENGTH = fenceLine(Buffer.alloc(0)).length - 1

/**
 * Whether `line` (a whole line, without its newline) is garbage closed off by a fence at its end:
 * the fence's length and checksum match the bytes before it.
 */
export function isFencedGarbage(line: Buffer): boolean {
  if (line.length <= FENCE_LENGTH) return false
  const garbage = line.subarray(0, line.length - FENCE_LENGTH)
  const read = readLine(line.subarray(line.length - FENCE_LENGTH))
  if (read._tag !== 'Value') return false
  const fence = read.value as Partial<FenceRecord>
  return fence.t === 'fence' && fence.length === String(garbage.length).padStart(10, '0') && fence.crc === hex8(crc32(garbage))
}

/** A fence on a line of its own (with the newline that starts it) that closes off the whole line `garbage` at `at`. */
export function fenceLineAt(at: number, garbage: Buffer): string {
  const fence: FenceRecord = { t: 'fence', at, length: String(garbage.length).padStart(10, '0'), crc: hex8(crc32(garbage)) }
  return `\n${frameLine(fence)}`
}

const FENCE_TAG = Buffer.from('"t":"fence"')

/** Whether `candidate` (a whole line) is a fence of the whole line `garbage` at `at`. */
export function isFenceOf(candidate: Buffer, at: number, garbage: Buffer): boolean {
  if (candidate.indexOf(FENCE_TAG) < 0) return false
  const read = readLine(candidate)
  if (read._tag !== 'Value') return false
  const fence = read.value as Partial<FenceRecord>
  return fence.t === 'fence' && fence.at === at && fence.length === String(garbage.length).padStart(10, '0') && fence.crc === hex8(crc32(garbage))
}

/** A record of a log (the retired marker aside). */
export type LogRecord = ObjectRecord | EventRecord | SealRecord

/** The resourceVersion a record takes, if it takes one. */
export function versionOf(record: LogRecord): number | undefined {
  return record.t === 'seal' ? undefined : record.rv
}

// ---------------------------------------------------------------------------------------
// Snapshot lines

/** The first line of a snapshot. */
export interface SnapshotHeader {
  readonly t: 'snapshot'
  readonly format: number
  readonly generation: number
  /** The store's resourceVersion at the seal. */
  readonly rv: number
  /** The id of the accepted seal: the `prev` of the first record of `log.<generation>`. */
  readonly head: string
}

/** A line of a snapshot: the header, one object or event each, and the closing count. */
export type SnapshotLine =
  | SnapshotHeader
  | { readonly t: 'job'; readonly o: Job }
  | { readonly t: 'pod'; readonly o: Pod }
  | { readonly t: 'cronjob'; readonly o: CronJob }
  | { readonly t: 'ev'; readonly e: StoredEvent; readonly ms: number }
  /** The last line: how many lines came before it (a snapshot without it is incomplete). */
  | { readonly t: 'end'; readonly lines: number }

// ---------------------------------------------------------------------------------------
// Framing

/** One framed line for a JSON value, with its newline. */
export function frameLine(value: unknown): string {
  const json = JSON.stringify(value)
  return `${Buffer.byteLength(json)} ${hex8(crc32(json))} ${json}\n`
}

function hex8(n: number): string {
  return n.toString(16).padStart(8, '0')
}

/** What a line (without its `\n`) turned out to be. */
export type Line =
  | { readonly _tag: 'Value'; readonly value: unknown }
  | { readonly _tag: 'Blank' }
  | { readonly _tag: 'Torn' }
  | { readonly _tag: 'Corrupt'; readonly reason: string }

const SPACE = 0x20
const ZERO = 0x30
const NINE = 0x39
/** Longest header: 10 digits, space, 8 hex digits, space. */
const MAX_HEADER = 20

/** Classifies one line (the bytes between two newlines). */
export function readLine(line: Buffer): Line {
  let end = line.length
  while (end > 0 && line[end - 1] === 0) end-- // zero fill after a power loss: part of a torn write
  if (end === 0) return { _tag: 'Blank' }
  const bytes = end === line.length ? line : line.subarray(0, end)
  // Length: decimal digits up to the first space.
  let i = 0
  let length = 0
  while (i < bytes.length && i <= 10 && (bytes[i] as number) >= ZERO && (bytes[i] as number) <= NINE) {
    length = length * 10 + ((bytes[i] as number) - ZERO)
    i++
  }
  if (i === bytes.length) return i > 0 && i <= 10 ? { _tag: 'Torn' } : corrupt('no header')
  if (i === 0 || i > 10 || bytes[i] !== SPACE) return corrupt('bad length field')
  const crcStart = i + 1
  let j = crcStart
  while (j < bytes.length && j < crcStart + 8 && isHex(bytes[j] as number)) j++
  if (j === bytes.length) return j - crcStart < 8 || bytes.length < MAX_HEADER ? { _tag: 'Torn' } : corrupt('bad checksum field')
  if (j - crcStart !== 8 || bytes[j] !== SPACE) return corrupt('bad checksum field')
  const body = bytes.subarray(j + 1)
  const expected = Number.parseInt(bytes.toString('latin1', crcStart, j), 16)
  if (body.length < length) {
    // A torn body is a prefix of the JSON; one that still matches its checksum is whole, and
    // it is the length field that was damaged.
    return crc32(body) === expected ? corrupt(`length field says ${length}, the record has ${body.length}`) : { _tag: 'Torn' }
  }
  if (body.length > length) return corrupt(`length ${body.length} where ${length} was written`)
  if (crc32(body) !== expected) return corrupt('checksum mismatch')
  try {
    return { _tag: 'Value', value: JSON.parse(body.toString('utf8')) as unknown }
  } catch {
    return corrupt('not JSON')
  }
}

function isHex(c: number): boolean {
  return (c >= ZERO && c <= NINE) || (c >= 0x61 && c <= 0x66)
}

function corrupt(reason: string): Line {
  return { _tag: 'Corrupt', reason }
}

/** Checks that a decoded log line is a record this format knows; the reason when it is not. */
export function checkLogRecord(value: unknown): LogRecord | RetiredRecord | FenceRecord | string {
  if (typeof value !== 'object' || value === null) return 'not an object'
  const r = value as Record<string, unknown>
  if (r['t'] === 'retired') return typeof r['into'] === 'number' ? (value as RetiredRecord) : 'bad retired marker'
  // A fence on a line of its own closes nothing off: another writer fenced the same bytes first.
  if (r['t'] === 'fence') return typeof r['length'] === 'string' && typeof r['crc'] === 'string' ? (value as FenceRecord) : 'bad fence'
  if (typeof r['id'] !== 'string' || typeof r['prev'] !== 'string') return 'record without id'
  switch (r['t']) {
    case 'put':
    case 'del':
      return typeof r['rv'] === 'number' && (r['k'] === 'Job' || r['k'] === 'Pod' || r['k'] === 'CronJob') && isObjectWithMetadata(r['o'])
        ? (value as ObjectRecord)
        : 'bad object record'
    case 'event':
      return typeof r['rv'] === 'number' && typeof r['ms'] === 'number' && typeof r['e'] === 'object' && r['e'] !== null
        ? (value as EventRecord)
        : 'bad event record'
    case 'seal':
      return typeof r['next'] === 'number' ? (value as SealRecord) : 'bad seal record'
    default:
      return `unknown record type ${JSON.stringify(r['t'])}`
  }
}

function isObjectWithMetadata(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false
  const metadata = (value as { readonly metadata?: unknown }).metadata
  return typeof metadata === 'object' && metadata !== null
}

/**
 * Splits `buffer` at newlines. Returns each complete line with the file offset it starts at,
 * and how many bytes those lines (with their newlines) take; the rest is an unfinished line.
 */
export function splitLines(buffer: Buffer, baseOffset: number): { readonly lines: Array<{ readonly line: Buffer; readonly offset: number }>; readonly consumed: number } {
  const lines: Array<{ readonly line: Buffer; readonly offset: number }> = []
  let start = 0
  for (;;) {
    const newline = buffer.indexOf(0x0a, start)
    if (newline < 0) break
    lines.push({ line: buffer.subarray(start, newline), offset: baseOffset + start })
    start = newline + 1
  }
  return { lines, consumed: start }
}
