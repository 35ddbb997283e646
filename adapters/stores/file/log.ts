/**
 * The shared log: one append-only file per generation that every process appends to and reads.
 *
 * Appends need no lock. Each record carries `prev`, the id of the record its writer saw last;
 * readers accept a record only when `prev` is the id of the last accepted one, so the first
 * record appended after X wins and every other record that also followed X is skipped, by
 * every reader alike (a compare-and-swap on the log's head). A writer knows it won by reading
 * back what it appended. Appends use `O_APPEND`, which on a local file system places each
 * `write` whole at the end of the file, after every write that returned before it.
 *
 * Why no lock: a lock file outlives a process killed while holding it, and telling a dead
 * holder from a slow one needs timeouts (seconds of stalled writes after every crash) or a
 * check-then-break step with its own race. Here nothing is held: a process killed at any
 * instant leaves at most one torn line at the end of its last write, which was never
 * acknowledged and which every reader recognises and skips (the next writer starts its write
 * with a newline, so a torn line never swallows a whole record).
 *
 * Writes that fail part-way. `fs.writeSync` (libuv) writes the rest of a short `write(2)` at once,
 * in a second `write(2)`, and another process's append may land between the two. Then the first
 * part is a torn line, and the rest starts a line of its own that is no record: a reader joins it
 * to a torn line it saw before, and when the two make one whole record (length and CRC-32 match)
 * it knows the rest for what it is and skips both (such a split record is accepted by nobody). A
 * write whose rest failed (disk full, file size limit) leaves only a torn line, like a crash; it
 * is reported to the caller, never retried as if it had lost a race. An unfinished last line that
 * is a whole record is read (only its newline is missing: the next append starts with one); one
 * that is no record and no part of one is fenced off by the next writer (see `FenceRecord`).
 * When the start of a write never reached the file (a `write(2)` that reported bytes it did not
 * write), its writer finds the rest of its own line there as damage, and fences that line off
 * with a fence of its own; readers skip a damaged line only when such a fence names it.
 *
 * A log is closed by a `seal` record (accepted like any other); the next one, created before
 * the seal was appended, continues the chain. That is how compaction switches files without
 * stopping writers.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import type { ReadOnlyReason } from './faults.js'
import { corruptFile, FellBehind, FileStoreFault, ioFault, readOnlyReason, readOnlyStore, shortWrite, syncFault, vanishedWrite } from './faults.js'
import type { LogRecord } from './format.js'
import { checkLogRecord, fenceLine, fenceLineAt, isFenceOf, isFencedGarbage, logFileName, readLine, splitLines, versionOf } from './format.js'
import { errnoOf, logCalls, openForAppend, openLogForRead, readAt } from './fsync.js'

/** Reads are done in chunks of this size (a longer line makes the chunk grow). */
const READ_CHUNK = 8 << 20

/** How many torn lines a reader remembers to recognise the rest of a split write by. */
const REMEMBERED_FRAGMENTS = 8

/** How many times a fence is written before it is left to the next `catchUp`. */
const FENCE_ATTEMPTS = 3

/** How many times an interrupted `write` (EINTR, EAGAIN: nothing written) is tried again. */
const INTERRUPTED_WRITE_ATTEMPTS = 100

/** Where a reader stands: the log it is in, and the last accepted record. */
export interface LogPosition {
  readonly generation: number
  /** The id of the last accepted record (or of the seal before this log, or `genesis`). */
  readonly head: string
  /** The resourceVersion of the last accepted record that took one. */
  readonly rv: number
}

/** The unfinished last line of the log, after the last whole line read. */
type Tail =
  | { readonly _tag: 'Clean' }
  /** A prefix of a record: a write in progress, or one cut short (killed, failed). */
  | { readonly _tag: 'Torn'; readonly offset: number; readonly bytes: Buffer }
  /** Bytes that are no record and no part of one: fenced off by the next append. */
  | { readonly _tag: 'Garbage'; readonly offset: number; readonly bytes: Buffer }

const CLEAN: Tail = { _tag: 'Clean' }

