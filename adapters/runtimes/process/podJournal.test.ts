import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { abandon, installSupervisor, logFileOf, readLogTail, readRun, runRef, writeSpec } from './podJournal.js'

const root = mkdtempSync(join(tmpdir(), 'pod-journal-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

/** Runs the supervisor on `run` to the end (it waits for its container). */
function supervise(dir: string) {
  return spawnSync(process.execPath, [installSupervisor(root), dir, 'detached'], { env: {}, encoding: 'utf8', timeout: 60_000 })
}

describe('a run of a container, through its files', () => {
  it('the supervisor claims the run, runs the container with exactly its environment, and records the exit code and the output', () => {
    const run = runRef(root, 'uid-1', 'app', 'main', 0)
    const logFile = logFileOf(root, 'uid-1', 'main')
    writeSpec(run, { argv: ['sh', '-c', 'echo "$GREETING $HOME"; echo oops >&2; exit 4'], env: { GREETING: 'hi', PATH: process.env['PATH'] ?? '' }, logFile, restartCount: 2 })
    expect(readRun(run)._tag).toBe('Unclaimed')
    expect(supervise(run.dir).status).toBe(0)
    expect(readRun(run)).toMatchObject({ _tag: 'Exited', exitCode: 4 })
    expect(readLogTail(logFile, 1024)).toBe('hi \noops\n')
  })

  it('a run abandoned before any supervisor claimed it never starts, and the abandon wins only once', () => {
    const run = runRef(root, 'uid-2', 'app', 'main', 0)
    const marker = join(root, 'ran')
    writeSpec(run, { argv: ['touch', marker], env: { PATH: process.env['PATH'] ?? '' }, logFile: logFileOf(root, 'uid-2', 'main'), restartCount: 0 })
    expect(abandon(run)).toBe(true)
    expect(abandon(run)).toBe(false)
    expect(supervise(run.dir).status).toBe(0)
    expect(readRun(run)._tag).toBe('Abandoned')
    expect(existsSync(marker)).toBe(false)
  })

  it('a program that cannot be started is recorded as a start error (exit code 127)', () => {
    const run = runRef(root, 'uid-3', 'init', 'setup', 1)
    writeSpec(run, { argv: ['no-such-program-here'], env: { PATH: '/nonexistent' }, logFile: logFileOf(root, 'uid-3', 'setup'), restartCount: 1 })
    supervise(run.dir)
    expect(readRun(run)).toMatchObject({ _tag: 'Exited', exitCode: 127, startError: { code: 'ENOENT' } })
  })

  it('logs show the last bytes of a long log, with a note saying how much is left out', () => {
    const file = join(root, 'long.log')
    writeFileSync(file, '0123456789abcdef')
    expect(readLogTail(file, 6)).toBe('[job-reconciler: 10 bytes of earlier output dropped]\nabcdef')
    expect(readLogTail(file, 100)).toBe('0123456789abcdef')
    expect(readLogTail(join(root, 'missing.log'), 100)).toBeUndefined()
  })
})
