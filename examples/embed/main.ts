/**
 * Embedding the core without Kubernetes, without effect and without a store: a Job manifest
 * runs as child processes of this program, and `reconcile` alone decides what to start,
 * what to stop and when the Job is done. Everything that is not `core/` lives in this file:
 * a Map of "pods", a child process per pod, and a loop that applies each plan.
 *
 *   npx tsx examples/embed/main.ts [manifest.yaml]     (default: the docs' pi Job)
 */
import { spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { parse } from 'yaml'
import {
  decodeJob,
  formatTime,
  prepareJobForCreate,
  reconcile,
  renderFieldError,
  validateJob,
  type Action,
  type BackoffRecord,
  type ContainerStatus,
  type Job,
  type Pod,
} from '../../core/index.js'

const manifestPath = process.argv[2] ?? new URL('../pi/job.yaml', import.meta.url).pathname
const decoded = decodeJob(parse(readFileSync(manifestPath, 'utf8')))
if (decoded._tag === 'Left') exitWith(decoded.left.map(renderFieldError).join('\n'))
let job: Job = prepareJobForCreate(decoded.right, { uid: randomUUID(), now: Date.now() })
const problems = validateJob(job)
if (problems.length > 0) exitWith(problems.map(renderFieldError).join('\n'))

/** Our "pods": the core's view of each child process, and the process itself. */
const pods = new Map<string, Pod>()
const processes = new Map<string, ReturnType<typeof spawn>>()
let backoff: BackoffRecord | undefined
let wakeUp: NodeJS.Timeout | undefined

function sync(): void {
  clearTimeout(wakeUp)
  const plan = reconcile(job, [...pods.values()], Date.now(), backoff === undefined ? {} : { backoff })
  for (const action of plan.actions) apply(action)
  backoff = plan.backoff
  if (plan.requeueAfterMs !== undefined) wakeUp = setTimeout(sync, plan.requeueAfterMs)
  const finished = job.status?.conditions?.find((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True')
  if (finished !== undefined && processes.size === 0) {
    console.log(`job ${job.metadata.name}: ${finished.type} (${finished.reason}) succeeded=${job.status?.succeeded} failed=${job.status?.failed}`)
    process.exitCode = finished.type === 'Complete' ? 0 : 1
    clearTimeout(wakeUp)
  }
}

function apply(action: Action): void {
  switch (action._tag) {
    case 'CreatePod': {
      const name = `${action.pod.metadata.generateName ?? 'pod-'}${randomUUID().slice(0, 5)}`
      const pod: Pod = { ...action.pod, metadata: { ...action.pod.metadata, name, uid: randomUUID(), creationTimestamp: formatTime(Date.now()) } }
      pods.set(name, { ...pod, status: { phase: 'Running' } })
      start(name, pod, action.index)
      return
    }
    case 'DeletePod':
      processes.get(action.podName)?.kill('SIGTERM')
      update(action.podName, (pod) => ({ ...pod, metadata: { ...pod.metadata, deletionTimestamp: formatTime(Date.now()) } }))
      forgetIfReleased(action.podName)
      return
    case 'RemoveTrackingFinalizer':
      update(action.podName, (pod) => ({ ...pod, metadata: { ...pod.metadata, finalizers: [] } }))
      forgetIfReleased(action.podName)
      return
    case 'UpdateJobStatus':
      job = { ...job, status: action.status }
      return
    case 'RecordEvent':
      console.log(`event ${action.eventType} ${action.reason}: ${action.message}`)
      return
    case 'AdoptPod':
    case 'ReleasePod':
    case 'DeleteJob':
      return // nothing else creates pods here, and nothing outlives this program
  }
}

/** Runs the pod's first container as a child process; its exit is the pod's outcome. */
function start(name: string, pod: Pod, index: number | undefined): void {
  const container = pod.spec.containers[0]!
  const [command, ...args] = [...(container.command ?? []), ...(container.args ?? [])]
  if (command === undefined) exitWith(`container ${container.name} has no command to run`)
  const env = { ...process.env, ...(index === undefined ? {} : { JOB_COMPLETION_INDEX: String(index) }) }
  const child = spawn(command, args, { env, stdio: ['ignore', 'inherit', 'inherit'] })
  processes.set(name, child)
  const finish = (exitCode: number) => {
    processes.delete(name)
    const finishedAt = formatTime(Date.now())
    const state: ContainerStatus = { name: container.name, restartCount: 0, state: { terminated: { exitCode, finishedAt } } }
    update(name, (current) => ({ ...current, status: { phase: exitCode === 0 ? 'Succeeded' : 'Failed', containerStatuses: [state] } }))
    forgetIfReleased(name)
    sync()
  }
  child.on('exit', (code, signal) => finish(code ?? (signal === 'SIGKILL' ? 137 : 143)))
  child.on('error', () => finish(127))
}

function update(name: string, change: (pod: Pod) => Pod): void {
  const pod = pods.get(name)
  if (pod !== undefined) pods.set(name, change(pod))
}

/** A deleted pod without finalizers, or a finished one already counted, leaves the map. */
function forgetIfReleased(name: string): void {
  const pod = pods.get(name)
  if (pod === undefined || (pod.metadata.finalizers ?? []).length > 0 || processes.has(name)) return
  if (pod.metadata.deletionTimestamp !== undefined) pods.delete(name)
}

function exitWith(message: string): never {
  console.error(message)
  process.exit(2)
}

sync()
