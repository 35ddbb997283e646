#!/usr/bin/env node
/**
 * `npm run build`: the package as npm users get it, in dist/.
 * - tsc (tsconfig.build.json): ESM JavaScript, .d.ts files and source maps of core/, adapters/
 *   and conformance/, tests and test fixtures left out;
 * - the files the compiled code reads at run time (the pi manifest, used by the conformance suite);
 * - dist/jobctl.mjs: the CLI bundled with esbuild from the compiled JavaScript, which bin/jobctl.js runs.
 */
import { spawnSync } from 'node:child_process'
import { cpSync, mkdirSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const dist = join(root, 'dist')

rmSync(dist, { recursive: true, force: true })

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
const compile = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' })
if (compile.status !== 0) process.exit(compile.status ?? 1)

mkdirSync(join(dist, 'examples', 'pi'), { recursive: true })
cpSync(join(root, 'examples', 'pi', 'job.yaml'), join(dist, 'examples', 'pi', 'job.yaml'))

await build({
  entryPoints: [join(dist, 'adapters', 'cli', 'main.js')],
  outfile: join(dist, 'jobctl.mjs'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  logLevel: 'warning',
  // Some bundled CommonJS packages call `require` for Node's own modules.
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
})
console.log('build: dist/ (JavaScript, declarations, source maps) and dist/jobctl.mjs')