/** What became of an append. */
export type AppendOutcome =
  /** Accepted: `onAccept` saw each record. */
  | { readonly _tag: 'Won' }
  /** Someone appended first: the outcome is known after `catchUp`. */
  | { readonly _tag: 'Lost' }
  /** The write failed; a part of it may be in the log (`catchUp` tells which records won). */
  | { readonly _tag: 'Failed'; readonly fault: FileStoreFault }

/** How a log is opened. */
export interface LogOptions {
  /** The store can only be read (read-only mount, no write permission): never opened for writing. */
  readonly readOnly?: ReadOnlyReason
  /** Reports one line about something repaired (a torn or garbage tail closed off). */
  readonly warn?: (line: string) => void
}

/** One process's handle on the shared log. Synchronous; not shared between processes. */
export class SharedLog {
  private fd: number
  private file: string
  private generationValue: number
  /** Bytes of whole lines read from the current file (and of a whole last record without its newline). */
  private offset = 0
  private headValue: string
  private rvValue: number
  /**
   * Something was appended, or read, since the last `sync`: answers given from here on may
   * depend on it, so `sync` makes it durable first (another process's records included: a
   * writer may be killed between its append and its fsync).
   */
  private dirty = false
  private tail: Tail = CLEAN
  /** Recent torn lines of this log: the rest of a split write is joined to one of them. */
  private fragments: Buffer[] = []
  /** Offsets of lines skipped as torn or fenced off, noted while `closeOffTail` looks. */
  private skipped: Set<number> | undefined
  /** Lines this process found of its own writes whose start never reached the file, not fenced off yet. */
  private unfenced: Array<{ readonly offset: number; readonly line: Buffer }> = []
  private readOnlyValue: ReadOnlyReason | undefined
  private readonly warn: (line: string) => void

  constructor(
    readonly dir: string,
    position: LogPosition,
    options: LogOptions = {},
  ) {
    this.generationValue = position.generation
    this.headValue = position.head
    this.rvValue = position.rv
    this.readOnlyValue = options.readOnly
    this.warn = options.warn ?? (() => undefined)
    this.file = path.join(dir, logFileName(position.generation))
    this.fd = this.openLog(this.file)
  }

  /** The generation of the log being read (and appended to). */
  get generation(): number {
    return this.generationValue
  }
  /** The id of the last accepted record: what the next record must name as `prev`. */
  get head(): string {
    return this.headValue
  }
  /** The store's resourceVersion: that of the last accepted record that took one. */
  get rv(): number {
    return this.rvValue
  }
  /** Bytes of the current log read so far. */
  get size(): number {
    return this.offset
  }
  /** Why this log cannot be written, if it cannot. */
  get readOnly(): ReadOnlyReason | undefined {
    return this.readOnlyValue
  }

  /**
   * Reads everything appended since the last call, calling `onAccept` for each accepted record
   * in order, and follows seals into the next log. Throws a `FileStoreFault` for damage and
   * `FellBehind` when the next log was retired before this process got to it.
   */
  catchUp(onAccept: (record: LogRecord) => void): void {
    if (this.unfenced.length > 0) this.writeFences()
    let chunk = READ_CHUNK
    for (;;) {
      const size = this.stat().size
      if (size <= this.offset) {
        if (size < this.offset) throw corruptFile(this.file, size, `the log is shorter than the ${this.offset} bytes read before: it was cut`)
        this.tail = CLEAN
        return
      }
      const length = Math.min(size - this.offset, chunk)
      const data = this.read(this.offset, length)
      const { lines, consumed } = splitLines(data, this.offset)
      if (consumed === 0) {
        if (length === size - this.offset) {
          this.readTail(data, onAccept)
          return
        }
        chunk *= 2 // a line longer than the chunk
        continue
      }
      chunk = READ_CHUNK
      const generation = this.generationValue
      for (let index = 0; index < lines.length; index++) {
        const { line, offset } = lines[index] as { readonly line: Buffer; readonly offset: number }
        const record = this.recordOf(line, offset, () => this.fencedLater(line, offset, lines.slice(index + 1)))
        this.offset = offset + line.length + 1
        this.dirty = true
        // A record whose `prev` is not the head lost the race.
        if (record === undefined || record.prev !== this.headValue) continue
        this.accept(record, offset, onAccept)
        if (this.generationValue !== generation) break // sealed: go on in the next log
      }
    }
  }

