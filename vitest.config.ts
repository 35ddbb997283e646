import { configDefaults, defineConfig } from 'vitest/config'

/** The reference run against upstream's kube-controller-manager: only `npm run conformance:upstream` (it sets this). */
const upstreamRun = process.env['CONFORMANCE_UPSTREAM'] === '1'

export default defineConfig({
  test: {
    include: ['core/**/*.test.ts', 'adapters/**/*.test.ts', 'conformance/**/*.test.ts', 'examples/**/*.test.ts', 'scripts/**/*.test.ts'],
    exclude: upstreamRun ? configDefaults.exclude : [...configDefaults.exclude, 'conformance/upstream.test.ts'],
    // A slow, shared 2-core machine: generous timeouts; tests never assert on speed.
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
})
