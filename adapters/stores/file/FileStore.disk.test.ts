import { spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { describe, expect, it } from '@effect/vitest'
import { Effect, Fiber, Stream } from 'effect'
import type { JobStoreService } from '../../ports/JobStore.js'
import * as FileStore from './FileStore.js'
import type { FileStoreOptions } from './FileStore.js'
import { FORMAT_VERSION } from './format.js'
import { jobManifest, pod, repositoryRoot, scriptCommand, tempDir } from './testing/fixtures.js'

const ns = 'ns'
const key = (name: string) => ({ namespace: ns, name })

const withStore = <A, E>(dir: string, use: (store: JobStoreService) => Effect.Effect<A, E>, options?: FileStoreOptions) =>
  Effect.scoped(Effect.flatMap(FileStore.make(dir, options), use))

/** The one-line message opening `dir` fails with. */
const openError = (dir: string) =>
  Effect.map(Effect.flip(withStore(dir, (store) => store.listPods())), (error) => {
    expect(error._tag).toBe('StoreUnavailable')
    expect(error.message).not.toContain('\n')
    return error.message
  })

/** Every file of the directory and its bytes. */
const contents = (dir: string) => Object.fromEntries(fs.readdirSync(dir).map((name) => [name, fs.readFileSync(path.join(dir, name)).toString('base64')]))

/** A store with three pods written; returns the log's path. */
const storeWithPods = (dir: string) =>
  Effect.as(
    withStore(dir, (store) =>
      Effect.gen(function* () {
        for (const name of ['a', 'b', 'c']) yield* store.createPod(pod(name))
      }),
    ),
    path.join(dir, 'log.00000001'),
  )

const podNames = (dir: string) => withStore(dir, (store) => Effect.map(store.listPods(), (list) => list.items.map((p) => p.metadata.name)))

describe('FileStore on disk: opening', () => {
  it.scoped('a missing directory whose parent is missing too: one line naming it and what to do', () =>
    Effect.gen(function* () {
      const parent = yield* tempDir
      const dir = path.join(parent, 'no', 'such')
      const message = yield* openError(dir)
      expect(message).toBe(`file store directory ${dir} does not exist, nor does ${path.dirname(dir)}: create it (mkdir -p ${dir}) or pass another directory`)
      expect(fs.existsSync(path.dirname(dir))).toBe(false)
    }),
  )

  it.scoped('a path that is a file', () =>
    Effect.gen(function* () {
      const parent = yield* tempDir
      const file = path.join(parent, 'file')
      fs.writeFileSync(file, 'x')
      expect(yield* openError(file)).toBe(`file store path ${file} is not a directory: pass a directory`)
    }),
  )

  it.scoped('a directory this user cannot write (checked in a process of another user when run as root)', () =>
    Effect.gen(function* () {
      const dir = yield* tempDir
      fs.chmodSync(dir, 0o500)
      const expected = `file store directory ${dir} is not readable and writable by this user: fix its permissions (chmod u+rwx ${dir}) or pass another directory`
      if (process.getuid?.() === 0) {
        // Root may write anywhere: open it as `nobody`, in a process of its own.
        fs.chmodSync(dir, 0o700)
        const { command, args } = scriptCommand('openStore.ts', [dir])
        const child = spawnSync(command, args, {
          cwd: repositoryRoot,
          uid: 65534,
          gid: 65534,
          encoding: 'utf8',
          env: { ...process.env, HOME: '/tmp' },
        })
        expect(child.stderr).toBe('')
        expect(child.stdout).toBe(`${expected}\n`)
        expect(child.status).toBe(1)
      } else {
        expect(yield* openError(dir)).toBe(expected)
      }
      fs.chmodSync(dir, 0o700)
    }),
  )

  it.scoped('a directory with other files and no store is not taken over', () =>
    Effect.gen(function* () {
      const dir = yield* tempDir
      fs.writeFileSync(path.join(dir, 'notes.txt'), 'mine')
      expect(yield* openError(dir)).toBe(`${dir} is not empty and is not a job-reconciler file store (no store.json): pass an empty or new directory`)
      expect(fs.readdirSync(dir)).toEqual(['notes.txt'])
    }),
  )

  it.scoped('a store written by a newer format version is refused, and left alone', () =>
    Effect.gen(function* () {
      const dir = yield* tempDir
      yield* storeWithPods(dir)
      fs.writeFileSync(path.join(dir, 'store.json'), JSON.stringify({ kind: 'job-reconciler file store', format: FORMAT_VERSION + 1 }))
      const before = contents(dir)
      expect(yield* openError(dir)).toBe(
        `file store ${dir} was written by a newer job-reconciler (format ${FORMAT_VERSION + 1}; this build reads format ${FORMAT_VERSION}): upgrade job-reconciler to use it`,
      )
      expect(contents(dir)).toEqual(before)
    }),
  )

  it.scoped('a damaged store.json', () =>
    Effect.gen(function* () {
      const dir = yield* tempDir
      yield* storeWithPods(dir)
      fs.writeFileSync(path.join(dir, 'store.json'), '{"kind": "job-rec')
      expect(yield* openError(dir)).toContain(`file store ${path.join(dir, 'store.json')} is corrupt or not a job-reconciler store file`)
    }),
  )

  it.scoped('a store whose creation was cut short (killed before store.json) is created again', () =>
    Effect.gen(function* () {
      const dir = yield* tempDir
      fs.writeFileSync(path.join(dir, 'log.00000001'), '')
      fs.writeFileSync(path.join(dir, 'store.json.tmp.99999.abc123'), '{"kind":')
      yield* withStore(dir, (store) => store.createPod(pod('a')))
      expect(yield* podNames(dir)).toEqual(['a'])
    }),
  )

  it.scoped('snapshots and retired logs are owner-only too', () =>
    Effect.gen(function* () {
      const dir = yield* tempDir
      yield* withStore(
        dir,
        (store) =>
          Effect.gen(function* () {
            for (let i = 0; i < 5; i++) yield* store.createPod(pod(`p${i}`))
          }),
        { compactAfterBytes: 1 },
      )
      const names = fs.readdirSync(dir)
      expect(names).toContain('snapshot.00000006')
      for (const name of names) expect(fs.statSync(path.join(dir, name)).mode & 0o777, name).toBe(0o600)
    }),
  )

  it.scoped('a symbolic link planted in place of a log is never followed', () =>
    Effect.gen(function* () {
      const dir = yield* tempDir
      const outside = yield* tempDir
      const log = yield* storeWithPods(dir)
      fs.renameSync(log, path.join(outside, 'elsewhere'))
      fs.symlinkSync(path.join(outside, 'elsewhere'), log)
      expect(yield* openError(dir)).toBe(`cannot open ${log}: it is a symbolic link, which the file store never follows: remove it`)
    }),
  )
})

describe('FileStore on disk: damage and torn writes', () => {
  it.scoped('a changed byte inside a record: opening fails naming the file and byte, and changes nothing', () =>
    Effect.gen(function* () {
      const dir = yield* tempDir
      const log = yield* storeWithPods(dir)
      const bytes = fs.readFileSync(log)
      const second = bytes.indexOf('"name":"b"')
      bytes[second + 8] = 'x'.charCodeAt(0)
      fs.writeFileSync(log, bytes)
      const before = contents(dir)
      const message = yield* openError(dir)
      expect(message).toMatch(new RegExp(`^file store ${log} is corrupt at byte \\d+ \\(checksum mismatch\\); nothing was dropped or changed: restore the directory ${dir} from a backup$`))
      const offset = Number(/at byte (\d+)/.exec(message)?.[1])
      expect(bytes.lastIndexOf('\n', second) + 1).toBe(offset)
      expect(contents(dir)).toEqual(before)
    }),
  )

  it.scoped('a torn last record (a writer killed mid-write) is skipped; the next write starts on a fresh line', () =>
    Effect.gen(function* () {
      const dir = yield* tempDir
      const log = yield* storeWithPods(dir)
      const bytes = fs.readFileSync(log)
      const lastStart = bytes.lastIndexOf('\n', bytes.length - 2) + 1
      fs.writeFileSync(log, bytes.subarray(0, lastStart + Math.floor((bytes.length - lastStart) / 2)))
      expect(yield* podNames(dir)).toEqual(['a', 'b'])
      yield* withStore(dir, (store) => store.createPod(pod('d')))
      expect(yield* podNames(dir)).toEqual(['a', 'b', 'd'])
    }),
  )

  it.scoped('a torn record in the middle (another process appended after it) is skipped too', () =>
    Effect.gen(function* () {
      const dir = yield* tempDir
      const log = yield* storeWithPods(dir)
      fs.appendFileSync(log, Buffer.concat([Buffer.from('\n123 abcdef01 {"t":"put","id":"dead.1","prev":'), Buffer.alloc(40)]))
      yield* withStore(dir, (store) => store.createPod(pod('d')))
      expect(yield* podNames(dir)).toEqual(['a', 'b', 'c', 'd'])
    }),
  )

  it.scoped('a damaged snapshot: opening fails naming it', () =>
    Effect.gen(function* () {
      const dir = yield* tempDir
      yield* storeWithPods(dir)
      yield* withStore(dir, (store) => store.createPod(pod('d')), { compactAfterBytes: 1 })
      const snapshot = path.join(dir, 'snapshot.00000002')
      const bytes = fs.readFileSync(snapshot)
      fs.writeFileSync(snapshot, bytes.subarray(0, bytes.length - 10))
      expect(yield* openError(dir)).toMatch(new RegExp(`^file store ${snapshot} is corrupt at byte \\d+ `))
    }),
  )

  it.scoped('records of a writer that lost the race are skipped by every reader', () =>
    Effect.gen(function* () {
      const dir = yield* tempDir
      const log = yield* storeWithPods(dir)
      // A record that followed the first one, appended after the second had already won.
      const lines = fs.readFileSync(log, 'utf8').split('\n').filter((line) => line !== '')
      const first = JSON.parse(lines[0]?.split(' ').slice(2).join(' ') ?? '') as { id: string }
      const loser = { t: 'put', id: 'loser.1', prev: first.id, rv: 2, k: 'Pod', o: { metadata: { name: 'ghost', namespace: ns }, spec: { containers: [] } } }
      const { frameLine } = yield* Effect.promise(() => import('./format.js'))
      fs.appendFileSync(log, `\n${frameLine(loser)}`)
      expect(yield* podNames(dir)).toEqual(['a', 'b', 'c'])
      yield* withStore(dir, (store) => store.createPod(pod('d')))
      expect(yield* podNames(dir)).toEqual(['a', 'b', 'c', 'd'])
    }),
  )
})

describe('FileStore on disk: names', () => {
  it.scoped('object names are validated before anything is written, and never become file names', () =>
    Effect.gen(function* () {
      const parent = yield* tempDir
      const dir = path.join(parent, 'store')
      yield* withStore(dir, (store) =>
        Effect.gen(function* () {
          const before = contents(dir)
          for (const name of ['../../escape', '/etc/passwd', 'a/b', '..', 'UPPER']) {
            expect((yield* Effect.flip(store.createPod(pod(name))))._tag).toBe('Invalid')
            expect((yield* Effect.flip(store.createJob(jobManifest(name))))._tag).toBe('Invalid')
            expect((yield* Effect.flip(store.getPod(key(name))))._tag).toBe('NotFound')
            expect((yield* Effect.flip(store.deletePod(key(name))))._tag).toBe('NotFound')
          }
          expect((yield* Effect.flip(store.createPod(pod('fine', '../ns'))))._tag).toBe('Invalid')
          expect(contents(dir)).toEqual(before)
        }),
      )
      expect(fs.readdirSync(parent)).toEqual(['store'])
    }),
  )
})

describe('FileStore on disk: falling behind', () => {
  it.scoped('a process that missed several compactions reloads from the snapshot; its open watches end with Gone', () =>
    Effect.gen(function* () {
      const dir = yield* tempDir
      const slow = yield* FileStore.make(dir, { follow: false })
      yield* slow.createPod(pod('first'))
      const watch = yield* Effect.fork(Effect.either(Stream.runDrain(slow.watchPods())))
      yield* Effect.yieldNow()
      yield* withStore(
        dir,
        (fast) =>
          Effect.gen(function* () {
            for (let i = 0; i < 8; i++) yield* fast.createPod(pod(`p${i}`))
          }),
        { compactAfterBytes: 1 },
      )
      // log.00000001 .. log.00000006 are retired now; `slow` still reads the first one.
      expect(fs.readFileSync(path.join(dir, 'log.00000002'), 'utf8')).toContain('"t":"retired"')
      const listed = yield* slow.listPods()
      expect(listed.items.map((p) => p.metadata.name)).toEqual(['first', 'p0', 'p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7'])
      expect(listed.resourceVersion).toBe('9')
      const ended = yield* Fiber.join(watch)
      expect(ended._tag === 'Left' && ended.left._tag).toBe('Gone')
      yield* slow.createPod(pod('last'))
      expect((yield* slow.getPod(key('last'))).metadata.resourceVersion).toBe('10')
    }),
  )
})
