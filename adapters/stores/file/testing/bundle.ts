/**
 * Bundling a test script into one file, for tests that start a hundred processes. (Kept apart
 * from `fixtures.ts`, which the scripts themselves import.)
 */
import * as path from 'node:path'
import { buildSync } from 'esbuild'
import { repositoryRoot } from './fixtures.js'

/**
 * Bundles `adapters/stores/file/testing/<script>` and what it imports into one ES module in `outDir`
 * (esbuild, the transformer tsx uses), and returns how to run it: a process that starts in a
 * tenth of a second instead of most of one, for tests that start a hundred of them.
 */
export function bundleScript(script: string, outDir: string): { readonly command: string; readonly args: ReadonlyArray<string> } {
  const outfile = path.join(outDir, script.replace(/\.ts$/, '.mjs'))
  buildSync({
    entryPoints: [path.join(repositoryRoot, 'adapters/stores/file/testing', script)],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile,
    logLevel: 'warning',
  })
  return { command: process.execPath, args: [outfile] }
}

