/**
 * Pod log files never reach outside the store: a symbolic link planted at any level of
 * `STORE/pod-logs/NAMESPACE/POD/CONTAINER.log` (real links in a temp dir) makes `jobctl
 * controller` refuse with one warning line, and `jobctl logs` with one error line, and what the
 * link points at stays as it was. Names that are not DNS-1123 labels or subdomains never become paths.
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Effect, Exit, Layer, Logger, Scope } from 'effect'
import { describe, expect, it } from 'vitest'
import type { Pod } from '../../core/model/types.js'
import * as MemoryStore from '../stores/memory/MemoryStore.js'
import { NotFound } from '../ports/errors.js'
import { JobStore, type JobStoreService } from '../ports/JobStore.js'
import type { PodRuntimeService } from '../ports/PodRuntime.js'
import { runCli } from './cli.js'
import { recording } from './io.js'
import { podLogFile, podLogRoot, readPodLogFile, shipPodLogs } from './podLogFiles.js'
import { tempDir } from './testing/manifests.js'

const NODE = 'this-node'

/** A runtime that runs every pod bound to {@link NODE}; each container printed its own name. */
const runtime = (store: JobStoreService): PodRuntimeService => ({
  nodeName: NODE,
  start: Effect.void,
  logs: (key, options) =>
    store.getPod(key).pipe(
      Effect.filterOrFail((pod) => pod.spec.nodeName === NODE, () => new NotFound({ kind: 'Pod', namespace: key.namespace, name: key.name })),
      Effect.map(() => `${options?.container ?? 'main'} says hello\n`),
      Effect.mapError(() => new NotFound({ kind: 'Pod', namespace: key.namespace, name: key.name })),
    ),
})

const pod = (name: string): Pod => ({
  metadata: { name, namespace: 'default' },
  spec: { nodeName: NODE, restartPolicy: 'Never', containers: [{ name: 'main', image: 'sh' }] },
})

/** Every file and link under `dir` with its content or target: what must not change. */
function contentsOf(dir: string): Record<string, string> {
  const found: Record<string, string> = {}
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    const path = join(entry.parentPath, entry.name)
    found[path.slice(dir.length)] = entry.isDirectory() ? '(directory)' : readFileSync(path, 'utf8')
  }
  return found
}

/** A store directory, a directory outside it holding something precious, and the shipper's warnings. */
function setting(pods: ReadonlyArray<Pod>) {
  const storeDir = tempDir()
  const outside = tempDir()
  mkdirSync(join(outside, 'precious'))
  writeFileSync(join(outside, 'precious', 'data.txt'), 'keep me\n')
  writeFileSync(join(outside, 'main.log'), 'not a log\n')
  const root = podLogRoot(storeDir)
  const warnings: string[] = []
  const store = Effect.runSync(MemoryStore.make)
  for (const p of pods) Effect.runSync(store.createPod(p))
  const logger = Logger.replace(Logger.defaultLogger, Logger.make(({ message }) => void warnings.push(Array.isArray(message) ? message.join(' ') : String(message))))

  /** Ships until `done` holds (polling), then stops the shipper. */
  const shipUntil = async (done: () => boolean): Promise<void> => {
    const scope = Effect.runSync(Scope.make())
    await Effect.runPromise(shipPodLogs(runtime(store), root, 20).pipe(Effect.provideService(JobStore, store), Effect.provide(logger), Scope.extend(scope)))
    try {
      await expect.poll(done, { timeout: 30_000 }).toBe(true)
    } finally {
      await Effect.runPromise(Scope.close(scope, Exit.void))
    }
  }
  return { storeDir, outside, root, warnings, store, shipUntil }
}

const LINK = 'is a symbolic link, and jobctl follows none in its store (remove it)'

