/**
 * The file store's controller lock, in one process: the kernel's lock is per open file, so two
 * holders in one process exclude each other as two processes do. Processes and signals:
 * `adapters/cli/jobctl.controllerLock.test.ts`.
 */
import * as fs from 'node:fs'
import { createRequire } from 'node:module'
import { hostname } from 'node:os'
import { describe, expect, it } from '@effect/vitest'
import { Deferred, Effect, Exit, Fiber, Scope } from 'effect'
import type { ControllerHolder } from './controllerLock.js'
import { controllerLockFile, describeHolder, holdControllerLock, readControllerLock } from './controllerLock.js'
import { tempDir } from './testing/fixtures.js'

const fast = { retryPeriod: '50 millis' } as const

describe('the file store controller lock', () => {
  it.scopedLive('the holder writes its pid, host and start time into DIR/controller.lock, and empties it when it lets go', () =>
    Effect.gen(function* () {
      const dir = yield* tempDir
      const scope = yield* Scope.make()
      const held = yield* Scope.extend(holdControllerLock(dir, fast), scope)
      expect(held.holder).toMatchObject({ pid: process.pid, host: hostname() })
      expect(Number.isNaN(Date.parse(held.holder.since))).toBe(false)
      expect(JSON.parse(fs.readFileSync(controllerLockFile(dir), 'utf8'))).toEqual(held.holder)
      expect(yield* readControllerLock(dir)).toEqual({ _tag: 'Held', holder: held.holder })

      yield* Scope.close(scope, Exit.void)
      expect(fs.readFileSync(controllerLockFile(dir), 'utf8')).toBe('')
      expect(yield* readControllerLock(dir)).toEqual({ _tag: 'Free', last: undefined })
    }),
  )

  it.scopedLive('a second candidate says once who holds the lock, waits, and holds it as soon as the first lets go', () =>
    Effect.gen(function* () {
      const dir = yield* tempDir
      const first = yield* Scope.make()
      const firstHeld = yield* Scope.extend(holdControllerLock(dir, fast), first)
      const told: Array<ControllerHolder | undefined> = []
      const waiting = yield* Deferred.make<void>()
      const second = yield* Effect.fork(
        Effect.scoped(
          Effect.map(
            holdControllerLock(dir, { ...fast, onWaiting: (holder) => Effect.zipRight(Effect.sync(() => told.push(holder)), Deferred.succeed(waiting, undefined)) }),
            (held) => held.holder,
          ),
        ),
      )
      yield* Deferred.await(waiting)
      // Several more attempts pass while the first holds it; each is refused, and told nobody.
      yield* Effect.sleep('300 millis')
      expect(told).toEqual([firstHeld.holder])
      expect(second.unsafePoll()).toBeNull()

      yield* Scope.close(first, Exit.void)
      const secondHolder = yield* Fiber.join(second)
      expect(secondHolder.pid).toBe(process.pid)
      expect(told).toHaveLength(1)
    }),
  )

  it.scopedLive('a lock held by a process that has not written its name yet is announced as such, once', () =>
    Effect.gen(function* () {
      const dir = yield* tempDir
      // Another process's lock taken with the same kernel call, its name not written.
      const native = createRequire(import.meta.url)('fs-native-extensions') as { tryLock: (fd: number) => boolean }
      const fd = yield* Effect.acquireRelease(
        Effect.sync(() => fs.openSync(controllerLockFile(dir), 'w+')),
        (opened) => Effect.sync(() => fs.closeSync(opened)),
      )
      expect(native.tryLock(fd)).toBe(true)
      const told: Array<ControllerHolder | undefined> = []
      const waiting = yield* Deferred.make<void>()
      yield* Effect.forkScoped(
        Effect.scoped(holdControllerLock(dir, { ...fast, onWaiting: (holder) => Effect.zipRight(Effect.sync(() => told.push(holder)), Deferred.succeed(waiting, undefined)) })),
      )
      yield* Deferred.await(waiting)
      yield* Effect.sleep('200 millis')
      expect(told).toEqual([undefined])
      expect(yield* readControllerLock(dir)).toEqual({ _tag: 'Held', holder: undefined })
    }),
  )

  it.scopedLive('a waiting candidate that is interrupted holds nothing', () =>
    Effect.gen(function* () {
      const dir = yield* tempDir
      const first = yield* Scope.make()
      yield* Scope.extend(holdControllerLock(dir, fast), first)
      const waiting = yield* Deferred.make<void>()
      const second = yield* Effect.fork(Effect.scoped(holdControllerLock(dir, { ...fast, onWaiting: () => Deferred.succeed(waiting, undefined) })))
      yield* Deferred.await(waiting)
      yield* Fiber.interrupt(second)
      yield* Scope.close(first, Exit.void)
      expect(yield* readControllerLock(dir)).toEqual({ _tag: 'Free', last: undefined })
    }),
  )

  it.scopedLive('a file that names a holder whose lock is free reads as free, with the holder that is gone', () =>
    Effect.gen(function* () {
      const dir = yield* tempDir
      const gone: ControllerHolder = { pid: 999_999, host: 'elsewhere', since: '2026-01-02T03:04:05.000Z' }
      fs.writeFileSync(controllerLockFile(dir), `${JSON.stringify(gone)}\n`)
      expect(yield* readControllerLock(dir)).toEqual({ _tag: 'Free', last: gone })
      // And a candidate takes it over at once, writing its own name.
      const held = yield* holdControllerLock(dir, fast)
      expect(JSON.parse(fs.readFileSync(controllerLockFile(dir), 'utf8'))).toEqual(held.holder)
    }),
  )

  it.scopedLive('a store without a lock file has no controller', () =>
    Effect.gen(function* () {
      const dir = yield* tempDir
      expect(yield* readControllerLock(dir)).toEqual({ _tag: 'Free', last: undefined })
    }),
  )

  it.scopedLive('a holder whose lock file is removed is told it lost the lock', () =>
    Effect.gen(function* () {
      const dir = yield* tempDir
      const held = yield* holdControllerLock(dir, fast)
      fs.rmSync(controllerLockFile(dir))
      const lost = yield* Effect.flip(held.lost)
      expect(lost._tag).toBe('ControllerLockLost')
      expect(lost.message).toBe(`controller lock lost: ${controllerLockFile(dir)} was removed or replaced while this controller held it; another controller may run on the store now`)
    }),
  )

  it('describes a holder in one phrase', () => {
    expect(describeHolder({ pid: 4242, host: 'build-7', since: '2026-12-03T14:00:00.000Z' })).toBe('pid 4242 on build-7 since 2026-12-03T14:00:00.000Z')
  })
})
