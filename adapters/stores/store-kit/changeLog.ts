import { Effect } from 'effect'
import { Gone } from '../../ports/errors.js'

/** One committed change to an object, as watches report it. */
export interface Change<A> {
  /** The store-wide resourceVersion the write got (the object carries it too). */
  readonly resourceVersion: number
  readonly type: 'Added' | 'Modified' | 'Deleted'
  /** The object after the write; for `Deleted`, its last state with the deletion's version. */
  readonly object: A
}

/**
 * The last `capacity` changes of one kind of object, oldest first: what a watch that starts
 * from a resourceVersion replays (the API server's watch cache plays this part). Appending is
 * O(1) and never blocks; the oldest change is forgotten once the log is full.
 */
export class ChangeLog<A> {
  private readonly ring: Array<Change<A> | undefined>
  /** How many changes the log keeps (at least 1). */
  readonly capacity: number
  private head = 0
  private length = 0
  /** Every change with a version above this is still in the log. */
  private complete: number

  /** `startVersion`: the store's version before its first write (nothing to forget yet). */
  constructor(capacity: number, startVersion: number) {
    this.capacity = Math.max(1, Math.floor(capacity))
    this.ring = new Array<Change<A> | undefined>(this.capacity)
    this.complete = startVersion
  }

  /** Records a change; versions must increase from one call to the next. */
  append(change: Change<A>): void {
    if (this.length === this.capacity) {
      const oldest = this.ring[this.head] as Change<A>
      this.complete = oldest.resourceVersion
      this.ring[this.head] = change
      this.head = (this.head + 1) % this.capacity
    } else {
      this.ring[(this.head + this.length) % this.capacity] = change
      this.length++
    }
  }

  /**
   * The changes with a version above `resourceVersion`, in order, or `undefined` when some of
   * them have been forgotten already (the caller answers `Gone`).
   */
  since(resourceVersion: number): ReadonlyArray<Change<A>> | undefined {
    if (resourceVersion < this.complete) return undefined
    // Binary search for the first change above the version: the ring is sorted by version.
    let low = 0
    let high = this.length
    while (low < high) {
      const mid = (low + high) >>> 1
      if (this.at(mid).resourceVersion <= resourceVersion) low = mid + 1
      else high = mid
    }
    const changes: Array<Change<A>> = []
    for (let i = low; i < this.length; i++) changes.push(this.at(i))
    return changes
  }

  private at(index: number): Change<A> {
    return this.ring[(this.head + index) % this.capacity] as Change<A>
  }
}

/** The remembered changes after `from` (none without it) and the version they reach. */
export function replayFrom<A>(
  history: ChangeLog<A>,
  from: string | undefined,
  currentVersion: () => number,
): Effect.Effect<{ readonly changes: ReadonlyArray<Change<A>>; readonly upTo: number }, Gone> {
  return Effect.suspend(() => {
    if (from === undefined) return Effect.succeed({ changes: [], upTo: currentVersion() })
    const version = /^\d+$/.test(from) ? Number(from) : Number.NaN
    const changes = Number.isSafeInteger(version) ? history.since(version) : undefined
    if (changes === undefined) return Effect.fail(new Gone({ resourceVersion: from }))
    return Effect.succeed({ changes, upTo: changes.at(-1)?.resourceVersion ?? version })
  })
}
