#!/usr/bin/env node
/**
 * npm's `prepare`, which runs after `npm ci` or `npm install` in this checkout: the machine's
 * prerequisites (perl for the pi Job, Go for the tests; warnings only), then the build that
 * `jobctl` runs. Before `npm pack` npm runs `prepare` too; there `prepack` builds, so this does
 * nothing. `npx jobctl` in the checkout links the folder once (npm exec), which runs `prepare`
 * again: the build that `npm ci` made is kept.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, realpathSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const command = process.env.npm_command ?? 'install'
if (command === 'pack' || command === 'publish') process.exit(0)
if (command === 'exec' && existsSync(join(root, 'dist', 'jobctl.mjs'))) process.exit(0)

const samePath = (a, b) => {
  try {
    return realpathSync(a) === realpathSync(b)
  } catch {
    return false
  }
}
// Only an install in this checkout itself: not a git dependency being built for someone else's project.
if (samePath(process.env.INIT_CWD ?? root, root)) {
  spawnSync(process.execPath, [join(root, 'scripts', 'prerequisites', 'check.mjs')], { stdio: 'inherit' })
}
const built = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { stdio: 'inherit' })
process.exit(built.status ?? 1)
