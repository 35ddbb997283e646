/**
 * Listing a collection: page by page (`limit` + `continue`, one consistent snapshot), with a
 * label selector, returning the items and the snapshot's resourceVersion to watch from.
 */
import { Effect, Either } from 'effect'
import type { LabelSelector } from '../../../core/model/types.js'
import { formatLabelSelector, isEmptySelector } from '../../../core/model/labelSelector.js'
import { StoreUnavailable } from '../../ports/errors.js'
import type { ListResult } from '../../ports/JobStore.js'
import { messageOf } from './apiErrors.js'
import type { Resource } from './resources.js'
import type { Transport } from './transport.js'

interface RawList {
  readonly metadata?: { readonly resourceVersion?: string; readonly continue?: string }
  readonly items?: ReadonlyArray<unknown>
}

/** A label selector as the `labelSelector` query parameter (`undefined` for "everything"). */
export function selectorQuery(selector: LabelSelector | undefined): string | undefined {
  return selector === undefined || isEmptySelector(selector) ? undefined : formatLabelSelector(selector)
}

/**
 * Every object of the collection that matches, in `pageSize` pages (0: one request). A page
 * token that expired midway (410) starts the list again in one request, as client-go's pager
 * does. Objects that cannot be decoded are left out with a warning, and so are those
 * `leaveOut` names, silently.
 */
export function listAll<A>(
  transport: Transport,
  resource: Resource<A>,
  options: { readonly namespace?: string; readonly labelSelector?: LabelSelector },
  pageSize: number,
  /** Objects left out undecoded (the reader has no use for them). */
  leaveOut?: (raw: unknown) => boolean,
): Effect.Effect<ListResult<A>, StoreUnavailable> {
  const path = resource.collectionPath(options.namespace)
  const labelSelector = selectorQuery(options.labelSelector)
  const pages = (limit: number | undefined) =>
    Effect.gen(function* () {
      const items: A[] = []
      let token: string | undefined
      let resourceVersion = ''
      do {
        const response = yield* transport.request({
          method: 'GET',
          path,
          query: { labelSelector, limit, continue: token },
        })
        if (response.status === 410 && token !== undefined) return undefined
        if (response.status !== 200) {
          return yield* Effect.fail(new StoreUnavailable({ reason: `listing ${path}: ${messageOf(response)}` }))
        }
        const list = response.body as RawList
        if (resourceVersion === '') resourceVersion = list.metadata?.resourceVersion ?? ''
        for (const raw of list.items ?? []) {
          if (leaveOut?.(raw) === true) continue
          const decoded = resource.decode(raw)
          if (Either.isRight(decoded)) items.push(decoded.right)
          else yield* Effect.logWarning(`skipping a ${resource.kind} that cannot be read (${nameOf(raw)}): ${decoded.left}`)
        }
        token = list.metadata?.continue === '' ? undefined : list.metadata?.continue
      } while (token !== undefined)
      return { items, resourceVersion }
    })
  return Effect.flatMap(pages(pageSize > 0 ? pageSize : undefined), (result) =>
    result !== undefined ? Effect.succeed(result) : Effect.map(pages(undefined), (whole) => whole!),
  )
}

/** `namespace/name` of a raw object, for messages. */
export function nameOf(raw: unknown): string {
  const metadata = (raw as { metadata?: { namespace?: string; name?: string } } | undefined)?.metadata
  return `${metadata?.namespace ?? ''}/${metadata?.name ?? ''}`
}
