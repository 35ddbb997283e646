/**
 * `jobctl describe`: kubectl's `describeJob` and `describeCronJob` (and a shorter `describePod`) line for line,
 * aligned with Go's tabwriter as `kubectl describe` is (`k8s.io/kubectl/pkg/describe`).
 */
import { formatLabelSelector } from '../../../core/model/labelSelector.js'
import { parseTime } from '../../../core/model/time.js'
import type { CronJob } from '../../../core/index.js'
import type { Container, ContainerState, ContainerStatus, Job, Json, JsonObject, Labels, Pod, PodTemplateSpec } from '../../../core/model/types.js'
import type { StoredEvent } from '../../ports/JobStore.js'
import { LAST_APPLIED_ANNOTATION } from '../mergePatch.js'
import { goBool, podTemplateOfCronJob } from './tables.js'
import { alignTabs, DESCRIBE } from './tabwriter.js'
import { age, humanDuration, rfc1123z } from './time.js'

/** kubectl shortens annotations longer than this. */
const MAX_ANNOTATION_LENGTH = 140

/** Collects text the way kubectl's `PrefixWriter` does: two spaces per level. */
interface Lines {
  readonly write: (level: number, text: string) => void
  readonly render: () => string
}

function lines(): Lines {
  const parts: string[] = []
  return {
    write: (level, text) => void parts.push('  '.repeat(level) + text),
    render: () => alignTabs(parts.join(''), DESCRIBE),
  }
}

/** The `describe job` view. */
export function describeJob(job: Job, events: ReadonlyArray<StoredEvent>, nowMs: number): string {
  const w = lines()
  const { spec, status = {} } = job
  w.write(0, `Name:\t${job.metadata.name ?? ''}\n`)
  w.write(0, `Namespace:\t${job.metadata.namespace ?? ''}\n`)
  w.write(0, `Selector:\t${formatSelectorOrEmpty(job)}\n`)
  labelsMultiline(w, 'Labels', job.metadata.labels)
  annotationsMultiline(w, 'Annotations', job.metadata.annotations)
  const controller = (job.metadata.ownerReferences ?? []).find((o) => o.controller === true)
  if (controller !== undefined) w.write(0, `Controlled By:\t${controller.kind}/${controller.name}\n`)
  w.write(0, `Parallelism:\t${spec.parallelism}\n`)
  w.write(0, `Completions:\t${spec.completions ?? '<unset>'}\n`)
  w.write(0, `Completion Mode:\t${spec.completionMode}\n`)
  w.write(0, `Suspend:\t${spec.suspend}\n`)
  w.write(0, `Backoff Limit:\t${spec.backoffLimit}\n`)
  if (spec.ttlSecondsAfterFinished !== undefined) w.write(0, `TTL Seconds After Finished:\t${spec.ttlSecondsAfterFinished}\n`)
  if (status.startTime !== undefined) w.write(0, `Start Time:\t${rfc1123z(status.startTime)}\n`)
  if (status.completionTime !== undefined) w.write(0, `Completed At:\t${rfc1123z(status.completionTime)}\n`)
  const start = parseTime(status.startTime)
  const end = parseTime(status.completionTime)
  if (start !== undefined && end !== undefined) w.write(0, `Duration:\t${humanDuration(end - start)}\n`)
  if (spec.activeDeadlineSeconds !== undefined) w.write(0, `Active Deadline Seconds:\t${spec.activeDeadlineSeconds}s\n`)
  const counts = `${status.succeeded ?? 0} Succeeded / ${status.failed ?? 0} Failed`
  w.write(0, status.ready === undefined
    ? `Pods Statuses:\t${status.active ?? 0} Active / ${counts}\n`
    : `Pods Statuses:\t${status.active ?? 0} Active (${status.ready} Ready) / ${counts}\n`)
  if (spec.completionMode === 'Indexed') w.write(0, `Completed Indexes:\t${capIndexes(status.completedIndexes ?? '', 50)}\n`)
  podTemplate(w, spec.template)
  eventsSection(w, events, nowMs)
  return w.render()
}

