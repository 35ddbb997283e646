/**
 * A map that keeps at most `capacity` entries, forgetting the least recently used one first
 * (the `groupcache/lru` cache client-go's event correlator keeps its records in).
 */
export class LruCache<V> {
  private readonly entries = new Map<string, V>()

  constructor(private readonly capacity: number) {}

  /** The value, which becomes the most recently used. */
  get(key: string): V | undefined {
    const value = this.entries.get(key)
    if (value === undefined) return undefined
    this.entries.delete(key)
    this.entries.set(key, value)
    return value
  }

  /** Stores the value as the most recently used, forgetting the least recently used beyond capacity. */
  set(key: string, value: V): void {
    this.entries.delete(key)
    this.entries.set(key, value)
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as string)
  }

  get size(): number {
    return this.entries.size
  }
}
