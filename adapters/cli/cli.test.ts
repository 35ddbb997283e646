import { Effect, Layer } from 'effect'
import { describe, expect, it } from 'vitest'
import * as MemoryStore from '../stores/memory/MemoryStore.js'
import { COMMANDS, runCli } from './cli.js'
import { recording } from './io.js'
import { formatStoreSpec, kubeConfigOf, type StoreSpec } from './store.js'
import { StoreUnavailable } from '../ports/errors.js'
import { tempDir, writeManifest } from './testing/manifests.js'

/** Runs jobctl in-process with the default backends (the binary is tested in jobctl.test.ts). */
async function jobctl(args: ReadonlyArray<string>, env: Record<string, string> = {}, stdin = '') {
  const io = recording(stdin)
  const code = await Effect.runPromise(runCli(args, { env }).pipe(Effect.provide(io.layer)))
  return { code, stdout: io.stdout(), stderr: io.stderr() }
}

describe('help', () => {
  it.each(COMMANDS.map((c) => [c.name, c] as const))('jobctl %s --help shows the usage, examples and every flag', async (_name, command) => {
    const { code, stdout, stderr } = await jobctl([command.name, '--help'])
    expect(code).toBe(0)
    expect(stderr).toBe('')
    expect(stdout).toContain(`${command.summary}\n`)
    expect(stdout).toContain(`Usage:\n  jobctl ${command.usage}\n`)
    if (command.examples.length > 0) expect(stdout).toContain('Examples:\n')
    for (const flag of command.flags) expect(stdout).toContain(`--${flag.name}`)
    expect(stdout).toContain('Global flags:\n')
    expect((await jobctl(['help', command.name])).stdout).toBe(stdout)
  })

  it('shows the overview with no arguments, and the version', async () => {
    expect((await jobctl([])).stdout).toContain('Exit codes:\n')
    expect(await jobctl(['version'])).toEqual({ code: 0, stdout: 'jobctl 0.1.0\n', stderr: '' })
    expect(await jobctl(['help', 'nope'])).toEqual({ code: 2, stdout: '', stderr: `error: unknown command "nope" for "jobctl" (see 'jobctl --help')\n` })
    expect(await jobctl(['--store', 'memory'])).toEqual({ code: 2, stdout: '', stderr: `error: a command is required (see 'jobctl --help')\n` })
  })
})

