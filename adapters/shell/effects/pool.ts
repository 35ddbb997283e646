import { Effect } from 'effect'

/**
 * `Effect.forEach(items, f, { concurrency })` for effects that do not fail: at most
 * `concurrency` run at once, in the items' order, each worker taking the next item as soon as
 * it is done with one; the results come in the items' order. Unlike `Effect.forEach`, a worker
 * goes on to its next item without a trip through the scheduler, which is most of the cost
 * when the effects are quick (a memory store's writes, thousands of pods per sync).
 */
export function forEachConcurrently<A, B, R>(
  items: ReadonlyArray<A>,
  f: (item: A) => Effect.Effect<B, never, R>,
  concurrency: number,
): Effect.Effect<Array<B>, never, R> {
  return Effect.suspend(() => {
    const results = new Array<B>(items.length)
    let next = 0
    const worker: Effect.Effect<void, never, R> = Effect.suspend(() => {
      if (next >= items.length) return Effect.void
      const index = next++
      return Effect.flatMap(f(items[index]!), (result) => {
        results[index] = result
        return worker
      })
    })
    const workers = Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, () => worker)
    return Effect.as(Effect.all(workers, { concurrency: 'unbounded', discard: true }), results)
  })
}