/** The `describe cronjob` view (kubectl's `describeCronJob`, its job template and its active Jobs). */
export function describeCronJob(cronJob: CronJob, events: ReadonlyArray<StoredEvent>, nowMs: number): string {
  const w = lines()
  const { spec, status = {} } = cronJob
  const unsetOr = (value: number | undefined, unit = ''): string => (value === undefined ? '<unset>' : `${value}${unit}`)
  w.write(0, `Name:\t${cronJob.metadata.name ?? ''}\n`)
  w.write(0, `Namespace:\t${cronJob.metadata.namespace ?? ''}\n`)
  labelsMultiline(w, 'Labels', cronJob.metadata.labels)
  annotationsMultiline(w, 'Annotations', cronJob.metadata.annotations)
  w.write(0, `Schedule:\t${spec.schedule}\n`)
  w.write(0, `Concurrency Policy:\t${spec.concurrencyPolicy}\n`)
  w.write(0, `Suspend:\t${goBool(spec.suspend)}\n`)
  w.write(0, `Successful Job History Limit:\t${unsetOr(spec.successfulJobsHistoryLimit)}\n`)
  w.write(0, `Failed Job History Limit:\t${unsetOr(spec.failedJobsHistoryLimit)}\n`)
  w.write(0, `Starting Deadline Seconds:\t${unsetOr(spec.startingDeadlineSeconds, 's')}\n`)
  // kubectl's describeJobTemplate: the template's Job spec as written, not defaulted.
  const jobSpec = spec.jobTemplate.spec ?? {}
  w.write(0, `Selector:\t${jobSpec.selector === undefined ? '<unset>' : formatLabelSelector(jobSpec.selector)}\n`)
  w.write(0, `Parallelism:\t${unsetOr(jobSpec.parallelism)}\n`)
  w.write(0, `Completions:\t${unsetOr(jobSpec.completions)}\n`)
  if (jobSpec.activeDeadlineSeconds !== undefined) w.write(0, `Active Deadline Seconds:\t${jobSpec.activeDeadlineSeconds}s\n`)
  podTemplate(w, podTemplateOfCronJob(cronJob))
  w.write(0, `Last Schedule Time:\t${status.lastScheduleTime === undefined ? '<unset>' : rfc1123z(status.lastScheduleTime)}\n`)
  const active = (status.active ?? []).map((reference) => reference.name ?? '')
  w.write(0, `Active Jobs:\t${active.length === 0 ? '<none>' : active.join(', ')}\n`)
  eventsSection(w, events, nowMs)
  return w.render()
}

/** The `describe pod` view (the fields a local process has). */
export function describePod(pod: Pod, events: ReadonlyArray<StoredEvent>, nowMs: number): string {
  const w = lines()
  const status = pod.status ?? {}
  w.write(0, `Name:\t${pod.metadata.name ?? ''}\n`)
  w.write(0, `Namespace:\t${pod.metadata.namespace ?? ''}\n`)
  w.write(0, `Node:\t${pod.spec.nodeName ?? '<none>'}\n`)
  if (status.startTime !== undefined) w.write(0, `Start Time:\t${rfc1123z(status.startTime)}\n`)
  labelsMultiline(w, 'Labels', pod.metadata.labels)
  annotationsMultiline(w, 'Annotations', pod.metadata.annotations)
  if (pod.metadata.deletionTimestamp !== undefined) {
    w.write(0, `Status:\tTerminating (lasts ${age(pod.metadata.deletionTimestamp, nowMs)})\n`)
  } else w.write(0, `Status:\t${status.phase ?? ''}\n`)
  if (status.reason !== undefined) w.write(0, `Reason:\t${status.reason}\n`)
  if (status.message !== undefined) w.write(0, `Message:\t${status.message}\n`)
  const controller = (pod.metadata.ownerReferences ?? []).find((o) => o.controller === true)
  if (controller !== undefined) w.write(0, `Controlled By:\t${controller.kind}/${controller.name}\n`)
  if ((pod.spec.initContainers ?? []).length > 0) containers(w, 'Init Containers', pod.spec.initContainers ?? [], status.initContainerStatuses ?? [], '')
  containers(w, 'Containers', pod.spec.containers, status.containerStatuses ?? [], '')
  if ((status.conditions ?? []).length > 0) {
    w.write(0, 'Conditions:\n  Type\tStatus\n')
    for (const c of status.conditions ?? []) w.write(1, `${c.type} \t${c.status} \n`)
  }
  eventsSection(w, events, nowMs)
  return w.render()
}

function formatSelectorOrEmpty(job: Job): string {
  const text = formatLabelSelector(job.spec.selector)
  return text === '<none>' ? '' : text
}

function labelsMultiline(w: Lines, title: string, labels: Labels | undefined): void {
  w.write(0, `${title}:\t`)
  const keys = Object.keys(labels ?? {}).sort()
  if (keys.length === 0) return w.write(0, '<none>\n')
  keys.forEach((key, i) => {
    if (i !== 0) w.write(0, '\t')
    w.write(0, `${key}=${labels![key]}\n`)
  })
}