describe('bad input', () => {
  const dir = tempDir()
  const noKind = writeManifest(dir, 'nokind.yaml', [{ apiVersion: 'batch/v1', metadata: { name: 'x' } }])
  const empty = writeManifest(dir, 'empty.yaml', '# nothing here\n')
  it.each([
    [['create', '-f', noKind, '--store', 'memory'], 1, `error: error validating "${noKind}": error validating data: kind not set`],
    [['apply', '-f', empty, '--store', 'memory'], 1, 'error: no objects passed to apply'],
    [['apply', '--store', 'memory'], 2, "error: must specify -f FILENAME (see 'jobctl apply --help')"],
    [['describe', '--store', 'memory'], 2, "error: you must specify the type of resource to describe (see 'jobctl describe --help')"],
    [['logs', 'pi-abcde', '--store', 'memory'], 1, 'Error from server (NotFound): pods "pi-abcde" not found'],
    [['get', 'jobs', '-o', 'jsonpath={.items[*', '--store', 'memory'], 2, "error: error parsing jsonpath {.items[*, unclosed action (see 'jobctl get --help')"],
    [['get', 'jobs', '-o', 'jsonpath=', '--store', 'memory'], 2, "error: template format specified but no template given (see 'jobctl get --help')"],
    [['get', 'jobs', '-l', 'a in (', '--store', 'memory'], 2, `error: unable to parse label selector "a in (": found end of string, expected: ',' or ')' (see 'jobctl get --help')`],
    [['get', 'jobs', '--store', 'file:'], 2, "error: --store file:DIR needs a directory (see 'jobctl get --help')"],
    [['controller', '--store', 'memory', '--metrics-port', 'http'], 2, `error: invalid argument "http" for "--metrics-port" flag (see 'jobctl controller --help')`],
    [['controller', '--store', 'memory', '--max-container-starts', '0'], 2, `error: invalid argument "0" for "--max-container-starts" flag (see 'jobctl controller --help')`],
  ])('jobctl %j exits %i with one line', async (args, code, line) => {
    expect(await jobctl(args)).toEqual({ code, stdout: '', stderr: `${line}\n` })
  })

  it("jobctl controller --run-pods needs the CA of the API server's kubelet client certificate, as a kubelet's --client-ca-file", async () => {
    const dir = tempDir()
    const notACa = writeManifest(dir, 'not-a-ca.pem', '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n')
    /** On a kube store that is a memory store here: the flags are checked before anything connects. */
    const onKube = async (args: ReadonlyArray<string>) => {
      const io = recording()
      const code = await Effect.runPromise(runCli(['controller', '--store', 'kube', ...args], { env: {}, resolveStore: () => Effect.succeed(MemoryStore.layer) }).pipe(Effect.provide(io.layer)))
      return { code, stdout: io.stdout(), stderr: io.stderr() }
    }
    expect(await onKube(['--run-pods'])).toEqual({
      code: 2,
      stdout: '',
      stderr:
        "error: --run-pods needs --node-client-ca-file FILE: the CA that signed the API server's kubelet client certificate (kube-apiserver --kubelet-client-certificate) (see 'jobctl controller --help')\n",
    })
    expect(await onKube(['--run-pods', '--node-client-ca-file', notACa, '--node-authorization-mode', 'RBAC'])).toEqual({
      code: 2,
      stdout: '',
      stderr: `error: invalid argument "RBAC" for "--node-authorization-mode" flag: must be one of Webhook, AlwaysAllow (see 'jobctl controller --help')\n`,
    })
    expect(await onKube(['--run-pods', '--node-client-ca-file', `${dir}/missing.crt`])).toEqual({
      code: 1,
      stdout: '',
      stderr: `error: cannot read the node's client CA file ${dir}/missing.crt: ENOENT\n`,
    })
    expect(await onKube(['--run-pods', '--node-client-ca-file', notACa])).toEqual({
      code: 1,
      stdout: '',
      stderr: `error: the node's client CA file ${notACa} holds no CA certificate in PEM (-----BEGIN CERTIFICATE-----, basicConstraints CA:TRUE), or a malformed one\n`,
    })
  })

  it.each([
    [['--kube-api-qps', 'fast'], 'invalid argument "fast" for "--kube-api-qps" flag: must be a number above 0'],
    [['--kube-api-qps', '0'], 'invalid argument "0" for "--kube-api-qps" flag: must be a number above 0'],
    [['--kube-api-burst', '2.5'], 'invalid argument "2.5" for "--kube-api-burst" flag: must be a whole number of at least 1'],
    [['--kube-api-burst', '-1'], 'invalid argument "-1" for "--kube-api-burst" flag: must be a whole number of at least 1'],
    [['--concurrent-job-syncs', '0'], 'invalid argument "0" for "--concurrent-job-syncs" flag: must be a whole number of at least 1'],
    [['--concurrent-job-syncs', ''], 'invalid argument "" for "--concurrent-job-syncs" flag: must be a whole number of at least 1'],
  ])('jobctl controller --store kube %j: one usage line, before anything connects', async (args, line) => {
    const asked: StoreSpec[] = []
    const io = recording()
    const resolveStore = (spec: StoreSpec) => Effect.sync(() => (asked.push(spec), MemoryStore.layer))
    const code = await Effect.runPromise(runCli(['controller', '--store', 'kube', ...args], { env: {}, resolveStore }).pipe(Effect.provide(io.layer)))
    expect({ code, stdout: io.stdout(), stderr: io.stderr() }).toEqual({ code: 2, stdout: '', stderr: `error: ${line} (see 'jobctl controller --help')\n` })
    expect(asked).toEqual([])
  })

  it("--kube-api-qps and --kube-api-burst reach the Kubernetes store's configuration (kube-controller-manager's defaults 20 and 30)", async () => {
    const configOf = async (args: ReadonlyArray<string>) => {
      const asked: StoreSpec[] = []
      const io = recording()
      // The store is refused, so the controller stops right after the store was asked for.
      const resolveStore = (spec: StoreSpec) => Effect.sync(() => (asked.push(spec), Layer.fail(new StoreUnavailable({ reason: 'not in this test' }))))
      const code = await Effect.runPromise(runCli(['controller', ...args], { env: {}, resolveStore }).pipe(Effect.provide(io.layer)))
      expect(code).toBe(3)
      return asked[0]?._tag === 'Kube' ? kubeConfigOf(asked[0]) : asked[0]
    }
    expect(await configOf(['--store', 'kube'])).toEqual({ qps: 20, burst: 30 })
    expect(await configOf(['--store', 'kube:lab', '--kube-api-qps', '50.5', '--kube-api-burst', '100'])).toEqual({ context: 'lab', qps: 50.5, burst: 100 })
    // Other stores have no client limits.
    expect(await configOf(['--store', 'file:/nowhere', '--kube-api-qps', '50'])).toEqual({ _tag: 'File', dir: '/nowhere' })
  })

  it('says in one line when a store is not available', async () => {
    const result = await jobctl(['get', 'jobs', '--store', 'kube:nowhere'])
    expect(result.code).toBe(3)
    expect(result.stderr).toMatch(/^error: the store kube:nowhere is unavailable: \S[^\n]*\n$/)
  })
})

describe('--store', () => {
  /** Runs a command with a resolver that records the store asked for and gives a memory store. */
  async function storeOf(args: ReadonlyArray<string>, env: Record<string, string> = {}): Promise<string> {
    const asked: StoreSpec[] = []
    const io = recording()
    const resolveStore = (spec: StoreSpec) => Effect.sync(() => (asked.push(spec), MemoryStore.layer))
    await Effect.runPromise(runCli(args, { env, resolveStore }).pipe(Effect.provide(io.layer)))
    return asked.map(formatStoreSpec).join(' ')
  }

  it('defaults to $JOBCTL_STORE, else file:./.jobctl, for the verbs', async () => {
    expect(await storeOf(['get', 'jobs'])).toBe('file:./.jobctl')
    expect(await storeOf(['get', 'jobs'], { JOBCTL_STORE: 'kube:ctx' })).toBe('kube:ctx')
    expect(await storeOf(['get', 'jobs', '--store', 'file:/srv/jobs'], { JOBCTL_STORE: 'kube' })).toBe('file:/srv/jobs')
    expect(await storeOf(['get', 'jobs', '--store=file'])).toBe('file:./.jobctl')
  })

  it('defaults to memory for run, whatever $JOBCTL_STORE says', async () => {
    const file = writeManifest(tempDir(), 'quick.yaml', [
      { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'quick' }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'none', command: ['true'] }] } } } },
    ])
    expect(await storeOf(['run', '-f', file], { JOBCTL_STORE: 'file:/dev/null/x' })).toBe('memory')
    const result = await jobctl(['run', '-f', file], { JOBCTL_STORE: 'file:/dev/null/x' })
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/^job\.batch\/quick created\nName: +quick\n/)
  })
})
