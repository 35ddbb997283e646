/**
 * The package as npm users get it: `npm pack` of this checkout (its `prepack` builds dist/),
 * installed into a new project and globally, then used the ways the README promises: plain
 * Node ESM, CommonJS through require(esm), TypeScript with both module resolutions, the
 * conformance suite against a store written in plain JavaScript, `jobctl` with no TypeScript
 * loader, and the core in a browser bundle.
 */
import { execFile } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { beforeAll, describe, expect, it } from 'vitest'
import { bundleCoreForBrowser } from './browserBundle.js'

const run = promisify(execFile)
const repository = fileURLToPath(new URL('../..', import.meta.url))
const consumerFixtures = fileURLToPath(new URL('./consumer', import.meta.url))
const manifest = JSON.parse(readFileSync(join(repository, 'package.json'), 'utf8')) as {
  readonly version: string
  readonly devDependencies: Readonly<Record<string, string>>
}
const work = mkdtempSync(join(tmpdir(), 'job-reconciler-package-'))
const consumer = join(work, 'consumer')
const globalPrefix = join(work, 'global')
const npmFlags = ['--no-audit', '--no-fund', '--prefer-offline']

interface PackedFile {
  readonly path: string
}
let tarball = ''
let packedFiles: ReadonlyArray<string> = []

/** Runs a command to the end; rejects with its output when it fails. */
async function sh(command: string, args: ReadonlyArray<string>, cwd: string, env: Readonly<Record<string, string>> = {}) {
  try {
    return await run(command, [...args], { cwd, env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 })
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string; message: string }
    throw new Error(`${command} ${args.join(' ')} failed: ${failed.message}\n${failed.stdout ?? ''}\n${failed.stderr ?? ''}`)
  }
}

/** A copy of the checkout's files (what git tracks, and new files it does not ignore), sharing its node_modules. */
async function copyOfCheckout(): Promise<string> {
  const source = join(work, 'source')
  const { stdout } = await sh('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], repository)
  for (const file of stdout.split('\0').filter((path) => path !== '' && existsSync(join(repository, path)))) {
    cpSync(join(repository, file), join(source, file), { recursive: true })
  }
  symlinkSync(join(repository, 'node_modules'), join(source, 'node_modules'), 'dir')
  return source
}

beforeAll(async () => {
  // Packed from a copy, so that its prepack build never touches the dist/ other tests run.
  const source = await copyOfCheckout()
  const { stdout } = await sh('npm', ['pack', '--json', '--pack-destination', work], source)
  const [packed] = JSON.parse(stdout.slice(stdout.indexOf('['))) as ReadonlyArray<{ readonly filename: string; readonly files: ReadonlyArray<PackedFile> }>
  tarball = join(work, packed!.filename)
  packedFiles = packed!.files.map((file) => file.path)

  cpSync(consumerFixtures, consumer, { recursive: true })
  cpSync(join(repository, 'examples/custom-backend/MapStore.js'), join(consumer, 'MapStore.js'))
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }))
  const beside = ['vitest', '@effect/vitest', 'typescript', '@types/node'].map((name) => `${name}@${manifest.devDependencies[name]}`)
  await sh('npm', ['install', ...npmFlags, tarball, ...beside], consumer)
  mkdirSync(globalPrefix)
  await sh('npm', ['install', '--global', '--prefix', globalPrefix, ...npmFlags, tarball], work)
}, 900_000)

describe('the packed tarball', () => {
  it('holds the compiled JavaScript, declarations, source maps and jobctl, and no sources, tests, fixtures or benches', () => {
    for (const file of ['package.json', 'README.md', 'bin/jobctl.js', 'dist/jobctl.mjs', 'dist/core/index.js', 'dist/core/index.d.ts', 'dist/core/index.js.map']) {
      expect(packedFiles).toContain(file)
    }
    const unwanted = packedFiles.filter(
      (file) => /\.test\.|\/testing\/|^(bench|scripts|examples|tools|core|adapters|conformance)\//.test(file) || (file.endsWith('.ts') && !file.endsWith('.d.ts')),
    )
    expect(unwanted).toEqual([])
  })
})

