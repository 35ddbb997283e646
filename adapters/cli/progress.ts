/**
 * `jobctl run`'s progress: one line per moment, `pi: 0/1 succeeded, 1 active, 0 failed, 3s`.
 * On a terminal the line is redrawn in place; otherwise a plain line is printed when the counts
 * change, and every ten seconds while they do not.
 */
import type { Job } from '../../core/model/types.js'
import { humanDuration } from './printers/time.js'
import { jobStatusWord } from './printers/tables.js'

/** How often a terminal line is redrawn, and how often a quiet plain line repeats. */
export const TTY_REFRESH_MS = 100
export const PLAIN_REPEAT_MS = 10_000

/** The counts of one Job, as the progress line shows them. */
export function jobProgress(name: string, job: Job | undefined): string {
  if (job === undefined) return `${name}: waiting`
  const status = job.status ?? {}
  const target = job.spec.completions ?? 1
  const word = jobStatusWord(job)
  const state = word === 'Running' ? '' : `${word}, `
  return `${name}: ${state}${status.succeeded ?? 0}/${target} succeeded, ${status.active ?? 0} active, ${status.failed ?? 0} failed`
}

/** Every Job's counts; the printer adds the time since the run started. */
export function progressCounts(jobs: ReadonlyArray<readonly [string, Job | undefined]>): string {
  return jobs.map(([name, job]) => jobProgress(name, job)).join('; ')
}

/** Decides what to write for the current line: a redraw on a terminal, a plain line otherwise. */
export interface ProgressPrinter {
  /** The text to write now, if any. */
  readonly update: (counts: string, elapsedMs: number) => string | undefined
  /** The text that ends the progress display. */
  readonly finish: (counts: string, elapsedMs: number) => string
}

/** A printer for a terminal of `columns` width (redraws in place) or for a plain stream. */
export function progressPrinter(tty: boolean, columns: number): ProgressPrinter {
  if (tty) {
    const fit = (text: string) => (text.length >= columns ? `${text.slice(0, Math.max(0, columns - 2))}…` : text)
    return {
      update: (counts, elapsedMs) => `\r\u001b[2K${fit(`${counts}, ${humanDuration(elapsedMs)}`)}`,
      finish: (counts, elapsedMs) => `\r\u001b[2K${counts}, ${humanDuration(elapsedMs)}\n`,
    }
  }
  let last: string | undefined
  let lastAt = 0
  return {
    update: (counts, elapsedMs) => {
      if (counts === last && elapsedMs - lastAt < PLAIN_REPEAT_MS) return undefined
      last = counts
      lastAt = elapsedMs
      return `${counts}, ${humanDuration(elapsedMs)}\n`
    },
    finish: (counts, elapsedMs) => (counts === last ? '' : `${counts}, ${humanDuration(elapsedMs)}\n`),
  }
}
