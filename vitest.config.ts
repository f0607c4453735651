import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Tests that spawn bin/godwit.js run the compiled dist/ build: keep it in step with src/.
    globalSetup: ['test/support/compiled-build.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // PGlite is WebAssembly and CPU-heavy; two workers match the two-core CI machine.
    maxWorkers: 2,
    // The server suites (node) use the settings above; the CDK app's suites too, once its packages are
    // installed (`npm run setup:deploy`); the web app's component tests run in jsdom.
    projects: [
      {
        extends: true,
        test: { name: 'server', include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'examples/**/*.test.ts'] },
      },
      {
        extends: true,
        test: { name: 'infra', include: ['infra/**/*.test.ts'], setupFiles: ['infra/test/deploy-tools.ts'] },
      },
      './web/vitest.config.ts',
    ],
    // `npm run test:coverage` (and CI): what the in-process tests execute of the shipped sources. Code that only runs
    // in spawned processes (bin/godwit.js, synthesized Lambda bundles) is exercised by the shipped-artifact suites but
    // not counted here. Thresholds per folder are checked by scripts/coverage-summary.mjs.
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts', 'web/src/**/*.{ts,tsx}', 'infra/src/**/*.ts', 'infra/bin/**/*.ts'],
      exclude: [
        '**/*.test.{ts,tsx}',
        '**/*.d.ts',
        'web/src/test-setup.ts',
        'web/src/test-support/**',
        '**/fixtures/**',
      ],
      reporter: ['text-summary', 'json-summary', 'json', 'html'],
      reportsDirectory: 'coverage',
      reportOnFailure: true,
    },
  },
});