  /**
   * Appends `data` (records chained from `head`, starting with a newline) in one `write`, and
   * checks whether they won. A garbage tail is fenced off in the same `write`.
   */
  append(data: Buffer, records: ReadonlyArray<LogRecord>, onAccept: (record: LogRecord) => void): AppendOutcome {
    if (this.readOnlyValue !== undefined) return { _tag: 'Failed', fault: readOnlyStore(this.dir, this.readOnlyValue) }
    const tail = this.tail
    const fence = tail._tag === 'Garbage' ? Buffer.from(fenceLine(tail.bytes)) : undefined
    const bytes = fence === undefined ? data : Buffer.concat([fence, data])
    const start = tail._tag === 'Clean' ? this.offset : tail.offset + tail.bytes.length
    let written: number
    try {
      written = this.write(bytes)
    } catch (error) {
      return { _tag: 'Failed', fault: ioFault('append to', this.file, error) }
    }
    this.dirty = true
    // The rest of a short write was tried at once (libuv) and failed: what is there is a torn
    // line (or whole records and a torn one), which the next append closes off.
    if (written !== bytes.length) return { _tag: 'Failed', fault: shortWrite(this.file, written, bytes.length) }
    const back = this.read(start, bytes.length)
    if (!back.equals(bytes)) {
      const size = this.stat().size
      this.fenceOwnRemnants(start, bytes)
      // Had it all been written, the file would hold it and whatever came before: the write
      // reported bytes it did not write. Failed, not a lost race (trying again would not help).
      if (size < start + bytes.length) return { _tag: 'Failed', fault: vanishedWrite(this.file, bytes.length) }
      return { _tag: 'Lost' }
    }
    if (tail._tag === 'Torn') this.remember(tail.bytes)
    if (tail._tag === 'Garbage') this.warn(garbageWarning(this.file, tail.offset, tail.bytes.length))
    this.offset = start + bytes.length
    this.tail = CLEAN
    for (const record of records) this.accept(record, start, onAccept)
    return { _tag: 'Won' }
  }

  /**
   * Closes off an unfinished last line that is no whole record, left by a writer that was killed
   * or whose write failed: a newline after a torn record, a fence after garbage. Returns a
   * warning line when something was closed off (a write in progress that completes meanwhile is
   * left as it is). Best effort: a failure here leaves the tail to the next append.
   */
  closeOffTail(onAccept: (record: LogRecord) => void): string | undefined {
    const tail = this.tail
    if (tail._tag === 'Clean' || this.readOnlyValue !== undefined) return undefined
    const bytes = Buffer.from(tail._tag === 'Garbage' ? fenceLine(tail.bytes) : '\n')
    try {
      if (this.write(bytes) !== bytes.length) return undefined
    } catch {
      return undefined
    }
    this.dirty = true
    this.skipped = new Set()
    try {
      this.catchUp(onAccept)
      if (!this.skipped.has(tail.offset)) return undefined
    } finally {
      this.skipped = undefined
    }
    return tail._tag === 'Garbage'
      ? garbageWarning(this.file, tail.offset, tail.bytes.length)
      : `file store ${this.file}: a record cut short at byte ${tail.offset} (${tail.bytes.length} bytes: a writer killed or a write that failed) was closed off and skipped; it had not been acknowledged`
  }

  /** Makes what this process appended or read so far durable (`fdatasync`). */
  sync(): void {
    if (!this.dirty || this.readOnlyValue !== undefined) return
    try {
      logCalls.fdatasync(this.fd)
    } catch (error) {
      throw syncFault(this.file, error)
    }
    this.dirty = false
  }

  /** Closes the descriptor (nothing is pending: appends are synchronous). */
  close(): void {
    try {
      logCalls.close(this.fd)
    } catch {
      // closed already
    }
  }