function annotationsMultiline(w: Lines, title: string, annotations: Labels | undefined): void {
  w.write(0, `${title}:\t`)
  const keys = Object.keys(annotations ?? {}).filter((k) => k !== LAST_APPLIED_ANNOTATION).sort()
  if (keys.length === 0) return w.write(0, '<none>\n')
  keys.forEach((key, i) => {
    if (i !== 0) w.write(0, '\t')
    const value = annotations![key]!.replace(/\n$/, '')
    if (value.length + key.length + 2 > MAX_ANNOTATION_LENGTH || value.includes('\n')) {
      w.write(0, `${key}:\n`)
      for (const line of value.split('\n')) w.write(0, `\t  ${shorten(line, MAX_ANNOTATION_LENGTH - 2)}\n`)
    } else w.write(0, `${key}: ${value}\n`)
  })
}

const shorten = (text: string, max: number): string => (text.length > max ? `${text.slice(0, max)}...` : text)

/** kubectl's `capIndexesListOrNone`: the first ~50 characters, cut after a comma. */
function capIndexes(indexes: string, softLimit: number): string {
  if (indexes === '') return '<none>'
  const comma = indexes.indexOf(',', softLimit)
  return comma < 0 ? indexes : `${indexes.slice(0, comma + 1)}...`
}

function podTemplate(w: Lines, template: PodTemplateSpec): void {
  w.write(0, 'Pod Template:\n')
  labelsMultiline(w, '  Labels', template.metadata?.labels)
  if (Object.keys(template.metadata?.annotations ?? {}).length > 0) annotationsMultiline(w, '  Annotations', template.metadata?.annotations)
  const spec = template.spec
  if (typeof spec['serviceAccountName'] === 'string' && spec['serviceAccountName'] !== '') {
    w.write(1, `Service Account:\t${spec['serviceAccountName']}\n`)
  }
  if ((spec.initContainers ?? []).length > 0) containers(w, 'Init Containers', spec.initContainers ?? [], [], '  ')
  containers(w, 'Containers', spec.containers, [], '  ')
  volumes(w, spec['volumes'])
  if (typeof spec['priorityClassName'] === 'string' && spec['priorityClassName'] !== '') {
    w.write(1, `Priority Class Name:\t${spec['priorityClassName']}\n`)
  }
  labelsMultiline(w, '  Node-Selectors', stringMap(spec['nodeSelector']))
  tolerations(w, spec['tolerations'])
}

function containers(w: Lines, label: string, list: ReadonlyArray<Container>, statuses: ReadonlyArray<ContainerStatus>, space: string): void {
  w.write(0, `${space}${label}:${list.length === 0 ? ' <none>' : ''}\n`)
  for (const container of list) {
    const status = statuses.find((s) => s.name === container.name)
    w.write(1, `${space === '' ? '' : ' '}${container.name}:\n`)
    w.write(2, `Image:\t${container.image ?? ''}\n`)
    const ports = objects(container['ports']).map((p) => `${String(p['containerPort'] ?? '')}/${String(p['protocol'] ?? 'TCP')}`)
    w.write(2, `${ports.length > 1 ? 'Ports' : 'Port'}:\t${ports.length === 0 ? '<none>' : ports.join(', ')}\n`)
    const hostPorts = objects(container['ports']).map((p) => `${String(p['hostPort'] ?? 0)}/${String(p['protocol'] ?? 'TCP')}`)
    w.write(2, `${hostPorts.length > 1 ? 'Host Ports' : 'Host Port'}:\t${hostPorts.length === 0 ? '<none>' : hostPorts.join(', ')}\n`)
    if ((container.command ?? []).length > 0) {
      w.write(2, 'Command:\n')
      for (const part of container.command ?? []) for (const line of part.split('\n')) w.write(3, `${line}\n`)
    }
    if ((container.args ?? []).length > 0) {
      w.write(2, 'Args:\n')
      for (const part of container.args ?? []) for (const line of part.split('\n')) w.write(3, `${line}\n`)
    }
    if (status !== undefined) {
      containerState(w, 'State', status.state)
      if (status.lastState?.terminated !== undefined) containerState(w, 'Last State', status.lastState)
      w.write(2, `Ready:\t${status.ready === true ? 'True' : 'False'}\n`)
      w.write(2, `Restart Count:\t${status.restartCount}\n`)
    }
    resources(w, container['resources'])
    const env = container.env ?? []
    w.write(2, `Environment:${env.length === 0 ? '\t<none>' : ''}\n`)
    for (const e of env) {
      if (e.valueFrom === undefined) {
        ;(e.value ?? '').split('\n').forEach((line, i) => w.write(3, i === 0 ? `${e.name}:\t${line}\n` : `\t${line}\n`))
        continue
      }
      const fieldRef = e.valueFrom['fieldRef']
      if (isObject(fieldRef)) w.write(3, `${e.name}:\t (${String(fieldRef['apiVersion'] ?? 'v1')}:${String(fieldRef['fieldPath'] ?? '')})\n`)
      else w.write(3, `${e.name}:\t<set from ${Object.keys(e.valueFrom).join(', ')}>\n`)
    }
    const mounts = objects(container['volumeMounts'])
    w.write(2, `Mounts:${mounts.length === 0 ? '\t<none>' : ''}\n`)
    for (const m of mounts) w.write(3, `${String(m['mountPath'] ?? '')} from ${String(m['name'] ?? '')} (${m['readOnly'] === true ? 'ro' : 'rw'})\n`)
  }
}

