import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

const run = promisify(execFile)
const tsx = new URL('../../node_modules/.bin/tsx', import.meta.url).pathname
const main = new URL('./main.ts', import.meta.url).pathname

describe('examples/embed: the core alone drives child processes', () => {
  it('R119: an Indexed job runs each index once, with JOB_COMPLETION_INDEX, and completes', async () => {
    const { stdout } = await run(tsx, [main, new URL('./indexed-job.yaml', import.meta.url).pathname])
    for (const index of [0, 1, 2]) expect(stdout).toContain(`hello from index ${index}`)
    expect(stdout.match(/hello from index/g)).toHaveLength(3)
    expect(stdout).toContain('job greet: Complete (CompletionsReached) succeeded=3 failed=0')
  })

  it('the docs’ pi job prints 2000 digits of pi and completes', async () => {
    const { stdout } = await run(tsx, [main])
    const digits = stdout.split('\n').find((line) => line.startsWith('3.14159265358979323846'))
    expect(digits).toHaveLength(2001) // "3." and 1999 more digits: 2000 significant digits
    expect(stdout).toContain('event Normal Completed: Job completed')
    expect(stdout).toContain('job pi: Complete (CompletionsReached) succeeded=1 failed=0')
  })
})