  /** What a whole line holds: a record to consider, or nothing (blank, torn, fenced off). Throws for damage. */
  private recordOf(line: Buffer, offset: number, fencedLater: () => boolean = () => false): LogRecord | undefined {
    const read = readLine(line)
    switch (read._tag) {
      case 'Blank':
        return undefined
      case 'Torn':
        this.remember(line)
        this.skipped?.add(offset)
        return undefined
      case 'Corrupt':
        if (isFencedGarbage(line)) {
          this.skipped?.add(offset)
          return undefined
        }
        if (this.joinsFragment(line)) return undefined
        if (fencedLater()) {
          this.skipped?.add(offset)
          return undefined
        }
        throw corruptFile(this.file, offset, read.reason)
      case 'Value': {
        const record = checkLogRecord(read.value)
        if (typeof record === 'string') throw corruptFile(this.file, offset, record)
        if (record.t === 'retired') {
          if (offset === 0) throw new FellBehind(`${this.file} was compacted into snapshot ${record.into}`)
          throw corruptFile(this.file, offset, 'retired marker inside a log')
        }
        // A fence on a line of its own closes nothing off (another writer fenced the same bytes).
        return record.t === 'fence' ? undefined : record
      }
    }
  }

  /** The unfinished last line: a whole record missing only its newline is read; the rest is remembered as the tail. */
  private readTail(line: Buffer, onAccept: (record: LogRecord) => void): void {
    const offset = this.offset
    const read = readLine(line)
    if (read._tag === 'Value') {
      const record = this.recordOf(line, offset)
      this.offset = offset + line.length
      this.dirty = true
      this.tail = CLEAN
      if (record !== undefined && record.prev === this.headValue) {
        const generation = this.generationValue
        this.accept(record, offset, onAccept)
        if (this.generationValue !== generation) this.catchUp(onAccept)
      }
      return
    }
    const bytes = Buffer.from(line)
    const partOfARecord = read._tag !== 'Corrupt' || this.fragments.some((fragment) => readLine(Buffer.concat([fragment, line]))._tag !== 'Corrupt')
    this.tail = { _tag: partOfARecord ? 'Torn' : 'Garbage', offset, bytes }
  }

  /**
   * Whether a fence later in the log names the damaged `line` at `offset` (its writer found it
   * was its own: the start of the write never reached the file). Looks at the lines after it in
   * this chunk, then once more at everything up to the end of the file (the fence follows soon).
   */
  private fencedLater(line: Buffer, offset: number, following: ReadonlyArray<{ readonly line: Buffer }>): boolean {
    if (following.some((next) => isFenceOf(next.line, offset, line))) return true
    const after = offset + line.length + 1
    const size = this.stat().size
    if (size <= after) return false
    const rest = splitLines(this.read(after, Math.min(size - after, READ_CHUNK)), after).lines
    return rest.some((next) => isFenceOf(next.line, offset, line))
  }

  /**
   * After an append that did not read back as written: a line in the log that is the end of one
   * of this append's lines but not the whole of it is what the kernel kept of it (it reported
   * bytes written that it did not write). It is fenced off, so that it reads as no damage.
   */
  private fenceOwnRemnants(start: number, bytes: Buffer): void {
    const own = splitLines(bytes, 0).lines.map(({ line }) => line).filter((line) => line.length > 0)
    let size: number
    try {
      size = this.stat().size
    } catch {
      return
    }
    if (size <= start) return
    const { lines } = splitLines(this.read(start, Math.min(size - start, READ_CHUNK)), start)
    for (const { line, offset } of lines) {
      if (line.length === 0 || readLine(line)._tag !== 'Corrupt') continue
      if (!own.some((mine) => mine.length > line.length && mine.subarray(mine.length - line.length).equals(line))) continue
      this.unfenced.push({ offset, line: Buffer.from(line) })
    }
    this.writeFences()
  }

