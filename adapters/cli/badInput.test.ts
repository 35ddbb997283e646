/**
 * Bad input changes nothing, provably: every refused `apply`, `create` and `patch` leaves the
 * file store's directory byte for byte as it was, and says why in one line.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { Effect } from 'effect'
import { beforeAll, describe, expect, it } from 'vitest'
import { stringify } from 'yaml'
import { runCli } from './cli.js'
import { MAX_LINE_CHARACTERS } from './errors.js'
import { recording } from './io.js'
import { jobManifest, tempDir, writeManifest } from './testing/manifests.js'

const storeDir = tempDir()
const files = tempDir()
const store = `file:${storeDir}`

async function jobctl(args: ReadonlyArray<string>) {
  const io = recording('')
  const code = await Effect.runPromise(runCli([...args, '--store', store], { env: {} }).pipe(Effect.provide(io.layer)))
  return { code, stdout: io.stdout(), stderr: io.stderr() }
}

/** Every file under the store's directory and its bytes. */
function snapshot(dir: string): ReadonlyMap<string, string> {
  const entries = new Map<string, string>()
  const walk = (at: string): void => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      const path = join(at, entry.name)
      if (entry.isDirectory()) walk(path)
      else entries.set(relative(dir, path), readFileSync(path).toString('base64'))
    }
  }
  walk(dir)
  return entries
}

const job = (spec: Record<string, unknown> = {}, metadata: Record<string, unknown> = {}) => jobManifest('pi', ['true'], spec, metadata)
const withContainers = (containers: ReadonlyArray<Record<string, unknown>>) => {
  const manifest = job()
  const spec = manifest['spec'] as Record<string, unknown>
  return { ...manifest, spec: { ...spec, template: { spec: { restartPolicy: 'Never', containers } } } }
}
const yaml = (name: string, text: string) => writeManifest(files, name, text)
const docs = (name: string, objects: ReadonlyArray<Record<string, unknown>>) => writeManifest(files, name, objects)

interface BadInput {
  readonly name: string
  /** The file given to `-f`. */
  readonly file: () => string
  /** The one line on stderr (the file's path is `FILE`). */
  readonly line: string | RegExp
}