function containerState(w: Lines, title: string, state: ContainerState | undefined): void {
  if (state?.running !== undefined) {
    w.write(2, `${title}:\tRunning\n`)
    w.write(3, `Started:\t${rfc1123z(state.running.startedAt)}\n`)
  } else if (state?.terminated !== undefined) {
    const t = state.terminated
    w.write(2, `${title}:\tTerminated\n`)
    if (t.reason) w.write(3, `Reason:\t${t.reason}\n`)
    if (t.message) w.write(3, `Message:\t${t.message}\n`)
    w.write(3, `Exit Code:\t${t.exitCode}\n`)
    w.write(3, `Started:\t${rfc1123z(t.startedAt)}\n`)
    w.write(3, `Finished:\t${rfc1123z(t.finishedAt)}\n`)
  } else {
    w.write(2, `${title}:\tWaiting\n`)
    if (state?.waiting?.reason) w.write(3, `Reason:\t${state.waiting.reason}\n`)
  }
}

function resources(w: Lines, value: Json | undefined): void {
  if (!isObject(value)) return
  for (const [title, key] of [['Limits', 'limits'], ['Requests', 'requests']] as const) {
    const quantities = stringMap(value[key])
    const names = Object.keys(quantities ?? {}).sort()
    if (names.length === 0) continue
    w.write(2, `${title}:\n`)
    for (const name of names) w.write(3, `${name}:\t${quantities![name]}\n`)
  }
}

function volumes(w: Lines, value: Json | undefined): void {
  const list = objects(value)
  if (list.length === 0) return w.write(0, '  Volumes:\t<none>\n')
  w.write(0, '  Volumes:\n')
  for (const volume of list) {
    w.write(1, ` ${String(volume['name'] ?? '')}:\n`)
    const source = Object.keys(volume).find((k) => k !== 'name')
    w.write(2, `Type:\t${source ?? '<unknown>'}\n`)
  }
}

function tolerations(w: Lines, value: Json | undefined): void {
  const list = objects(value)
  w.write(0, '  Tolerations:\t')
  if (list.length === 0) return w.write(0, '<none>\n')
  list.forEach((t, i) => {
    if (i !== 0) w.write(0, '\t')
    const key = String(t['key'] ?? '')
    const text = t['operator'] === 'Exists' ? `${key} op=Exists` : `${key}=${String(t['value'] ?? '')}`
    w.write(0, `${text}${t['effect'] !== undefined ? `:${String(t['effect'])}` : ''}\n`)
  })
}

function eventsSection(w: Lines, events: ReadonlyArray<StoredEvent>, nowMs: number): void {
  if (events.length === 0) return w.write(0, 'Events:\t<none>\n')
  w.write(0, 'Events:\n  Type\tReason\tAge\tFrom\tMessage\n')
  w.write(1, '----\t------\t----\t----\t-------\n')
  const sorted = [...events].sort((a, b) => (parseTime(a.lastTimestamp) ?? 0) - (parseTime(b.lastTimestamp) ?? 0))
  for (const e of sorted) {
    const first = age(e.firstTimestamp, nowMs)
    const interval = e.count > 1 ? `${age(e.lastTimestamp, nowMs)} (x${e.count} over ${first})` : first
    w.write(1, `${e.type}\t${e.reason}\t${interval}\t${e.source}\t${e.message.trim()}\n`)
  }
}

const isObject = (value: Json | undefined): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value)

function objects(value: Json | undefined): JsonObject[] {
  return Array.isArray(value) ? value.filter(isObject) : []
}

function stringMap(value: Json | undefined): Labels | undefined {
  if (!isObject(value)) return undefined
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = typeof v === 'string' ? v : JSON.stringify(v)
  return out
}
