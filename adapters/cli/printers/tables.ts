/**
 * `jobctl get`'s tables, column for column as kubectl's printers (`pkg/printers/internalversion`):
 * Jobs `NAME STATUS COMPLETIONS DURATION AGE` (wide: `CONTAINERS IMAGES SELECTOR`), CronJobs
 * `NAME SCHEDULE TIMEZONE SUSPEND ACTIVE LAST SCHEDULE AGE` (wide: `CONTAINERS IMAGES SELECTOR`),
 * Pods `NAME READY STATUS RESTARTS AGE` (wide: `IP NODE NOMINATED NODE READINESS GATES`).
 */
import type { CronJob } from '../../../core/index.js'
import { formatLabelSelector } from '../../../core/model/labelSelector.js'
import { parseTime } from '../../../core/model/time.js'
import type { ContainerManifest } from '../../../core/model/manifest.js'
import type { Container, ContainerStatus, Job, JobConditionType, Pod, PodTemplateSpec } from '../../../core/model/types.js'
import { alignTabs, TABLE } from './tabwriter.js'
import { age, humanDuration } from './time.js'

/** A table: upper-case headers and one row of cells per object. */
export interface Table {
  readonly headers: ReadonlyArray<string>
  readonly rows: ReadonlyArray<ReadonlyArray<string>>
}

/** How to print a table. */
export interface TableOptions {
  readonly wide: boolean
  /** Adds the NAMESPACE column (`--all-namespaces`). */
  readonly withNamespace: boolean
  readonly noHeaders: boolean
  readonly nowMs: number
}

/** Renders a table as kubectl does: tab-aligned, 3 spaces between columns. */
export function renderTable(table: Table, noHeaders = false): string {
  const lines = [...(noHeaders ? [] : [table.headers]), ...table.rows].map((cells) => cells.join('\t'))
  return alignTabs(lines.join('\n') + '\n', TABLE)
}

/** The Jobs table. */
export function jobTable(jobs: ReadonlyArray<Job>, options: TableOptions): Table {
  const headers = ['NAME', 'STATUS', 'COMPLETIONS', 'DURATION', 'AGE', ...(options.wide ? ['CONTAINERS', 'IMAGES', 'SELECTOR'] : [])]
  return withNamespace(
    { headers, rows: jobs.map((job) => jobRow(job, options)) },
    jobs.map((j) => j.metadata.namespace ?? ''),
    options.withNamespace,
  )
}

/** The CronJobs table (kubectl's `printCronJob`). */
export function cronJobTable(cronJobs: ReadonlyArray<CronJob>, options: TableOptions): Table {
  const headers = ['NAME', 'SCHEDULE', 'TIMEZONE', 'SUSPEND', 'ACTIVE', 'LAST SCHEDULE', 'AGE', ...(options.wide ? ['CONTAINERS', 'IMAGES', 'SELECTOR'] : [])]
  return withNamespace(
    { headers, rows: cronJobs.map((cronJob) => cronJobRow(cronJob, options)) },
    cronJobs.map((c) => c.metadata.namespace ?? ''),
    options.withNamespace,
  )
}

/** The Pods table. */
export function podTable(pods: ReadonlyArray<Pod>, options: TableOptions): Table {
  const headers = ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', ...(options.wide ? ['IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES'] : [])]
  return withNamespace(
    { headers, rows: pods.map((pod) => podRow(pod, options)) },
    pods.map((p) => p.metadata.namespace ?? ''),
    options.withNamespace,
  )
}

function withNamespace(table: Table, namespaces: ReadonlyArray<string>, enabled: boolean): Table {
  if (!enabled) return table
  return { headers: ['NAMESPACE', ...table.headers], rows: table.rows.map((row, i) => [namespaces[i] ?? '', ...row]) }
}

const hasCondition = (job: Job, type: JobConditionType): boolean =>
  (job.status?.conditions ?? []).find((c) => c.type === type)?.status === 'True'

/** kubectl's Job STATUS column. */
export function jobStatusWord(job: Job): string {
  if (hasCondition(job, 'Complete')) return 'Complete'
  if (hasCondition(job, 'Failed')) return 'Failed'
  if (job.metadata.deletionTimestamp !== undefined) return 'Terminating'
  if (hasCondition(job, 'Suspended')) return 'Suspended'
  if (hasCondition(job, 'FailureTarget')) return 'FailureTarget'
  return 'Running'
}

/** kubectl's COMPLETIONS column: `1/3`, or `0/1 of 4` for a work queue with parallelism 4. */
export function completionsCell(job: Job): string {
  const succeeded = job.status?.succeeded ?? 0
  if (job.spec.completions !== undefined) return `${succeeded}/${job.spec.completions}`
  return job.spec.parallelism > 1 ? `${succeeded}/1 of ${job.spec.parallelism}` : `${succeeded}/1`
}

/** kubectl's DURATION column: start to completion, or start to now while running. */
export function durationCell(job: Job, nowMs: number): string {
  const start = parseTime(job.status?.startTime)
  if (start === undefined) return ''
  const end = parseTime(job.status?.completionTime) ?? nowMs
  return humanDuration(end - start)
}

