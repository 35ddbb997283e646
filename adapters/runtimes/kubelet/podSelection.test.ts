import { describe, expect, it } from '@effect/vitest'
import { Effect } from 'effect'
import type { Job, Pod } from '../../../core/model/types.js'
import { BUILT_IN_CONTROLLER } from '../../../core/model/wellKnown.js'
import * as MemoryStore from '../../stores/memory/MemoryStore.js'
import { JobStore } from '../../ports/JobStore.js'
import { podsOfJobsManagedBy } from './podSelection.js'

const OURS = 'job-reconciler.io/controller'

const job = (name: string, managedBy?: string) => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name, namespace: 'default' },
  spec: {
    ...(managedBy !== undefined ? { managedBy } : {}),
    template: { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox' }] } },
  },
})

const podOf = (owner: Job | undefined, uid = owner?.metadata.uid ?? ''): Pod => ({
  metadata: {
    name: `pod-of-${owner?.metadata.name ?? 'nobody'}`,
    namespace: 'default',
    ...(owner !== undefined ? { ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: owner.metadata.name ?? '', uid, controller: true }] } : {}),
  },
  spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox' }] },
})

describe('the pods a runtime beside a cluster takes (R172: spec.managedBy says whose Job it is)', () => {
  it.effect('takes the pods of Jobs managed by its controller, and no others', () =>
    Effect.gen(function* () {
      const store = yield* JobStore
      const ours = yield* store.createJob(job('ours', OURS))
      const builtIn = yield* store.createJob(job('built-in'))
      const takes = podsOfJobsManagedBy(store, OURS)
      expect(yield* takes(podOf(ours))).toBe(true)
      expect(yield* takes(podOf(builtIn))).toBe(false)
      expect(yield* takes(podOf(undefined))).toBe(false)
      // A Job of the same name but another uid (deleted and created again) is not the owner.
      expect(yield* takes(podOf(ours, 'another-uid'))).toBe(false)
      // The built-in name takes Jobs without spec.managedBy.
      expect(yield* podsOfJobsManagedBy(store, BUILT_IN_CONTROLLER)(podOf(builtIn))).toBe(true)
    }).pipe(Effect.provide(MemoryStore.layer)),
  )

  it.effect('declines a pod whose Job is gone', () =>
    Effect.gen(function* () {
      const store = yield* JobStore
      const gone = yield* store.createJob(job('gone', OURS))
      yield* store.deleteJob({ namespace: 'default', name: 'gone' }, { propagationPolicy: 'Background' })
      expect(yield* podsOfJobsManagedBy(store, OURS)(podOf(gone))).toBe(false)
    }).pipe(Effect.provide(MemoryStore.layer)),
  )
})
