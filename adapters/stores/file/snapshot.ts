/**
 * Snapshots and retired logs: what compaction leaves behind.
 *
 * `snapshot.<g>` holds the whole state at the seal that closed `log.<g-1>`: Jobs, Pods,
 * CronJobs and events, in list order, framed line by line and closed by an `end` line that counts them. It
 * is written under a temporary name, fsynced, renamed into place and the directory fsynced, so
 * under its final name it is always complete; a snapshot that does not read back whole is
 * damage, and opening fails naming it.
 *
 * A compacted log is *retired*: replaced (atomically, by rename) by a one-line file that points
 * to the snapshot holding its records. Log names are never freed, so a process that was paused
 * for a long time can never recreate an old log and append to it unseen: it finds the marker,
 * and reloads from the snapshot instead.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import type { CronJob } from '../../../core/index.js'
import type { Job, Pod } from '../../../core/model/types.js'
import type { StoredEvent } from '../../ports/JobStore.js'
import { corruptFile, ioFault } from './faults.js'
import type { SnapshotHeader, SnapshotLine } from './format.js'
import { FORMAT_VERSION, frameLine, logFileName, readLine, snapshotFileName, splitLines } from './format.js'
import { openForRead, readAt, writeAll, writeDurably } from './fsync.js'

/** The state a snapshot holds. */
export interface SnapshotContent {
  readonly generation: number
  readonly rv: number
  readonly head: string
  readonly jobs: ReadonlyArray<Job>
  readonly pods: ReadonlyArray<Pod>
  /** Absent in snapshots written before CronJobs were stored (read as none). */
  readonly cronJobs?: ReadonlyArray<CronJob>
  readonly events: ReadonlyArray<{ readonly event: StoredEvent; readonly lastMs: number }>
}

/** How many bytes of lines are gathered before one `write`. */
const CHUNK = 1 << 20

/** Writes `snapshot.<generation>` durably and atomically. */
export function writeSnapshot(dir: string, content: SnapshotContent): void {
  const name = snapshotFileName(content.generation)
  try {
    writeDurably(
      dir,
      name,
      (fd) => {
        let pending: string[] = []
        let size = 0
        let lines = 0
        const add = (line: SnapshotLine): void => {
          const framed = frameLine(line)
          pending.push(framed)
          size += framed.length
          lines++
          if (size >= CHUNK) {
            writeAll(fd, pending.join(''))
            pending = []
            size = 0
          }
        }
        const header: SnapshotHeader = { t: 'snapshot', format: FORMAT_VERSION, generation: content.generation, rv: content.rv, head: content.head }
        add(header)
        for (const o of content.jobs) add({ t: 'job', o })
        for (const o of content.pods) add({ t: 'pod', o })
        for (const o of content.cronJobs ?? []) add({ t: 'cronjob', o })
        for (const { event, lastMs } of content.events) add({ t: 'ev', e: event, ms: lastMs })
        add({ t: 'end', lines })
        writeAll(fd, pending.join(''))
      },
      (temporary, target) => fs.renameSync(temporary, target),
    )
  } catch (error) {
    throw ioFault('write snapshot', path.join(dir, name), error)
  }
}

/** Reads and checks `snapshot.<generation>`; `undefined` when it is gone (compacted meanwhile). */
export function readSnapshot(dir: string, generation: number): SnapshotContent | undefined {
  const file = path.join(dir, snapshotFileName(generation))
  let data: Buffer
  try {
    const fd = openForRead(file)
    try {
      data = readAt(fd, 0, fs.fstatSync(fd).size)
    } finally {
      fs.closeSync(fd)
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw ioFault('read snapshot', file, error)
  }
  const { lines, consumed } = splitLines(data, 0)
  if (consumed !== data.length) throw corruptFile(file, consumed, 'incomplete last line')
  const jobs: Job[] = []
  const pods: Pod[] = []
  const cronJobs: CronJob[] = []
  const events: Array<{ readonly event: StoredEvent; readonly lastMs: number }> = []
  let header: SnapshotHeader | undefined
  let ended = false
  for (let index = 0; index < lines.length; index++) {
    const { line, offset } = lines[index] as { readonly line: Buffer; readonly offset: number }
    const read = readLine(line)
    if (read._tag !== 'Value') throw corruptFile(file, offset, read._tag === 'Corrupt' ? read.reason : `${read._tag.toLowerCase()} line`)
    const value = read.value as SnapshotLine
    if (ended) throw corruptFile(file, offset, 'data after the end line')
    if (index === 0) {
      if (value.t !== 'snapshot' || value.generation !== generation || typeof value.rv !== 'number' || typeof value.head !== 'string') {
        throw corruptFile(file, offset, 'bad header')
      }
      if (value.format !== FORMAT_VERSION) throw corruptFile(file, offset, `format ${String(value.format)}`)
      header = value
      continue
    }
    switch (value.t) {
      case 'job':
        jobs.push(value.o)
        break
      case 'pod':
        pods.push(value.o)
        break
      case 'cronjob':
        cronJobs.push(value.o)
        break
      case 'ev':
        events.push({ event: value.e, lastMs: value.ms })
        break
      case 'end':
        if (value.lines !== index) throw corruptFile(file, offset, `end line counts ${value.lines} lines, found ${index}`)
        ended = true
        break
      default:
        throw corruptFile(file, offset, 'unknown line')
    }
  }
  if (header === undefined || !ended) throw corruptFile(file, data.length, 'incomplete (no end line)')
  return { generation, rv: header.rv, head: header.head, jobs, pods, cronJobs, events }
}

/** Replaces `log.<generation>` by a marker that points to `snapshot.<into>`. */
export function retireLog(dir: string, generation: number, into: number): void {
  const name = logFileName(generation)
  try {
    writeDurably(
      dir,
      name,
      (fd) => writeAll(fd, frameLine({ t: 'retired', into })),
      (temporary, target) => fs.renameSync(temporary, target),
    )
  } catch (error) {
    throw ioFault('retire log', path.join(dir, name), error)
  }
}