function jobRow(job: Job, options: TableOptions): string[] {
  const row = [job.metadata.name ?? '', jobStatusWord(job), completionsCell(job), durationCell(job, options.nowMs), age(job.metadata.creationTimestamp, options.nowMs)]
  if (options.wide) {
    const [names, images] = containerCells(job.spec.template.spec.containers)
    row.push(names, images, formatLabelSelector(job.spec.selector))
  }
  return row
}

function cronJobRow(cronJob: CronJob, options: TableOptions): string[] {
  const { spec, status } = cronJob
  const lastSchedule = status?.lastScheduleTime === undefined ? '<none>' : age(status.lastScheduleTime, options.nowMs)
  const row = [
    cronJob.metadata.name ?? '',
    spec.schedule,
    spec.timeZone ?? '<none>',
    goBool(spec.suspend),
    String((status?.active ?? []).length),
    lastSchedule,
    age(cronJob.metadata.creationTimestamp, options.nowMs),
  ]
  if (options.wide) {
    const [names, images] = containerCells(podTemplateOfCronJob(cronJob).spec.containers)
    const selector = spec.jobTemplate.spec?.selector
    row.push(names, images, selector === undefined ? '<none>' : formatLabelSelector(selector))
  }
  return row
}

/**
 * The pod template of a CronJob's Jobs. The job template is kept as written (the API server
 * defaults each Job when it is created), so its parts may be missing; shown, they are empty.
 */
export function podTemplateOfCronJob(cronJob: CronJob): PodTemplateSpec {
  const template = cronJob.spec.jobTemplate.spec?.template
  const { containers = [], initContainers, ...spec } = template?.spec ?? {}
  const named = (list: ReadonlyArray<ContainerManifest>): Container[] => list.map((c) => ({ ...c, name: c.name ?? '' }))
  return {
    ...(template?.metadata !== undefined ? { metadata: template.metadata } : {}),
    spec: { ...spec, containers: named(containers), ...(initContainers !== undefined ? { initContainers: named(initContainers) } : {}) },
  }
}

/** kubectl's `printBoolPtr`: `True`, `False`, `<unset>`. */
export const goBool = (value: boolean | undefined): string => (value === undefined ? '<unset>' : value ? 'True' : 'False')

function containerCells(containers: ReadonlyArray<Container>): [string, string] {
  return [containers.map((c) => c.name).join(','), containers.map((c) => c.image ?? '').join(',')]
}

/** kubectl's pod row (`printPod`): ready containers, the status word, restarts, age. */
function podRow(pod: Pod, options: TableOptions): string[] {
  const status = pod.status ?? {}
  let reason: string = status.reason ?? status.phase ?? ''
  let restarts = 0
  let lastRestart = 0
  let ready = 0
  const total = pod.spec.containers.length

  const noteRestart = (c: ContainerStatus) => {
    restarts += c.restartCount
    const finished = parseTime(c.lastState?.terminated?.finishedAt)
    if (finished !== undefined && finished > lastRestart) lastRestart = finished
  }

  let initializing = false
  const initStatuses = status.initContainerStatuses ?? []
  for (const [i, c] of initStatuses.entries()) {
    noteRestart(c)
    const terminated = c.state?.terminated
    if (terminated !== undefined && terminated.exitCode === 0) continue
    if (terminated !== undefined) reason = terminated.reason ? `Init:${terminated.reason}` : `Init:ExitCode:${terminated.exitCode}`
    else if (c.state?.waiting?.reason && c.state.waiting.reason !== 'PodInitializing') reason = `Init:${c.state.waiting.reason}`
    else reason = `Init:${i}/${(pod.spec.initContainers ?? []).length}`
    initializing = true
    break
  }

  const initializedCondition = (status.conditions ?? []).find((c) => c.type === 'Initialized')?.status === 'True'
  if (!initializing || initializedCondition) {
    restarts = 0
    lastRestart = 0
    let hasRunning = false
    const statuses = status.containerStatuses ?? []
    for (let i = statuses.length - 1; i >= 0; i--) {
      const c = statuses[i]!
      noteRestart(c)
      const terminated = c.state?.terminated
      if (c.state?.waiting?.reason) reason = c.state.waiting.reason
      else if (terminated?.reason) reason = terminated.reason
      else if (terminated !== undefined) reason = `ExitCode:${terminated.exitCode}`
      else if (c.ready === true && c.state?.running !== undefined) {
        hasRunning = true
        ready++
      }
    }
    if (reason === 'Completed' && hasRunning) {
      const podReady = (status.conditions ?? []).find((c) => c.type === 'Ready')?.status === 'True'
      reason = podReady ? 'Running' : 'NotReady'
    }
  }
  const terminal = status.phase === 'Succeeded' || status.phase === 'Failed'
  if (pod.metadata.deletionTimestamp !== undefined && !terminal) reason = 'Terminating'

  const restartsCell = restarts !== 0 && lastRestart !== 0 ? `${restarts} (${humanDuration(options.nowMs - lastRestart)} ago)` : String(restarts)
  const row = [pod.metadata.name ?? '', `${ready}/${total}`, reason, restartsCell, age(pod.metadata.creationTimestamp, options.nowMs)]
  if (options.wide) {
    // Local processes have no pod IP, nominated node or readiness gates.
    row.push('<none>', pod.spec.nodeName ?? '<none>', '<none>', '<none>')
  }
  return row
}