const BAD_FILES: ReadonlyArray<BadInput> = [
  {
    name: 'an unknown field in the pod template (the API server: strict decoding error)',
    file: () => docs('typo.yaml', [withContainers([{ name: 'main', image: 'busybox', comand: ['true'] }])]),
    line: 'Error from server (BadRequest): error when creating "FILE": Job in version "v1" cannot be handled as a Job: strict decoding error: unknown field "spec.template.spec.containers[0].comand"',
  },
  {
    name: 'a __proto__ key (refused as an unknown field, never dropped)',
    file: () => yaml('proto.yaml', `${stringify(job())}__proto__:\n  spec: {parallelism: 5}\n`),
    line: 'Error from server (BadRequest): error when creating "FILE": Job in version "v1" cannot be handled as a Job: strict decoding error: unknown field "__proto__"',
  },
  {
    name: 'a wrong type deep in the pod template',
    file: () => docs('type.yaml', [withContainers([{ name: 'main', image: 'busybox', ports: [{ containerPort: 'http' }] }])]),
    line: 'Error from server (BadRequest): error when creating "FILE": Job in version "v1" cannot be handled as a Job: spec.template.spec.containers[0].ports[0].containerPort: Invalid value: "http": spec.template.spec.containers[0].ports[0].containerPort in body must be of type integer',
  },
  {
    name: 'a 9.5 MB Job (the API server: Request entity too large: limit is 3145728)',
    file: () => docs('huge.yaml', [job({}, { annotations: { big: 'x'.repeat(9_500_000) } })]),
    line: /^error: error parsing FILE: line 1, column 1: a document of 95\d{5} bytes: Request entity too large: limit is 3145728$/,
  },
  {
    name: "a Job with 100,000 containers (larger than etcd's 1.5 MiB object limit)",
    file: () => yaml('containers.yaml', stringify(job()).replace(/containers:[\s\S]*$/, `containers: [${Array.from({ length: 100_000 }, (_, i) => `{name: c${i}, image: x}`).join(', ')}]\n`)),
    line: /^error: error parsing FILE: line 1, column 1: a value of \d+ bytes as JSON, more than etcd stores in one object \(1572864\): etcdserver: request is too large$/,
  },
  {
    name: 'an alias with no anchor',
    file: () => yaml('alias.yaml', `${stringify(job())}metadata:\n  name: *missing\n`.replace(/^metadata:\n  name: pi\n/m, '')),
    line: /^error: error parsing FILE: line \d+, column 9: unknown alias \*missing \(the anchor &missing must come before it\)$/,
  },
  {
    name: 'an alias bomb',
    file: () =>
      yaml(
        'bomb.yaml',
        `${stringify(job())}${['a: &a [x,x,x,x,x,x,x,x,x,x]', 'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]', 'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]', 'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]', 'e: [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]'].map((l) => `x${l}`).join('\n')}\n`,
      ),
    line: /^error: error parsing FILE: line \d+, column \d+: aliases expand to more than 10000 values$/,
  },
  {
    name: 'a duplicate key (kubectl: key "name" already set in map)',
    file: () => yaml('duplicate.yaml', stringify(job()).replace('  name: pi\n', '  name: pi\n  name: other\n')),
    line: /^error: error parsing FILE: line \d+, column 3: key "name" already set in map$/,
  },
  {
    name: '50,000 labels',
    file: () => docs('labels.yaml', [job({}, { labels: Object.fromEntries(Array.from({ length: 50_000 }, (_, i) => [`l${i}`, 'v'])) })]),
    line: /^error: error parsing FILE: line \d+, column 5: a mapping with 50000 keys, more than 10000$/,
  },
  {
    name: 'nesting 5,000 levels deep',
    file: () => yaml('deep.yaml', `${stringify(job())}extra: ${'['.repeat(5000)}${']'.repeat(5000)}\n`),
    line: /^error: error parsing FILE: line \d+, column \d+: nesting deeper than 100 levels$/,
  },
  {
    name: 'a YAML syntax error in the second document',
    file: () => yaml('syntax.yaml', `${stringify(jobManifest('first', ['true']))}---\na: b: c\n`),
    line: /^error: error parsing FILE: line \d+, column 4: Nested mappings are not allowed in compact mappings$/,
  },
  {
    name: 'an invalid second document (the first is valid: nothing is written)',
    file: () => docs('mixed.yaml', [jobManifest('first', ['true']), job({ parallelism: -1 })]),
    line: 'The Job "pi" is invalid: spec.parallelism: Invalid value: -1: must be greater than or equal to 0',
  },
  {
    name: 'a 1 MB name (the error shows it cut)',
    file: () => docs('name.yaml', [jobManifest('n'.repeat(1_000_000), ['true'])]),
    line: /^The Job "n{256}"\.\.\. \(1000000 characters\) is invalid: \[metadata\.name: Invalid value: "n{256}"\.\.\. \(1000000 characters\): must be no more than 253 characters, .{0,2000}\]$/,
  },
  {
    name: 'five thousand unknown fields (the line is cut)',
    file: () => docs('many.yaml', [withContainers(Array.from({ length: 5000 }, (_, i) => ({ name: `c${i}`, imag: 'x' })))]),
    line: new RegExp(`^Error from server \\(BadRequest\\): error when creating "FILE": Job in version "v1" cannot be handled as a Job: strict decoding error: unknown field "spec\\.template\\.spec\\.containers\\[0\\]\\.imag", .{${MAX_LINE_CHARACTERS - 300},${MAX_LINE_CHARACTERS}}\\.\\.\\. \\(\\d+ more characters\\)$`),
  },
]

