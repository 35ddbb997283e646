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
 * A log is closed by a `seal` record (accepted like any other); the next one, created before
 * the seal was appended, continues the chain. That is how compaction switches files without
 * stopping writers.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import { corruptFile, FellBehind, ioFault } from './faults.js'
import type { LogRecord } from './format.js'
import { checkLogRecord, logFileName, readLine, splitLines, versionOf } from './format.js'
import { openForAppend, readAt } from './fsync.js'

/** Reads are done in chunks of this size (a longer line makes the chunk grow). */
const READ_CHUNK = 8 << 20

/** Where a reader stands: the log it is in, and the last accepted record. */
export interface LogPosition {
  readonly generation: number
  /** The id of the last accepted record (or of the seal before this log, or `genesis`). */
  readonly head: string
  /** The resourceVersion of the last accepted record that took one. */
  readonly rv: number
}

/** One process's handle on the shared log. Synchronous; not shared between processes. */
export class SharedLog {
  private fd: number
  private file: string
  private generationValue: number
  /** Bytes of whole lines read from the current file. */
  private offset = 0
  private headValue: string
  private rvValue: number
  /**
   * Something was appended, or read, since the last `sync`: answers given from here on may
   * depend on it, so `sync` makes it durable first (another process's records included: a
   * writer may be killed between its append and its fsync).
   */
  private dirty = false

  constructor(
    readonly dir: string,
    position: LogPosition,
  ) {
    this.generationValue = position.generation
    this.headValue = position.head
    this.rvValue = position.rv
    this.file = path.join(dir, logFileName(position.generation))
    this.fd = openLog(this.file)
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

  /**
   * Reads everything appended since the last call, calling `onAccept` for each accepted record
   * in order, and follows seals into the next log. Throws a `FileStoreFault` for damage and
   * `FellBehind` when the next log was retired before this process got to it.
   */
  catchUp(onAccept: (record: LogRecord) => void): void {
    let chunk = READ_CHUNK
    for (;;) {
      const size = this.stat().size
      if (size <= this.offset) return
      const length = Math.min(size - this.offset, chunk)
      const data = this.read(this.offset, length)
      const { lines, consumed } = splitLines(data, this.offset)
      if (consumed === 0) {
        if (length === size - this.offset) return // an unfinished line: someone is writing it
        chunk *= 2 // a line longer than the chunk
        continue
      }
      chunk = READ_CHUNK
      const generation = this.generationValue
      for (const { line, offset } of lines) {
        const read = readLine(line)
        if (read._tag === 'Corrupt') throw corruptFile(this.file, offset, read.reason)
        const record = read._tag === 'Value' ? checkLogRecord(read.value) : undefined
        if (typeof record === 'string') throw corruptFile(this.file, offset, record)
        if (record?.t === 'retired') {
          if (offset === 0) throw new FellBehind(`${this.file} was compacted into snapshot ${record.into}`)
          throw corruptFile(this.file, offset, 'retired marker inside a log')
        }
        this.offset = offset + line.length + 1
        this.dirty = true
        // Blank and torn lines carry nothing; a record whose `prev` is not the head lost the race.
        if (record === undefined || record.prev !== this.headValue) continue
        this.accept(record, offset, onAccept)
        if (this.generationValue !== generation) break // sealed: go on in the next log
      }
    }
  }

  /**
   * Appends `data` (records chained from `head`, starting with a newline) in one `write`, and
   * checks whether they won. `true`: they were accepted and `onAccept` saw each of them.
   * `false`: the outcome is known only after `catchUp` (someone appended first, or the write
   * was cut short); the caller catches up and looks for its records.
   */
  append(data: Buffer, records: ReadonlyArray<LogRecord>, onAccept: (record: LogRecord) => void): boolean {
    const start = this.offset
    let written: number
    try {
      written = fs.writeSync(this.fd, data, 0, data.length)
    } catch (error) {
      throw ioFault('append to', this.file, error)
    }
    this.dirty = true
    // Never write the rest of a short write: it would land after other processes' records and
    // read as damage. The cut-off line is torn, like a crash's, and the records are retried.
    if (written !== data.length) return false
    const back = this.read(start, data.length)
    if (!back.equals(data)) return false
    this.offset = start + data.length
    for (const record of records) this.accept(record, start, onAccept)
    return true
  }

  /** Makes what this process appended or read so far durable (`fdatasync`). */
  sync(): void {
    if (!this.dirty) return
    try {
      fs.fdatasyncSync(this.fd)
    } catch (error) {
      throw ioFault('sync', this.file, error)
    }
    this.dirty = false
  }

  /** Closes the descriptor (nothing is pending: appends are synchronous). */
  close(): void {
    try {
      fs.closeSync(this.fd)
    } catch {
      // closed already
    }
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
    const fd = openLog(file)
    this.close()
    this.fd = fd
    this.file = file
    this.generationValue = next
    this.offset = 0
  }

  private stat(): fs.Stats {
    try {
      return fs.fstatSync(this.fd)
    } catch (error) {
      throw ioFault('read', this.file, error)
    }
  }

  private read(position: number, length: number): Buffer {
    try {
      return readAt(this.fd, position, length)
    } catch (error) {
      throw ioFault('read', this.file, error)
    }
  }
}

function openLog(file: string): number {
  try {
    return openForAppend(file)
  } catch (error) {
    throw ioFault('open', file, error)
  }
}
