/**
 * The printed result of `npm run bench:kube`: per shape and engine, the medians over the runs
 * (time to `Complete`, pods/s, requests per pod, engine CPU) and ours/upstream; then the
 * requests per pod by verb and resource.
 */
import { totalRequests, type RequestCounts } from './auditLog.js'
import type { EngineName } from './engines.js'
import type { RunFigures, Shape } from './jobRun.js'

/** The median of some numbers (the mean of the middle two for an even count); NaN for none. */
export function median(values: ReadonlyArray<number>): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

/** One engine's medians on one shape. */
export interface EngineSummary {
  readonly runs: number
  readonly completeSeconds: number
  readonly podsPerSecond: number
  readonly requestsPerPod: number
  readonly cpuSeconds: number
  /** Median requests per pod of each kind (`create pods` → 1.00). */
  readonly requestsPerPodByKind: ReadonlyMap<string, number>
}

/** The medians of one engine's runs of one shape. */
export function summarize(runs: ReadonlyArray<RunFigures>): EngineSummary {
  const perPod = (counts: RequestCounts, run: RunFigures, kind?: string) =>
    (kind === undefined ? totalRequests(counts) : counts.get(kind) ?? 0) / run.shape.completions
  const kinds = new Set(runs.flatMap((run) => [...run.requests.keys()]))
  return {
    runs: runs.length,
    completeSeconds: median(runs.map((run) => run.completeMs / 1000)),
    podsPerSecond: median(runs.map((run) => run.shape.completions / (run.completeMs / 1000))),
    requestsPerPod: median(runs.map((run) => perPod(run.requests, run))),
    cpuSeconds: median(runs.map((run) => run.cpuSeconds)),
    requestsPerPodByKind: new Map([...kinds].sort().map((kind) => [kind, median(runs.map((run) => perPod(run.requests, run, kind)))] as const)),
  }
}

/** `10 completions, parallelism 10` */
export function shapeLabel(shape: Shape): string {
  return `${shape.completions.toLocaleString('en-US')} completions, parallelism ${shape.parallelism.toLocaleString('en-US')}`
}

/** What the bench measured, for printing. */
export interface BenchReport {
  readonly heading: string
  readonly shapes: ReadonlyArray<Shape>
  readonly runs: ReadonlyArray<RunFigures>
  /** Our engine while upstream's ran a Job of `shape`: what the Job's pods cost ours. */
  readonly bystander?: { readonly shape: Shape; readonly cpuSeconds: number; readonly upstreamCpuSeconds: number; readonly requests: number }
  readonly notes: ReadonlyArray<string>
}

const ENGINES: ReadonlyArray<EngineName> = ['ours', 'upstream']

const ratio = (ours: number, upstream: number): string => (upstream > 0 ? `${(ours / upstream).toFixed(2)}×` : '-')

/** The lines `npm run bench:kube` prints. */
export function formatReport(report: BenchReport): ReadonlyArray<string> {
  const lines: string[] = [report.heading, '']
  const summaries = report.shapes.map((shape) => ({
    shape,
    by: Object.fromEntries(ENGINES.map((engine) => [engine, summarize(report.runs.filter((run) => run.engine === engine && run.shape === shape))])) as Record<EngineName, EngineSummary>,
  }))

  const columns = ['job', 'engine', 'runs', 'to Complete', 'pods/s', 'requests/pod', 'engine CPU-s']
  const widths = [34, 12, 5, 12, 9, 13, 13]
  const row = (cells: ReadonlyArray<string>) => cells.map((cell, i) => (i < 2 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join(' ').trimEnd()
  lines.push(row(columns))
  for (const { shape, by } of summaries) {
    const { ours, upstream } = by
    lines.push(row([shapeLabel(shape), 'ours', String(ours.runs), `${ours.completeSeconds.toFixed(2)} s`, ours.podsPerSecond.toFixed(1), ours.requestsPerPod.toFixed(2), ours.cpuSeconds.toFixed(2)]))
    lines.push(row(['', 'upstream', String(upstream.runs), `${upstream.completeSeconds.toFixed(2)} s`, upstream.podsPerSecond.toFixed(1), upstream.requestsPerPod.toFixed(2), upstream.cpuSeconds.toFixed(2)]))
    lines.push(row(['', 'ours/upstream', '', ratio(ours.completeSeconds, upstream.completeSeconds), ratio(ours.podsPerSecond, upstream.podsPerSecond),
      ratio(ours.requestsPerPod, upstream.requestsPerPod), ratio(ours.cpuSeconds, upstream.cpuSeconds)]))
  }

  lines.push('', 'requests per pod by verb and resource (median over the runs; counted from the audit log)')
  const kindWidth = 44
  lines.push(['request'.padEnd(kindWidth), ...summaries.flatMap(({ shape }) => [`ours ${shape.completions}`.padStart(12), `upstream ${shape.completions}`.padStart(14)])].join(' '))
  const kinds = [...new Set(summaries.flatMap(({ by }) => ENGINES.flatMap((engine) => [...by[engine].requestsPerPodByKind.keys()])))].sort()
  for (const kind of kinds) {
    const cells = summaries.flatMap(({ by }) => [
      (by.ours.requestsPerPodByKind.get(kind) ?? 0).toFixed(2).padStart(12),
      (by.upstream.requestsPerPodByKind.get(kind) ?? 0).toFixed(2).padStart(14),
    ])
    lines.push([kind.padEnd(kindWidth), ...cells].join(' '))
  }

  if (report.bystander !== undefined) {
    const b = report.bystander
    lines.push('', `our engine running beside upstream's ${shapeLabel(b.shape)} Job (not ours to manage): ${b.cpuSeconds.toFixed(2)} CPU-s, ${b.requests} requests` +
      ` (upstream's own: ${b.upstreamCpuSeconds.toFixed(2)} CPU-s)`)
  }
  for (const note of report.notes) lines.push(note)
  return lines
}
