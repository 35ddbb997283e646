import type { Job, Pod } from '../core/model/types.js'
import { COMPLETION_INDEX_ANNOTATION, TRACKING_FINALIZER } from '../core/model/wellKnown.js'
import { reconcile } from '../core/reconcile/reconcile.js'

/**
 * The time of one `reconcile` for a Job with `podCount` pods in the mix a busy Job has:
 * most pods finished and counted, some newly finished and still tracked, the rest running.
 */
export function benchReconcile(mode: 'NonIndexed' | 'Indexed', podCount: number): { readonly msPerReconcile: number; readonly nsPerPod: number } {
  const job = benchJob(mode, podCount)
  const pods = benchPods(job, podCount)
  const now = Date.parse('2026-01-01T01:00:00Z')
  // Warm up the JIT, then take the median of several runs.
  for (let i = 0; i < 3; i++) reconcile(job, pods, now)
  const samples: number[] = []
  const runs = podCount >= 100_000 ? 7 : 21
  for (let i = 0; i < runs; i++) {
    const started = performance.now()
    reconcile(job, pods, now)
    samples.push(performance.now() - started)
  }
  samples.sort((a, b) => a - b)
  const msPerReconcile = samples[Math.floor(samples.length / 2)]!
  return { msPerReconcile, nsPerPod: (msPerReconcile * 1e6) / podCount }
}

function benchJob(mode: 'NonIndexed' | 'Indexed', podCount: number): Job {
  const uid = 'bench-job-uid'
  const labels = { 'batch.kubernetes.io/controller-uid': uid, 'batch.kubernetes.io/job-name': 'bench' }
  const counted = Math.floor(podCount * 0.8)
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'bench', namespace: 'default', uid, resourceVersion: '1' },
    spec: {
      parallelism: Math.ceil(podCount * 0.1),
      completions: podCount,
      backoffLimit: 6,
      selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } },
      manualSelector: false,
      template: { metadata: { labels }, spec: { containers: [{ name: 'c', image: 'busybox', command: ['true'] }], restartPolicy: 'Never' } },
      completionMode: mode,
      suspend: false,
      podReplacementPolicy: 'TerminatingOrFailed',
    },
    status: {
      startTime: '2026-01-01T00:00:00Z',
      active: podCount - counted,
      ready: 0,
      terminating: 0,
      succeeded: counted,
      failed: 0,
      ...(mode === 'Indexed' ? { completedIndexes: `0-${counted - 1}` } : {}),
      uncountedTerminatedPods: {},
    },
  }
}

function benchPods(job: Job, podCount: number): Pod[] {
  const counted = Math.floor(podCount * 0.8)
  const newlyFinished = Math.floor(podCount * 0.1)
  const labels = job.spec.template.metadata?.labels ?? {}
  const owner = { apiVersion: 'batch/v1', kind: 'Job', name: 'bench', uid: job.metadata.uid ?? '', controller: true, blockOwnerDeletion: true }
  return Array.from({ length: podCount }, (_, i): Pod => {
    const finished = i < counted + newlyFinished
    return {
      metadata: {
        name: `bench-${i}`,
        namespace: 'default',
        uid: `pod-${i}`,
        labels,
        ...(job.spec.completionMode === 'Indexed' ? { annotations: { [COMPLETION_INDEX_ANNOTATION]: String(i) } } : {}),
        ownerReferences: [owner],
        finalizers: i < counted ? [] : [TRACKING_FINALIZER],
        creationTimestamp: '2026-01-01T00:00:00Z',
      },
      spec: { containers: [{ name: 'c' }], nodeName: 'node' },
      status: { phase: finished ? 'Succeeded' : 'Running' },
    }
  })
}