describe('an npm project that installed the tarball', () => {
  it('imports the core from plain Node ESM and reconciles the pi Job: one pod from generateName "pi-" and a status with startTime and active 1 (R101, R103, R104)', async () => {
    const { stdout } = await sh(process.execPath, ['esm.mjs'], consumer)
    const actions = JSON.parse(stdout) as ReadonlyArray<{ readonly _tag: string; readonly pod?: { readonly metadata: Record<string, unknown> }; readonly status?: Record<string, unknown> }>
    expect(actions.map((action) => action._tag)).toEqual(['CreatePod', 'UpdateJobStatus'])
    expect(actions[0]?.pod?.metadata).toMatchObject({ generateName: 'pi-', finalizers: ['batch.kubernetes.io/job-tracking'] })
    expect(actions[1]?.status).toMatchObject({ startTime: '2026-01-01T00:00:01Z', active: 1, succeeded: 0, failed: 0 })
  })

  it("requires the core from CommonJS through Node 20's require(esm)", async () => {
    const { stdout } = await sh(process.execPath, ['require.cjs'], consumer)
    expect(JSON.parse(stdout)).toEqual(['CreatePod', 'UpdateJobStatus'])
  })

  it.each(['nodenext', 'bundler'])('type-checks a TypeScript consumer of every entry point with moduleResolution %s', async (resolution) => {
    const tsc = join(consumer, 'node_modules/typescript/bin/tsc')
    await expect(sh(process.execPath, [tsc, '-p', `tsconfig.${resolution}.json`], consumer)).resolves.toMatchObject({ stdout: '' })
  })

  it('runs job-reconciler/conformance against a store written in plain JavaScript, every scenario passing', async () => {
    const vitest = join(consumer, 'node_modules/vitest/vitest.mjs')
    const result = await sh(process.execPath, [vitest, 'run', '--reporter=dot'], consumer, { CI: 'true', NO_COLOR: '1' })
    const stdout = result.stdout.replace(/\x1b\[[0-9;]*m/g, '') // without colours, whatever the terminal
    // vitest's summary line: "Tests  83 passed (83)" when every one passed (no "failed", no "skipped").
    const [, passed, total] = /^\s*Tests\s+(\d+) passed \((\d+)\)$/m.exec(stdout) ?? []
    expect(passed, stdout.slice(-2000)).toBeDefined()
    expect(passed).toBe(total)
    expect(Number(passed)).toBeGreaterThanOrEqual(80)
  })

  it('bundles job-reconciler/core for the browser, with no Node built-ins', async () => {
    const bundle = await bundleCoreForBrowser('job-reconciler/core', consumer)
    expect(bundle.inputs.filter((input) => input.startsWith('node:'))).toEqual([])
    expect(bundle.inputs.some((input) => input.includes('job-reconciler/dist/core/'))).toBe(true)
  })
})

describe('npm install --global of the tarball', () => {
  const jobctl = join(globalPrefix, 'bin', 'jobctl')

  it('gives a jobctl that runs with no TypeScript loader installed', async () => {
    const installed = join(globalPrefix, 'lib', 'node_modules', 'job-reconciler')
    expect(existsSync(join(installed, 'node_modules', 'tsx'))).toBe(false)
    expect(existsSync(join(globalPrefix, 'lib', 'node_modules', 'tsx'))).toBe(false)
    await expect(sh(jobctl, ['version'], work)).resolves.toMatchObject({ stdout: `jobctl ${manifest.version}\n` })
  })

  it('runs a Job to completion on the embedded store (jobctl run exits 0 when the Job completed)', async () => {
    const job = join(work, 'hello.yaml')
    writeFileSync(
      job,
      [
        'apiVersion: batch/v1',
        'kind: Job',
        'metadata: {name: hello}',
        'spec:',
        '  template:',
        '    spec:',
        '      restartPolicy: Never',
        '      containers: [{name: hello, image: busybox, command: [sh, -c, "echo hello from the package"]}]',
      ].join('\n'),
    )
    const { stdout } = await sh(jobctl, ['run', '-f', job, '--logs'], work)
    expect(stdout).toContain('job.batch/hello created\n')
    expect(stdout).toContain('\nhello from the package\n')
  })
})
