/**
 * Cross-process watching for the file store: what makes an idle process notice the records
 * other processes append, so that its open watches see them. (The watches themselves are
 * store-kit's `WatchHub`, fed as this process applies the log.)
 *
 * `fs.watch` on the directory wakes the process at once where the platform reports changes;
 * a polling timer covers the rest (where `fs.watch` is silent or failed). Both only call
 * `wake`: catching up is the store's business.
 */
import * as fs from 'node:fs'
import { Effect, Stream } from 'effect'

/** Wakes one file store whenever other processes may have appended to its log. */
export class LogFollower {
  private readonly watcher: fs.FSWatcher | undefined
  private readonly timer: NodeJS.Timeout
  /** Open watches: while there are some, the timer keeps the Node.js process alive. */
  private watches = 0

  /** Calls `wake` when `dir` changes, and every `pollIntervalMs` in any case. */
  constructor(dir: string, pollIntervalMs: number, wake: () => void) {
    let watcher: fs.FSWatcher | undefined
    try {
      watcher = fs.watch(dir, { persistent: false }, wake)
      watcher.on('error', () => watcher?.close())
    } catch {
      watcher = undefined // polling alone
    }
    this.watcher = watcher
    this.timer = setInterval(wake, pollIntervalMs)
    this.timer.unref()
  }

  /**
   * `stream`, holding the process open while it runs: a watch waits for other processes'
   * writes, which only the timer can bring once nothing else is pending.
   */
  keepingAlive<A, E>(stream: Stream.Stream<A, E>): Stream.Stream<A, E> {
    return Stream.unwrapScoped(
      Effect.as(
        Effect.acquireRelease(
          Effect.sync(() => this.retain(1)),
          () => Effect.sync(() => this.retain(-1)),
        ),
        stream,
      ),
    )
  }

  close(): void {
    clearInterval(this.timer)
    this.watcher?.close()
  }

  private retain(delta: number): void {
    this.watches += delta
    if (this.watches > 0) this.timer.ref()
    else this.timer.unref()
  }
}