describe('jobctl controller never writes or deletes pod logs through a symbolic link', () => {
  it('refuses when pod-logs/ itself is a link, and writes nothing where it points', async () => {
    const world = setting([pod('printer')])
    const before = contentsOf(world.outside)
    symlinkSync(world.outside, world.root)
    await world.shipUntil(() => world.warnings.length > 0)
    expect(world.warnings[0]).toBe(`pod logs: refusing to write pod log ${podLogFile(world.root, { namespace: 'default', name: 'printer' }, 'main')}: ${world.root} ${LINK}`)
    expect(contentsOf(world.outside)).toEqual(before)
  })

  it('refuses when pod-logs/NAMESPACE is a link: neither writes there nor deletes what it finds there as gone pods', async () => {
    const world = setting([pod('printer')])
    const before = contentsOf(world.outside)
    mkdirSync(world.root)
    symlinkSync(world.outside, join(world.root, 'default'))
    const namespaceDir = join(world.root, 'default')
    await world.shipUntil(() => world.warnings.some((line) => line.includes('delete') || line.includes('list')))
    expect(world.warnings).toContain(`pod logs: refusing to write pod log ${join(namespaceDir, 'printer', 'main.log')}: ${namespaceDir} ${LINK}`)
    expect(world.warnings).toContain(`pod logs: refusing to list pod logs in ${namespaceDir}: ${namespaceDir} ${LINK}`)
    expect(contentsOf(world.outside)).toEqual(before)
  })

  it("refuses when the pod's directory is a link, for writing and, once the pod is gone, for deleting", async () => {
    const world = setting([pod('printer')])
    const before = contentsOf(world.outside)
    const podDir = join(world.root, 'default', 'printer')
    mkdirSync(join(world.root, 'default'), { recursive: true })
    symlinkSync(world.outside, podDir)
    await world.shipUntil(() => world.warnings.length > 0)
    expect(world.warnings[0]).toBe(`pod logs: refusing to write pod log ${join(podDir, 'main.log')}: ${podDir} ${LINK}`)

    Effect.runSync(world.store.deletePod({ namespace: 'default', name: 'printer' }, { gracePeriodSeconds: 0 }))
    await world.shipUntil(() => world.warnings.some((line) => line.includes('delete')))
    expect(world.warnings).toContain(`pod logs: refusing to delete the pod logs in ${podDir}: ${podDir} ${LINK}`)
    expect(contentsOf(world.outside)).toEqual(before)
  })

  it('refuses when the log file (or its temporary file) is a link, and leaves the file it points at as it was', async () => {
    const world = setting([pod('printer'), pod('other')])
    const before = contentsOf(world.outside)
    const printerDir = join(world.root, 'default', 'printer')
    const otherDir = join(world.root, 'default', 'other')
    mkdirSync(printerDir, { recursive: true })
    mkdirSync(otherDir, { recursive: true })
    symlinkSync(join(world.outside, 'main.log'), join(printerDir, 'main.log'))
    symlinkSync(join(world.outside, 'main.log'), join(otherDir, 'main.log.tmp'))
    await world.shipUntil(() => world.warnings.length >= 2)
    expect(world.warnings).toContain(`pod logs: refusing to write pod log ${join(printerDir, 'main.log')}: ${join(printerDir, 'main.log')} ${LINK}`)
    expect(world.warnings).toContain(`pod logs: refusing to write pod log ${join(otherDir, 'main.log')}: ${join(otherDir, 'main.log.tmp')} ${LINK}`)

    // Gone from the store: its directory holds a link, so it is not deleted either.
    Effect.runSync(world.store.deletePod({ namespace: 'default', name: 'printer' }, { gracePeriodSeconds: 0 }))
    await world.shipUntil(() => world.warnings.some((line) => line.includes('delete')))
    expect(world.warnings).toContain(`pod logs: refusing to delete the pod logs in ${printerDir}: ${join(printerDir, 'main.log')} ${LINK}`)
    expect(contentsOf(world.outside)).toEqual(before)
    expect(statSync(printerDir).isDirectory()).toBe(true)
  })

  it('says each problem once while it lasts, and records and removes logs as before where nothing is planted', async () => {
    const world = setting([pod('printer'), pod('linked')])
    mkdirSync(join(world.root, 'default'), { recursive: true })
    symlinkSync(world.outside, join(world.root, 'default', 'linked'))
    const file = podLogFile(world.root, { namespace: 'default', name: 'printer' }, 'main')
    await world.shipUntil(() => {
      try {
        return readFileSync(file, 'utf8') === 'main says hello\n'
      } catch {
        return false
      }
    })
    await new Promise((resolve) => setTimeout(resolve, 200)) // several more rounds at 20 ms
    expect(world.warnings.filter((line) => line.includes('linked'))).toHaveLength(1)

    Effect.runSync(world.store.deletePod({ namespace: 'default', name: 'printer' }, { gracePeriodSeconds: 0 }))
    await world.shipUntil(() => {
      try {
        statSync(join(world.root, 'default', 'printer'))
        return false
      } catch {
        return true
      }
    })
  })
})

describe('names become pod log paths only as DNS-1123 names (a namespace and a container name are labels, a pod name a subdomain)', () => {
  it.each([
    [{ namespace: '..', name: 'printer' }, 'main', 'invalid namespace "..": a lowercase RFC 1123 label must consist of'],
    [{ namespace: 'default', name: '../../etc' }, 'main', 'invalid pod name "../../etc": a lowercase RFC 1123 subdomain must consist of'],
    [{ namespace: 'default', name: 'printer' }, '../passwd', 'invalid container name "../passwd": a lowercase RFC 1123 label must consist of'],
  ])('refuses %j container %s', async (key, container, reason) => {
    const root = podLogRoot(tempDir())
    const refused = await Effect.runPromise(Effect.flip(readPodLogFile(root, key, container)))
    expect(refused.message.startsWith(`refusing to read pod log ${podLogFile(root, key, container)}: ${reason}`)).toBe(true)
  })
})

describe('jobctl logs never reads a pod log through a symbolic link', () => {
  /** `jobctl logs printer` on the file store in `storeDir`, whose pod log directory `plant` prepared. */
  async function logsOf(plant: (podDir: string, outside: string) => void) {
    const storeDir = tempDir()
    const outside = tempDir()
    writeFileSync(join(outside, 'secret'), 'secret\n')
    const podDir = join(podLogRoot(storeDir), 'default', 'printer')
    mkdirSync(podDir, { recursive: true })
    plant(podDir, outside)
    const store = Effect.runSync(MemoryStore.make)
    Effect.runSync(store.createPod(pod('printer')))
    const io = recording()
    const code = await Effect.runPromise(
      runCli(['logs', 'printer', '--store', `file:${storeDir}`], { env: {}, resolveStore: () => Effect.succeed(Layer.succeed(JobStore, store)) }).pipe(Effect.provide(io.layer)),
    )
    return { code, stdout: io.stdout(), stderr: io.stderr(), file: join(podDir, 'main.log') }
  }

  it('refuses with one line when the log file is a link', async () => {
    const result = await logsOf((podDir, outside) => symlinkSync(join(outside, 'secret'), join(podDir, 'main.log')))
    expect(result).toEqual({ code: 1, stdout: '', stderr: `error: refusing to read pod log ${result.file}: ${result.file} ${LINK}\n`, file: result.file })
  })

  it('refuses with one line, and does not hang, when the log file is a FIFO', async () => {
    const result = await logsOf((podDir) => execFileSync('mkfifo', [join(podDir, 'main.log')]))
    expect(result).toEqual({ code: 1, stdout: '', stderr: `error: refusing to read pod log ${result.file}: ${result.file} is not a regular file\n`, file: result.file })
  })
})
