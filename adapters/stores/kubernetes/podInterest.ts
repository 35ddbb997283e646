/**
 * `PodInterest` on the Kubernetes store: pods whose controller the reader ignores are left out
 * of lists and watches before they are decoded (a watch of every pod in a cluster is mostly
 * other controllers' pods, and decoding is the costly part of an event).
 */
import type { Pod } from '../../../core/model/types.js'
import type { PodInterest } from '../../ports/JobStore.js'

interface RawMetadata {
  readonly namespace?: unknown
  readonly name?: unknown
  readonly uid?: unknown
  readonly resourceVersion?: unknown
  readonly ownerReferences?: unknown
}

const metadataOf = (raw: unknown): RawMetadata | undefined => {
  const metadata = (raw as { readonly metadata?: unknown } | null | undefined)?.metadata
  return typeof metadata === 'object' && metadata !== null ? (metadata as RawMetadata) : undefined
}

/** A test on a raw pod for the reader's `ignoresController`, or `undefined` when it ignores none. */
export function leftOutPods(interest: PodInterest | undefined): ((raw: unknown) => boolean) | undefined {
  const ignores = interest?.ignoresController
  if (ignores === undefined) return undefined
  return (raw) => {
    const references = metadataOf(raw)?.ownerReferences
    if (!Array.isArray(references)) return false
    for (const reference of references as ReadonlyArray<{ readonly controller?: unknown; readonly kind?: unknown; readonly uid?: unknown }>) {
      if (reference?.controller !== true) continue
      return typeof reference.kind === 'string' && typeof reference.uid === 'string' && ignores({ kind: reference.kind, uid: reference.uid })
    }
    return false
  }
}

/** A left-out pod as the `Deleted` event that makes a reader's cache forget it: its metadata only. */
export function podTombstone(raw: unknown): Pod {
  const metadata = metadataOf(raw)
  const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined)
  return {
    metadata: {
      ...(text(metadata?.namespace) !== undefined ? { namespace: text(metadata?.namespace) } : {}),
      ...(text(metadata?.name) !== undefined ? { name: text(metadata?.name) } : {}),
      ...(text(metadata?.uid) !== undefined ? { uid: text(metadata?.uid) } : {}),
      ...(text(metadata?.resourceVersion) !== undefined ? { resourceVersion: text(metadata?.resourceVersion) } : {}),
    },
    spec: { containers: [] },
  }
}