const BAD_PATCHES: ReadonlyArray<{ readonly name: string; readonly patch: string; readonly line: string | RegExp }> = [
  {
    name: 'an unknown field',
    patch: '{"spec":{"template":{"spec":{"containers":[{"name":"main","comand":["x"]}]}}}}',
    line: 'Error from server (BadRequest): Job in version "v1" cannot be handled as a Job: strict decoding error: unknown field "spec.template.spec.containers[0].comand"',
  },
  {
    name: 'a __proto__ key',
    patch: '{"__proto__":{"spec":{"parallelism":5}}}',
    line: 'Error from server (BadRequest): Job in version "v1" cannot be handled as a Job: strict decoding error: unknown field "__proto__"',
  },
  { name: 'an alias bomb', patch: 'a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]', line: /^error: unable to parse "a: &a .*"\.\.\. \(\d+ characters\): line 4, column \d+: aliases expand to more than 10000 values$/ },
  { name: 'an unresolved alias', patch: '{"spec": {"parallelism": *n}}', line: 'error: unable to parse "{\\"spec\\": {\\"parallelism\\": *n}}": line 1, column 26: unknown alias *n (the anchor &n must come before it)' },
  { name: 'a duplicate key', patch: '{"spec": {"parallelism": 2, "parallelism": 3}}', line: /^error: unable to parse .*: line 1, column 29: key "parallelism" already set in map$/ },
  { name: 'nesting 5,000 levels deep', patch: `{"spec": ${'['.repeat(5000)}${']'.repeat(5000)}}`, line: /^error: unable to parse .*: line 1, column \d+: nesting deeper than 100 levels$/ },
  {
    name: "a patch larger than etcd's object limit",
    patch: JSON.stringify({ metadata: { annotations: { big: 'x'.repeat(1_600_000) } } }),
    line: /^error: unable to parse "\{\\"metadata.*"\.\.\. \(1600039 characters\): line 1, column 1: a value of 1600039 bytes as JSON, more than etcd stores in one object \(1572864\): etcdserver: request is too large$/,
  },
  { name: 'a list instead of an object', patch: '[1, 2]', line: 'error: unable to parse "[1, 2]": a merge patch is a JSON object' },
]

let before: ReadonlyMap<string, string>
beforeAll(async () => {
  expect(await jobctl(['apply', '-f', docs('good.yaml', [job({ completions: 2 })])])).toEqual({ code: 0, stdout: 'job.batch/pi created\n', stderr: '' })
  before = snapshot(storeDir)
  expect(before.size).toBeGreaterThan(0)
})

const expectOneLine = (stderr: string, file: string, line: string | RegExp): void => {
  const shown = stderr.replaceAll(file, 'FILE')
  expect(shown.endsWith('\n') && !shown.slice(0, -1).includes('\n')).toBe(true)
  if (typeof line === 'string') expect(shown).toBe(`${line}\n`)
  else expect(shown.slice(0, -1)).toMatch(line)
}

describe.each(['apply', 'create'] as const)('jobctl %s of bad input leaves the store byte for byte as it was', (verb) => {
  it.each(BAD_FILES.map((c) => [c.name, c] as const))('%s', async (_name, { file, line }) => {
    const path = file()
    const result = await jobctl([verb, '-f', path])
    expect(result.code).toBe(1)
    expect(result.stdout).toBe('')
    expectOneLine(result.stderr, path, line)
    expect(snapshot(storeDir)).toEqual(before)
  })
})

describe('jobctl patch with a bad patch leaves the store byte for byte as it was', () => {
  it.each(BAD_PATCHES.map((c) => [c.name, c] as const))('%s', async (_name, { patch, line }) => {
    const result = await jobctl(['patch', 'job', 'pi', '--type=merge', '-p', patch])
    expect(result.code).toBe(1)
    expect(result.stdout).toBe('')
    expectOneLine(result.stderr, '\u0000', line)
    expect(snapshot(storeDir)).toEqual(before)
  })
})

describe('jobctl patch whose result would be larger than etcd stores', () => {
  // Nine thousand valid labels (63-character keys and values) fit; nine thousand more do not.
  const labels = (prefix: string) => Object.fromEntries(Array.from({ length: 9000 }, (_, i) => [`${prefix}${String(i).padStart(62, '0')}`, 'v'.repeat(63)]))

  it("refuses it with etcd's message and leaves the store as it was", async () => {
    const first = await jobctl(['patch', 'job', 'pi', '--type=merge', '-p', JSON.stringify({ metadata: { labels: labels('a') } })])
    expect(first).toEqual({ code: 0, stdout: 'job.batch/pi patched\n', stderr: '' })
    const patched = snapshot(storeDir)
    const second = await jobctl(['patch', 'job', 'pi', '--type=merge', '-p', JSON.stringify({ metadata: { labels: labels('b') } })])
    expect(second.code).toBe(1)
    expect(second.stderr).toMatch(/^error: the patching Job would be \d+ bytes as JSON, more than etcd stores in one object \(1572864\): etcdserver: request is too large\n$/)
    expect(snapshot(storeDir)).toEqual(patched)
  })
})
