/** The core's weight in a browser bundle: `job-reconciler/core`, minified and gzipped. */
import { fileURLToPath } from 'node:url'
import { bundleCoreForBrowser } from '../scripts/packaging/browserBundle.js'

export async function printCoreBundleBench(): Promise<void> {
  const repository = fileURLToPath(new URL('..', import.meta.url))
  const bundle = await bundleCoreForBrowser('./core/index.ts', repository)
  console.log('\ncore in a browser bundle (esbuild, platform browser, everything it imports)')
  console.log(`minified ${(bundle.minifiedBytes / 1024).toFixed(1).padStart(7)} KiB`)
  console.log(`gzipped  ${(bundle.gzippedBytes / 1024).toFixed(1).padStart(7)} KiB   (${bundle.inputs.length} modules, none of Node's)`)
}
