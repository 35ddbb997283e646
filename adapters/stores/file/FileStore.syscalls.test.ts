/**
 * The file store under real system-call errors, where they are cheap to produce: a real short
 * write (RLIMIT_FSIZE in a child process: `write(2)` returns short, then EFBIG; Node.js ignores
 * SIGXFSZ), a real ENOSPC (a small tmpfs), a store on a read-only bind mount, and a store this
 * user may read but not write (another user's, run as `nobody` when the tests run as root).
 * Mounting needs root: without it, the mount cases run on what can be had instead (an injected
 * ENOSPC, and a directory without write permission).
 */
import { spawn, spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { Effect } from 'effect'
import { JOBCTL_BIN, finished } from '../../cli/testing/binary.js'
import type { JobStoreService } from '../../ports/JobStore.js'
import * as FileStore from './FileStore.js'
import { injectFaults } from './testing/faultyFs.js'
import { jobManifest, makeTempDir, pod, repositoryRoot, scriptCommand } from './testing/fixtures.js'

const TIMEOUT = 120_000

/** Directories to remove and mount points to unmount after the tests. */
const made: string[] = []
const mounts: string[] = []
afterAll(() => {
  for (const mount of mounts.reverse()) spawnSync('umount', [mount])
  for (const dir of made) fs.rmSync(dir, { recursive: true, force: true })
})

const newDir = (): string => {
  const dir = makeTempDir()
  made.push(dir)
  return dir
}

/** Mounts with `mount ARGS... target`; whether it worked (it needs root). */
function mount(args: ReadonlyArray<string>, target: string): boolean {
  const result = spawnSync('mount', [...args, target], { encoding: 'utf8' })
  if (result.status !== 0) return false
  mounts.push(target)
  return true
}

const run = <A, E>(dir: string, use: (store: JobStoreService) => Effect.Effect<A, E>, warnings: string[] = []) =>
  Effect.runPromise(Effect.scoped(Effect.flatMap(FileStore.make(dir, { follow: false, onWarning: (line) => warnings.push(line) }), use)))

const names = (store: JobStoreService) => Effect.map(store.listPods(), (list) => list.items.map((p) => p.metadata.name))

/** The one-line reason a write failed with. */
async function writeFailure(dir: string, write: (store: JobStoreService) => Effect.Effect<unknown, { readonly message: string }>): Promise<string> {
  const result = await run(dir, (store) => Effect.either(write(store)))
  if (result._tag === 'Right') throw new Error('the write succeeded')
  expect(result.left.message).not.toContain('\n')
  return result.left.message
}

/** A store with pods a and b and a Job j. */
async function storeWithObjects(dir: string): Promise<void> {
  await run(dir, (store) => Effect.all([store.createPod(pod('a')), store.createPod(pod('b')), store.createJob(jobManifest('j'))], { concurrency: 1 }))
}

describe('FileStore under real system-call errors', () => {
  it(
    'a real short write (RLIMIT_FSIZE): the write fails with one line; every acknowledged pod is there for the next process, which closes off the torn record and writes on',
    () => {
      const dir = newDir()
      const limitKiB = 8
      const { command, args } = scriptCommand('fillStore.ts', [dir])
      // `ulimit -f` counts KiB in bash; SIGXFSZ ignored (Node.js does so too), so write(2) returns short, then EFBIG.
      const child = spawnSync('bash', ['-c', `trap '' XFSZ; ulimit -f ${limitKiB}; exec "$0" "$@"`, command, ...args], {
        cwd: repositoryRoot,
        encoding: 'utf8',
      })
      expect(child.stderr).toBe('')
      const lines = child.stdout.trim().split('\n')
      const acknowledged = lines.filter((line) => line.startsWith('ack ')).map((line) => line.split(' ')[1])
      const failure = lines[lines.length - 1] ?? ''
      const log = path.join(dir, 'log.00000001')
      expect(acknowledged.length).toBeGreaterThan(5)
      expect(failure).toMatch(new RegExp(`^cannot append to ${log}: (the write stopped after \\d+ of \\d+ bytes|file too large \\(EFBIG\\))`))
      expect(fs.statSync(log).size).toBe(limitKiB * 1024) // the last write filled the file up to the limit
      expect(child.status).toBe(1)

      return (async () => {
        const warnings: string[] = []
        const after = await run(dir, (store) => Effect.flatMap(store.createPod(pod('after')), () => names(store)), warnings)
        expect(after).toEqual([...acknowledged, 'after'])
        if (failure.includes('the write stopped')) {
          expect(warnings).toHaveLength(1)
          expect(warnings[0]).toContain('was closed off and skipped; it had not been acknowledged')
        }
      })()
    },
    TIMEOUT,
  )

  it(
    'a full disk (ENOSPC on a 256 KiB tmpfs, or injected without root): one line; what was acknowledged is read back while the disk is full; writes work again once there is space',
    async () => {
      const dir = newDir()
      const mounted = mount(['-t', 'tmpfs', '-o', 'size=256k,mode=0700', 'tmpfs'], dir)
      const store = path.join(dir, 'store')
      const acknowledged: string[] = []
      const faults = mounted ? undefined : injectFaults({ write: (i) => (i >= 200 ? { _tag: 'Fails', code: 'ENOSPC' } : undefined) })
      let failure: string
      try {
        failure = await run(store, (s) =>
          Effect.gen(function* () {
            for (let i = 0; ; i++) {
              const written = yield* Effect.either(s.createPod(pod(`p${i}`)))
              if (written._tag === 'Left') return written.left.message
              acknowledged.push(`p${i}`)
            }
          }),
        )
      } finally {
        faults?.restore()
      }
      expect(failure).not.toContain('\n')
      expect(failure).toMatch(/^cannot append to .*log\.00000001: (no space left on device \(ENOSPC\)|the write stopped after \d+ of \d+ bytes \(disk full)/)
      expect(acknowledged.length).toBeGreaterThan(50)
      expect(await run(store, names)).toEqual(acknowledged)
      if (mounted) expect(spawnSync('mount', ['-o', 'remount,size=2m', dir]).status).toBe(0)
      expect(await run(store, (s) => Effect.flatMap(s.createPod(pod('after')), () => names(s)))).toEqual([...acknowledged, 'after'])
    },
    TIMEOUT,
  )

  it(
    'a store on a read-only mount (or, without root, without write permission) opens for reading: jobctl get, describe and logs work, a write gets one line saying it is read-only',
    async () => {
      const dir = newDir()
      await storeWithObjects(dir)
      // What `jobctl controller` ships for `jobctl logs`: DIR/pod-logs/NAMESPACE/POD/CONTAINER.log.
      fs.mkdirSync(path.join(dir, 'pod-logs', 'ns', 'a'), { recursive: true })
      fs.writeFileSync(path.join(dir, 'pod-logs', 'ns', 'a', 'main.log'), 'hello from a\n')
      const readOnly = path.join(newDir(), 'ro')
      fs.mkdirSync(readOnly)
      const mounted = mount(['--bind', dir], readOnly) && spawnSync('mount', ['-o', 'remount,bind,ro', readOnly]).status === 0
      // Without a mount: no write permission, for the owner `nobody` when root runs the tests (root may write anywhere).
      const asNobody = !mounted && process.getuid?.() === 0
      if (!mounted) {
        fs.rmdirSync(readOnly)
        fs.renameSync(dir, readOnly)
        fs.chmodSync(path.dirname(readOnly), 0o755)
        if (asNobody) spawnSync('chown', ['-R', '65534:65534', readOnly])
        for (const name of fs.readdirSync(readOnly)) if (name !== 'pod-logs') fs.chmodSync(path.join(readOnly, name), 0o400)
        fs.chmodSync(readOnly, 0o500)
      }
      const user = asNobody ? { uid: 65534, gid: 65534 } : {}
      const jobctl = (args: ReadonlyArray<string>) =>
        finished(spawn(process.execPath, [JOBCTL_BIN, ...args], { ...user, cwd: '/', env: { ...process.env, HOME: '/tmp' }, stdio: ['pipe', 'pipe', 'pipe'] }))
      const reason = mounted ? 'read-only file system' : 'no write permission for this user'
      const expected = `the file store ${readOnly} is read-only (${reason}): it can be read but not changed; nothing was written (remount it read-write or make it writable by this user to change it)`
      const files = () => Object.fromEntries(fs.readdirSync(readOnly).filter((name) => name !== 'pod-logs').map((name) => [name, fs.readFileSync(path.join(readOnly, name), 'base64')]))
      const before = files()

      if (!asNobody) {
        expect(await run(readOnly, names)).toEqual(['a', 'b'])
        expect(await run(readOnly, (store) => Effect.map(store.getJob({ namespace: 'ns', name: 'j' }), (job) => job.metadata.name))).toBe('j')
        expect(await writeFailure(readOnly, (store) => store.createPod(pod('c')))).toBe(expected)
        expect(await writeFailure(readOnly, (store) => store.deletePod({ namespace: 'ns', name: 'a' }))).toBe(expected)
      }

      const store = ['--store', `file:${readOnly}`, '-n', 'ns']
      const get = await jobctl(['get', 'pods', ...store])
      expect(get.stderr).toBe('')
      expect(get.stdout).toMatch(/^NAME\s.*\na\s.*\nb\s/)
      expect(get.code).toBe(0)
      const describe = await jobctl(['describe', 'job', 'j', ...store])
      expect(describe.stdout).toMatch(/^Name:\s+j$/m)
      expect(describe.code).toBe(0)
      const logs = await jobctl(['logs', 'a', ...store])
      expect(logs.stdout).toBe('hello from a\n')
      expect(logs.code).toBe(0)
      const deleted = await jobctl(['delete', 'pod', 'a', ...store])
      expect(deleted.stderr).toBe(`error: the store file:${readOnly} is unavailable: ${expected}\n`)
      expect(deleted.code).toBe(3)
      // Nothing was changed, not even a byte of the log.
      expect(files()).toEqual(before)
      if (!mounted) fs.chmodSync(readOnly, 0o700)
    },
    TIMEOUT,
  )

  it(
    'a store its owner may not write (mode 0500, files 0400; as nobody when the tests run as root) opens for reading in another process; a write says it is read-only',
    () => {
      const parent = newDir()
      fs.chmodSync(parent, 0o755)
      const dir = path.join(parent, 'store')
      return (async () => {
        await storeWithObjects(dir)
        const root = process.getuid?.() === 0
        if (root) spawnSync('chown', ['-R', '65534:65534', dir])
        for (const name of fs.readdirSync(dir)) fs.chmodSync(path.join(dir, name), 0o400)
        fs.chmodSync(dir, 0o500)
        const { command, args } = scriptCommand('readStore.ts', [dir])
        // Root may write anywhere: the store is read as its owner `nobody`, in a process of its own.
        const asOwner = root ? { uid: 65534, gid: 65534 } : {}
        const child = spawnSync(command, args, { cwd: repositoryRoot, ...asOwner, encoding: 'utf8', env: { ...process.env, HOME: '/tmp' } })
        fs.chmodSync(dir, 0o700)
        expect(child.stderr).toBe('')
        expect(child.stdout).toBe(
          `pods a,b\nthe file store ${dir} is read-only (no write permission for this user): it can be read but not changed; nothing was written (remount it read-write or make it writable by this user to change it)\n`,
        )
        expect(child.status).toBe(0)
      })()
    },
    TIMEOUT,
  )
})
