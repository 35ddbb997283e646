import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['core/**/*.test.ts', 'adapters/**/*.test.ts', 'conformance/**/*.test.ts', 'examples/**/*.test.ts', 'scripts/**/*.test.ts'],
    // A slow, shared 2-core machine: generous timeouts; tests never assert on speed.
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
})
