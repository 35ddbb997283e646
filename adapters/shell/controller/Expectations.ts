/** How long an unmet expectation blocks pod management before it is given up (R159). */
export const EXPECTATIONS_TIMEOUT_MS = 5 * 60 * 1000

interface JobExpectations {
  pendingCreations: number
  readonly pendingDeletions: Set<string>
  setAtMs: number
}

/**
 * What the controller is still waiting to see in its cache after its own writes (R159,
 * R160). Until a Job's creations and deletions are observed, its sync tracks finished pods
 * but neither creates nor deletes, so a stale cache never causes duplicate pods.
 */
export class Expectations {
  private readonly byJob = new Map<string, JobExpectations>()
  /** Pod uids whose finalizer removal was sent but not yet observed (R160). */
  private readonly finalizerRemovals = new Set<string>()

  satisfied(jobKey: string, nowMs: number): boolean {
    const expectations = this.byJob.get(jobKey)
    if (expectations === undefined) return true
    if (expectations.pendingCreations <= 0 && expectations.pendingDeletions.size === 0) return true
    return nowMs - expectations.setAtMs > EXPECTATIONS_TIMEOUT_MS
  }

  expectCreations(jobKey: string, count: number, nowMs: number): void {
    const expectations = this.entry(jobKey, nowMs)
    expectations.pendingCreations += count
    expectations.setAtMs = nowMs
  }

  /** A creation was observed, failed, or was never attempted. */
  creationObserved(jobKey: string, count = 1): void {
    const expectations = this.byJob.get(jobKey)
    if (expectations !== undefined) expectations.pendingCreations = Math.max(expectations.pendingCreations - count, 0)
  }

  expectDeletion(jobKey: string, podUid: string, nowMs: number): void {
    const expectations = this.entry(jobKey, nowMs)
    expectations.pendingDeletions.add(podUid)
    expectations.setAtMs = nowMs
  }

  /** A pod was seen gone or terminating, or its deletion failed. */
  deletionObserved(jobKey: string, podUid: string): void {
    this.byJob.get(jobKey)?.pendingDeletions.delete(podUid)
  }

  expectFinalizerRemoval(podUid: string): void {
    this.finalizerRemovals.add(podUid)
  }

  finalizerRemovalObserved(podUid: string): void {
    this.finalizerRemovals.delete(podUid)
  }

  get pendingFinalizerRemovals(): ReadonlySet<string> {
    return this.finalizerRemovals
  }

  /** R77: forget a Job that is gone. */
  forget(jobKey: string): void {
    this.byJob.delete(jobKey)
  }

  private entry(jobKey: string, nowMs: number): JobExpectations {
    let expectations = this.byJob.get(jobKey)
    if (expectations === undefined) {
      expectations = { pendingCreations: 0, pendingDeletions: new Set(), setAtMs: nowMs }
      this.byJob.set(jobKey, expectations)
    }
    return expectations
  }
}
