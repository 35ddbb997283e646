/**
 * The prerequisites check that `npm ci` (npm's prepare) and `.ci/run` run first, on a machine
 * whose perl is broken as a fresh Debian 12's is: a `perl` on PATH that dies as perl 5.36's core
 * Math::BigInt does on `print bpi(2000)` until `apt-get install libmath-bigint-perl` has run.
 */
import { execFile } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const CHECK = fileURLToPath(new URL('./check.mjs', import.meta.url))
const REAL_PERL = '/usr/bin/perl'
/** nobody:nogroup, a user that is not root. */
const NOBODY = 65534

interface Machine {
  readonly bin: string
  readonly aptLog: string
  readonly fixed: string
}

/** A folder of stand-ins: a broken perl (fixed once the marker exists) and an apt-get that records its calls. */
function freshDebianMachine(apt: 'installs' | 'fails' | 'absent'): Machine {
  const bin = mkdtempSync(join(tmpdir(), 'prerequisites-'))
  chmodSync(bin, 0o755)
  const aptLog = join(bin, 'apt-get.log')
  const fixed = join(bin, 'fixed')
  writeFileSync(
    join(bin, 'perl'),
    `#!/bin/sh
[ -e ${fixed} ] && exec ${REAL_PERL} "$@"
echo "Can't use an undefined value as an ARRAY reference at /usr/share/perl/5.36/Math/BigInt/Calc.pm line 1049." >&2
exit 255
`,
    { mode: 0o755 },
  )
  if (apt !== 'absent') {
    const install = apt === 'installs' ? `touch ${fixed}; exit 0` : `echo "E: Unable to locate package libmath-bigint-perl" >&2; exit 100`
    writeFileSync(
      join(bin, 'apt-get'),
      `#!/bin/sh
echo "apt-get $*" >> ${aptLog}
case " $* " in *" install "*) ${install};; esac
exit 0
`,
      { mode: 0o755 },
    )
  }
  // The test control plane counts as built, so that only perl is in question.
  const k8sBin = join(bin, 'k8s-bin')
  mkdirSync(k8sBin)
  for (const binary of ['etcd', 'kube-apiserver', 'kube-controller-manager']) writeFileSync(join(k8sBin, binary), '', { mode: 0o755 })
  return { bin, aptLog, fixed }
}

interface Outcome {
  readonly code: number
  readonly stdout: string
}

function check(machine: Machine, args: ReadonlyArray<string>, options: { readonly asUid?: number; readonly path?: string } = {}): Promise<Outcome> {
  const path = options.path ?? `${machine.bin}:${process.env['PATH'] ?? ''}`
  const env = { PATH: path, HOME: machine.bin, K8S_BIN_DIR: join(machine.bin, 'k8s-bin') }
  const [command, commandArgs] =
    options.asUid === undefined
      ? [process.execPath, [CHECK, ...args]]
      : ['setpriv', [`--reuid=${options.asUid}`, `--regid=${options.asUid}`, '--clear-groups', process.execPath, CHECK, ...args]]
  return new Promise((resolve) => {
    execFile(command, commandArgs, { env }, (error, stdout) => resolve({ code: error === null ? 0 : Number(error.code), stdout }))
  })
}

const aptCalls = (machine: Machine) => (existsSync(machine.aptLog) ? readFileSync(machine.aptLog, 'utf8').trim().split('\n') : [])

describe('the prerequisites check', () => {
  it("runs the pi Job's command, sees perl's bpi(2000) die, installs Debian's libmath-bigint-perl as root and checks again", async () => {
    const machine = freshDebianMachine('installs')
    const outcome = await check(machine, ['--strict'])
    expect(outcome).toEqual({
      code: 0,
      stdout:
        "prerequisites: installing Debian's libmath-bigint-perl\n" + "prerequisites: perl prints pi's 2000 digits now (installed libmath-bigint-perl)\n",
    })
    expect(aptCalls(machine)).toEqual(['apt-get --version', 'apt-get update -qq', 'apt-get install -y -qq libmath-bigint-perl'])
  })

  it('does nothing and prints nothing once perl prints the digits', async () => {
    const machine = freshDebianMachine('installs')
    writeFileSync(machine.fixed, '')
    expect(await check(machine, ['--strict'])).toEqual({ code: 0, stdout: '' })
    expect(aptCalls(machine)).toEqual([])
  })

  it('says in one line what to install when it is not root, and fails only with --strict', async () => {
    const machine = freshDebianMachine('installs')
    const expected =
      "prerequisites: perl's bpi(2000) does not print pi (Can't use an undefined value as an ARRAY reference at /usr/share/perl/5.36/Math/BigInt/Calc.pm line 1049.): " +
      "install Debian's libmath-bigint-perl (as root: apt-get install libmath-bigint-perl), or Math::BigInt 1.999837 or newer from CPAN\n"
    expect(await check(machine, ['--strict'], { asUid: NOBODY })).toEqual({ code: 1, stdout: expected })
    expect(await check(machine, [], { asUid: NOBODY })).toEqual({ code: 0, stdout: expected })
    expect(aptCalls(machine)).toEqual([])
  })

  it('says what to install when apt-get cannot install it', async () => {
    const machine = freshDebianMachine('fails')
    const outcome = await check(machine, ['--strict'])
    expect(outcome.code).toBe(1)
    expect(outcome.stdout.trimEnd().split('\n').at(-1)).toMatch(/^prerequisites: perl's bpi\(2000\) does not print pi .*: install Debian's libmath-bigint-perl/)
  })

  it('names both packages when perl is missing altogether and there is no apt-get', async () => {
    const machine = freshDebianMachine('absent')
    // Only the stand-ins' folder and what bash needs: no perl, no apt-get.
    const outcome = await check(machine, ['--strict'], { path: `${join(machine.bin, 'k8s-bin')}:/nonexistent` })
    expect(outcome.code).toBe(1)
    expect(outcome.stdout).toContain("prerequisites: perl is not installed: install Debian's perl libmath-bigint-perl")
  })
})
