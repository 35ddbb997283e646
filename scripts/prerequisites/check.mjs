#!/usr/bin/env node
/**
 * What this machine needs beyond npm packages, checked once and installed where we can:
 * - perl whose `bpi(2000)` prints pi (the Kubernetes docs' pi Job runs exactly that command).
 *   Debian 12's perl 5.36 ships a Math::BigInt whose bpi dies once the value is printed;
 *   Debian's libmath-bigint-perl fixes it, and as root with apt-get we install it.
 * - Go, only for the tests (they build a real kube-apiserver from its Go modules).
 *
 *   node scripts/prerequisites/check.mjs            # npm's `prepare` (npm ci): warns, never fails
 *   node scripts/prerequisites/check.mjs --strict   # .ci/run: exits 1 when something is missing
 *
 * Every line it prints starts with "prerequisites:". When it cannot install, it says in one line
 * what to install.
 */
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { piDigits } from './pi.mjs'

const strict = process.argv.includes('--strict')
/** The pi Job's own command, from examples/pi/job.yaml. */
const PI_COMMAND = ['perl', ['-Mbignum=bpi', '-wle', 'print bpi(2000)']]
const PERL_FIX = 'libmath-bigint-perl'

function say(line) {
  console.log(`prerequisites: ${line}`)
}

function run(command, args) {
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 })
  return { ok: result.status === 0 && result.error === undefined, stdout: result.stdout ?? '', stderr: result.stderr ?? '', missing: result.error?.code === 'ENOENT' }
}

/** Why perl cannot run the pi Job, or undefined when it prints the right 2000 digits. */
function perlProblem() {
  const result = run(...PI_COMMAND)
  if (result.missing) return 'perl is not installed'
  if (result.stdout.trim() !== piDigits(2000)) {
    const firstError = result.stderr.split('\n').find((line) => line.trim() !== '') ?? 'wrong digits'
    return `perl's bpi(2000) does not print pi (${firstError.trim()})`
  }
  return undefined
}

function canInstallDebianPackages() {
  return process.getuid?.() === 0 && run('apt-get', ['--version']).ok
}

function aptInstall(packages) {
  say(`installing Debian's ${packages.join(' ')}`)
  const update = run('apt-get', ['update', '-qq'])
  if (!update.ok) say(`apt-get update failed: ${update.stderr.trim().split('\n').pop() ?? ''}`)
  const install = run('apt-get', ['install', '-y', '-qq', ...packages])
  if (!install.ok) say(`apt-get install ${packages.join(' ')} failed: ${install.stderr.trim().split('\n').pop() ?? ''}`)
  return install.ok
}

function checkPerl() {
  const problem = perlProblem()
  if (problem === undefined) return true
  const packages = problem === 'perl is not installed' ? ['perl', PERL_FIX] : [PERL_FIX]
  if (canInstallDebianPackages() && aptInstall(packages)) {
    const after = perlProblem()
    if (after === undefined) {
      say(`perl prints pi's 2000 digits now (installed ${packages.join(' ')})`)
      return true
    }
    say(`${after}, even after installing ${packages.join(' ')}`)
    return false
  }
  say(`${problem}: install Debian's ${packages.join(' ')} (as root: apt-get install ${packages.join(' ')}), or Math::BigInt 1.999837 or newer from CPAN`)
  return false
}

/** Go builds the test control plane; not needed when its binaries are already cached. */
function checkGo() {
  const env = run('bash', [new URL('../k8s-bin/env.sh', import.meta.url).pathname])
  const binDir = /^K8S_BIN_DIR=(.*)$/m.exec(env.stdout)?.[1]
  if (binDir !== undefined && ['etcd', 'kube-apiserver', 'kube-controller-manager'].every((binary) => existsSync(`${binDir}/${binary}`))) return true
  if (run('go', ['version']).ok) return true
  say('Go is not installed: the tests build kube-apiserver from its Go modules (install Go 1.26 or newer); jobctl itself does not need it')
  return false
}

const major = Number(process.versions.node.split('.')[0])
const nodeOk = major >= 20
if (!nodeOk) say(`Node ${process.versions.node} is too old: install Node 20 or newer`)
const perlOk = checkPerl()
const goOk = checkGo()
if (strict && !(nodeOk && perlOk && goOk)) process.exit(1)
