#!/usr/bin/env node
// The jobctl command. It runs the compiled CLI, dist/jobctl.mjs: one esbuild bundle of the
// compiled JavaScript that `npm run build` makes (and `npm ci` and `npm pack` run), which Node
// starts from one file several times faster than from the module tree (see `npm run bench`).
// In a checkout, where the TypeScript sources sit beside it, it runs the sources through tsx
// instead when they are newer than that build, or always with JOBCTL_DEV=1: the quick
// development path, no build step between an edit and a run.
import { readdirSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const compiled = join(root, 'dist', 'jobctl.mjs')
const sources = join(root, 'adapters', 'cli', 'main.ts')

function mtimeMs(path) {
  try {
    return statSync(path).mtimeMs
  } catch {
    return 0
  }
}

/** Whether a TypeScript source of the CLI (tests aside) changed after the compiled CLI was built. */
function sourcesNewerThan(builtMs) {
  const newer = (dir) =>
    readdirSync(dir, { withFileTypes: true }).some((entry) => {
      const path = join(dir, entry.name)
      if (entry.isDirectory()) return newer(path)
      return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') && mtimeMs(path) > builtMs
    })
  return newer(join(root, 'core')) || newer(join(root, 'adapters'))
}

const inCheckout = mtimeMs(sources) > 0
const builtMs = mtimeMs(compiled)
const useSources = inCheckout && (process.env.JOBCTL_DEV === '1' || builtMs === 0 || sourcesNewerThan(builtMs))

if (useSources) {
  const { register } = await import('tsx/esm/api')
  register()
  await import(pathToFileURL(sources).href)
} else {
  await import(pathToFileURL(compiled).href)
}
