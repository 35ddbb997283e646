#!/usr/bin/env node
// The jobctl command. It runs one bundle of the TypeScript sources, built with esbuild into
// node_modules/.cache/jobctl and built again whenever a source is newer: Node starts from one
// file five times faster than tsx loads the sources one by one (see `npm run bench`). Where
// the bundle cannot be built or written, or with JOBCTL_NO_BUNDLE=1, tsx runs the sources.
import { mkdirSync, readdirSync, renameSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const entry = join(root, 'adapters', 'cli', 'main.ts')
const bundle = join(root, 'node_modules', '.cache', 'jobctl', 'jobctl.mjs')

/** The newest modification time of the sources the bundle is made of (tests excluded). */
function newestSourceMs() {
  let newest = Math.max(...['package.json', 'package-lock.json', 'bin/jobctl.js'].map((file) => mtimeMs(join(root, file))))
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name)
      if (entry.isDirectory()) walk(path)
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) newest = Math.max(newest, mtimeMs(path))
    }
  }
  walk(join(root, 'core'))
  walk(join(root, 'adapters'))
  return newest
}

function mtimeMs(path) {
  try {
    return statSync(path).mtimeMs
  } catch {
    return 0
  }
}

/** Builds the bundle next to its final place and moves it there, so that concurrent starts never read half a file. */
async function buildBundle() {
  const { build } = await import('esbuild')
  mkdirSync(dirname(bundle), { recursive: true })
  const partial = `${bundle}.${process.pid}.tmp`
  await build({
    entryPoints: [entry],
    outfile: partial,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'silent',
    // Some bundled CommonJS packages call `require` for Node's own modules.
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  })
  renameSync(partial, bundle)
}

async function start() {
  if (process.env.JOBCTL_NO_BUNDLE !== '1') {
    try {
      if (mtimeMs(bundle) < newestSourceMs()) await buildBundle()
      return await import(pathToFileURL(bundle).href)
    } catch {
      // No esbuild, a read-only checkout, a bundle that does not load: run the sources.
    }
  }
  const { register } = await import('tsx/esm/api')
  register()
  return await import('../adapters/cli/main.ts')
}

await start()
