import { fileURLToPath } from 'node:url'
import { configDefaults, defineConfig } from 'vitest/config'

/** The reference run against upstream's kube-controller-manager: only `npm run conformance:upstream` (it sets this). */
const upstreamRun = process.env['CONFORMANCE_UPSTREAM'] === '1'

const source = (path: string) => fileURLToPath(new URL(path, import.meta.url))

export default defineConfig({
  // Code written as a package user writes it (`import … from 'job-reconciler/adapters'`, as the
  // custom-backend example does) runs against these sources in this repository's tests; the
  // packaging test runs it against the built, installed package.
  resolve: {
    alias: [
      { find: /^job-reconciler$/, replacement: source('./core/index.ts') },
      { find: /^job-reconciler\/(core|adapters|conformance)$/, replacement: source('./$1/index.ts') },
    ],
  },
  test: {
    include: ['core/**/*.test.ts', 'adapters/**/*.test.ts', 'conformance/**/*.test.ts', 'examples/**/*.test.ts', 'scripts/**/*.test.ts', 'bench/**/*.test.ts'],
    exclude: upstreamRun ? configDefaults.exclude : [...configDefaults.exclude, 'conformance/upstream.test.ts'],
    // A slow, shared 2-core machine: generous timeouts; tests never assert on speed.
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
})
