import type { LabelSelector, ObjectMeta } from '../../../core/model/types.js'
import { isEmptySelector, matchesSelector } from '../../../core/model/labelSelector.js'

/** Anything with object metadata: Jobs and Pods. */
export interface StoredObject {
  readonly metadata: ObjectMeta
}

type NameSet = Set<string>
/** label value -> names of the objects carrying it, for one label key in one namespace. */
type ValueIndex = Map<string, NameSet>

/**
 * The objects of one kind, by namespace and name. Reads by key are O(1); a list touches only
 * its namespace; a list by a selector with `matchLabels` touches only the objects carrying
 * the rarest of those labels, through an index per label key that is built the first time a
 * selector asks for that key and maintained on every write after that (so a store with 100k
 * pods answers "the pods of this Job" without scanning them).
 *
 * Objects are kept as given (callers store frozen snapshots). Lists come in creation order;
 * lists served from an index come in the order the objects got the selected label, which is
 * the same unless a label was changed later.
 */
export class ObjectTable<A extends StoredObject> {
  private readonly namespaces = new Map<string, Map<string, A>>()
  /** namespace -> label key -> value index, for the keys in `indexedKeys` only. */
  private readonly indexes = new Map<string, Map<string, ValueIndex>>()
  private readonly indexedKeys = new Set<string>()

  /** The object with this namespace and name, if any. O(1). */
  get(namespace: string, name: string): A | undefined {
    return this.namespaces.get(namespace)?.get(name)
  }

  /** Inserts or replaces the object with the same namespace and name. */
  put(object: A): void {
    const { namespace, name } = keyOf(object)
    let objects = this.namespaces.get(namespace)
    if (objects === undefined) {
      objects = new Map()
      this.namespaces.set(namespace, objects)
    }
    const previous = objects.get(name)
    objects.set(name, object)
    if (this.indexedKeys.size > 0 && previous?.metadata.labels !== object.metadata.labels) {
      for (const key of this.indexedKeys) {
        const before = previous?.metadata.labels?.[key]
        const after = object.metadata.labels?.[key]
        if (before === after) continue
        const index = this.indexOf(namespace, key)
        if (before !== undefined) removeFromIndex(index, before, name)
        if (after !== undefined) addToIndex(index, after, name)
      }
    }
  }

  /** Removes the object; returns what was there. */
  remove(namespace: string, name: string): A | undefined {
    const objects = this.namespaces.get(namespace)
    const previous = objects?.get(name)
    if (objects === undefined || previous === undefined) return undefined
    objects.delete(name)
    for (const key of this.indexedKeys) {
      const value = previous.metadata.labels?.[key]
      if (value !== undefined) removeFromIndex(this.indexOf(namespace, key), value, name)
    }
    if (objects.size === 0) {
      this.namespaces.delete(namespace)
      this.indexes.delete(namespace)
    }
    return previous
  }

  /** The objects of one namespace (or all, when omitted) that match the selector. */
  list(namespace?: string, selector?: LabelSelector): A[] {
    const namespaces = namespace === undefined ? [...this.namespaces.keys()] : [namespace]
    const items: A[] = []
    for (const ns of namespaces) this.listNamespace(ns, selector, items)
    return items
  }

  private listNamespace(namespace: string, selector: LabelSelector | undefined, into: A[]): void {
    const objects = this.namespaces.get(namespace)
    if (objects === undefined) return
    const matchLabels = Object.entries(selector?.matchLabels ?? {})
    if (selector === undefined || isEmptySelector(selector)) {
      for (const object of objects.values()) into.push(object)
      return
    }
    if (matchLabels.length === 0) {
      for (const object of objects.values()) if (matchesSelector(selector, object.metadata.labels)) into.push(object)
      return
    }
    let candidates: NameSet | undefined
    for (const [key, value] of matchLabels) {
      const names = this.indexFor(namespace, key).get(value)
      if (names === undefined) return
      if (candidates === undefined || names.size < candidates.size) candidates = names
    }
    for (const name of candidates ?? []) {
      const object = objects.get(name)
      if (object !== undefined && matchesSelector(selector, object.metadata.labels)) into.push(object)
    }
  }

  /** The value index of a label key in a namespace, building it (for every namespace) on first use. */
  private indexFor(namespace: string, key: string): ValueIndex {
    if (!this.indexedKeys.has(key)) {
      this.indexedKeys.add(key)
      for (const [ns, objects] of this.namespaces) {
        const index = this.indexOf(ns, key)
        for (const [name, object] of objects) {
          const value = object.metadata.labels?.[key]
          if (value !== undefined) addToIndex(index, value, name)
        }
      }
    }
    return this.indexOf(namespace, key)
  }

  private indexOf(namespace: string, key: string): ValueIndex {
    let byKey = this.indexes.get(namespace)
    if (byKey === undefined) {
      byKey = new Map()
      this.indexes.set(namespace, byKey)
    }
    let index = byKey.get(key)
    if (index === undefined) {
      index = new Map()
      byKey.set(key, index)
    }
    return index
  }
}

function keyOf(object: StoredObject): { namespace: string; name: string } {
  return { namespace: object.metadata.namespace ?? '', name: object.metadata.name ?? '' }
}

function addToIndex(index: ValueIndex, value: string, name: string): void {
  let names = index.get(value)
  if (names === undefined) {
    names = new Set()
    index.set(value, names)
  }
  names.add(name)
}

function removeFromIndex(index: ValueIndex, value: string, name: string): void {
  const names = index.get(value)
  if (names === undefined) return
  names.delete(name)
  if (names.size === 0) index.delete(value)
}
