import { Scheduler } from 'effect'

/**
 * An effect scheduler for busy Node processes: each batch of fiber work runs from
 * `setImmediate`, so I/O gets its turn between batches without the 1 ms minimum delay of the
 * `setTimeout(0)` that effect's default scheduler falls back to under sustained load (which
 * left a controller moving thousands of pods mostly idle). Use it at an entry point:
 * `program.pipe(Effect.withScheduler(immediateScheduler))`.
 */
export const immediateScheduler: Scheduler.Scheduler = Scheduler.makeBatched((runBatch) => setImmediate(runBatch))