  /**
   * Writes the fences of this process's remnants (a few tries each; those that still fail are
   * tried again at the next `catchUp`: until then readers report the line as damage).
   */
  private writeFences(): void {
    const pending = this.unfenced
    this.unfenced = []
    for (const remnant of pending) {
      const fence = Buffer.from(fenceLineAt(remnant.offset, remnant.line))
      let written = false
      for (let attempt = 0; attempt < FENCE_ATTEMPTS && !written; attempt++) {
        try {
          // Read back too: the write that lost the start of this one may lose the fence as well.
          written = this.write(fence) === fence.length && this.fencedLater(remnant.line, remnant.offset, [])
        } catch {
          written = false
        }
      }
      if (!written) {
        this.unfenced.push(remnant)
        continue
      }
      // Durable at once: the remnant may reach the disk without its fence otherwise.
      this.dirty = true
      try {
        this.sync()
      } catch {
        this.dirty = true // the next sync makes both durable
      }
      this.warn(
        `file store ${this.file}: the start of a write at byte ${remnant.offset} never reached the file (the write reported bytes it had not written); the ${remnant.line.length} bytes that did were fenced off and skipped`,
      )
    }
  }

  /** Whether `line` is the rest of a split write: with a torn line seen before, it makes one whole record. */
  private joinsFragment(line: Buffer): boolean {
    for (let i = this.fragments.length - 1; i >= 0; i--) {
      if (readLine(Buffer.concat([this.fragments[i] as Buffer, line]))._tag === 'Value') {
        this.fragments.splice(i, 1)
        return true
      }
    }
    return false
  }

  private remember(torn: Buffer): void {
    this.fragments.push(Buffer.from(torn))
    if (this.fragments.length > REMEMBERED_FRAGMENTS) this.fragments.shift()
  }

  private accept(record: LogRecord, offset: number, onAccept: (record: LogRecord) => void): void {
    const rv = versionOf(record)
    if (rv !== undefined) {
      if (rv !== this.rvValue + 1) throw corruptFile(this.file, offset, `resourceVersion ${rv} after ${this.rvValue}`)
      this.rvValue = rv
    }
    this.headValue = record.id
    onAccept(record)
    if (record.t === 'seal') this.switchTo(record.next)
  }

  private switchTo(next: number): void {
    // The sealed log is made durable before anything is appended to the next one, whoever
    // wrote the seal: records there follow the seal, and must never outlive it in a power loss.
    this.dirty = true
    this.sync()
    const file = path.join(this.dir, logFileName(next))
    const fd = this.openLog(file)
    this.close()
    this.fd = fd
    this.file = file
    this.generationValue = next
    this.offset = 0
    this.tail = CLEAN
    this.fragments = []
    this.unfenced = [] // remnants in a sealed log: readers never read past the seal
  }

  /** One `fs.writeSync` of all of `bytes`; an interrupted one (nothing written) is tried again. */
  private write(bytes: Buffer): number {
    for (let attempt = 1; ; attempt++) {
      try {
        return logCalls.write(this.fd, bytes, 0, bytes.length)
      } catch (error) {
        const code = errnoOf(error)
        if ((code !== 'EINTR' && code !== 'EAGAIN') || attempt >= INTERRUPTED_WRITE_ATTEMPTS) throw error
      }
    }
  }

  private stat(): fs.Stats {
    try {
      return logCalls.fstat(this.fd)
    } catch (error) {
      throw ioFault('read', this.file, error)
    }
  }

  private read(position: number, length: number): Buffer {
    try {
      return readAt(this.fd, position, length, logCalls)
    } catch (error) {
      throw ioFault('read', this.file, error)
    }
  }

  /** Opens a log for appending, or for reading only when the store (or this file) cannot be written. */
  private openLog(file: string): number {
    try {
      if (this.readOnlyValue === undefined) {
        try {
          return openForAppend(file)
        } catch (error) {
          const reason = readOnlyReason(error)
          if (reason === undefined) throw error
          this.readOnlyValue = reason
        }
      }
      return openLogForRead(file)
    } catch (error) {
      throw ioFault('open', file, error)
    }
  }
}

function garbageWarning(file: string, offset: number, length: number): string {
  return `file store ${file}: ${length} bytes at byte ${offset}, after the last record, were no record and no part of one; they were fenced off and skipped (nothing acknowledged was in them)`
}
