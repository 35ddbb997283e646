/**
 * Tidying up after a compaction: once `snapshot.<g>` is durable, older snapshots go, logs up to
 * `g - 2` are retired (`log.<g-1>` stays readable for a process one generation behind), and
 * temporary files left by crashed processes are removed once they are old.
 *
 * Everything here is best effort: it only saves disk space, and a crash at any step leaves a
 * store that opens as before; the next compaction finishes the job.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import { fileKind, logFileName, readLine, splitLines } from './format.js'
import { openForRead, readAt } from './fsync.js'
import { retireLog } from './snapshot.js'

/** A temporary file older than this belongs to a process that died writing it. */
const ABANDONED_AFTER_MS = 10 * 60 * 1000

/**
 * Tidies `dir` after `snapshot.<generation>` was written. `retiredUpTo`: logs up to this
 * generation are known to be retired already. Returns the new value of it.
 */
export function tidyAfterSnapshot(dir: string, generation: number, retiredUpTo: number, nowMs: number): number {
  let retired = retiredUpTo
  let entries: string[]
  try {
    entries = fs.readdirSync(dir)
  } catch {
    return retired
  }
  const logs: number[] = []
  for (const name of entries) {
    const kind = fileKind(name)
    const file = path.join(dir, name)
    try {
      switch (kind._tag) {
        case 'Snapshot':
          if (kind.generation < generation) fs.unlinkSync(file)
          break
        case 'Log':
          if (kind.generation <= generation - 2 && kind.generation > retired) logs.push(kind.generation)
          break
        case 'Temporary':
          if (nowMs - fs.statSync(file).mtimeMs > ABANDONED_AFTER_MS) fs.unlinkSync(file)
          break
        default:
          break
      }
    } catch {
      // gone already, or another process is tidying too
    }
  }
  logs.sort((a, b) => a - b)
  for (const log of logs) {
    try {
      if (!isRetired(path.join(dir, logFileName(log)))) retireLog(dir, log, generation)
      retired = log
    } catch {
      break
    }
  }
  return retired
}

/** Whether a log file holds the retired marker only. */
function isRetired(file: string): boolean {
  const fd = openForRead(file)
  try {
    const head = readAt(fd, 0, 256)
    const first = splitLines(head, 0).lines[0]
    if (first === undefined) return false
    const line = readLine(first.line)
    return line._tag === 'Value' && (line.value as { readonly t?: unknown }).t === 'retired'
  } finally {
    fs.closeSync(fd)
  }
}
