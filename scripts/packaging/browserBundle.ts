/**
 * The core as a browser build would take it: one esbuild bundle for the browser platform, so
 * that any import of a Node built-in fails the build, minified and gzipped for its size.
 */
import { gzipSync } from 'node:zlib'
import { build } from 'esbuild'

/** What a browser bundle of the core holds and weighs. */
export interface CoreBundle {
  readonly minifiedBytes: number
  readonly gzippedBytes: number
  /** Every module the bundle took in, as esbuild names them. */
  readonly inputs: ReadonlyArray<string>
}

/**
 * Bundles `entry` (a file, or a package specifier resolved from `resolveDir`) for the browser.
 * Rejects when something in it needs Node.
 */
export async function bundleCoreForBrowser(entry: string, resolveDir: string): Promise<CoreBundle> {
  const result = await build({
    stdin: { contents: `export * from ${JSON.stringify(entry)}`, resolveDir, loader: 'js' },
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    minify: true,
    write: false,
    metafile: true,
    logLevel: 'silent',
  })
  const code = result.outputFiles[0]?.contents ?? new Uint8Array()
  return { minifiedBytes: code.byteLength, gzippedBytes: gzipSync(code).byteLength, inputs: Object.keys(result.metafile.inputs) }
}
