import { defineConfig } from 'vitest/config';

/** Integration files that take a minute or more each on 2 cores (see the `slow` project). */
const SLOW = [
  'alert-storm',
  'alert-storm-crash',
  'compliance-audit',
  'demo',
  'dev-restart',
  'npm-start-sigint',
  'schemathesis',
  'storm-grouping',
  'worker-crash',
].map((f) => `test/integration/${f}.test.ts`);

// Projects so `vitest run --project unit` needs no servers; the others start what they need.
export default defineConfig({
  test: {
    projects: [
      {
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'], environment: 'node' },
      },
      {
        test: {
          name: 'workflows',
          include: ['test/workflows/**/*.test.ts'],
          globalSetup: ['test/support/global-bundle.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          exclude: SLOW,
          globalSetup: ['test/support/global-bundle.ts', 'test/support/global-stack.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // One dev server and one database are shared; files run one at a time so crash tests stay predictable.
          fileParallelism: false,
        },
      },
      {
        // The longest integration files (storms at Slack's 1/s, schemathesis, the demo, crash and restart
        // tests) in a project of their own, so `npm test` can run them beside the rest (scripts/test.mjs).
        test: {
          name: 'slow',
          include: SLOW,
          globalSetup: ['test/support/global-bundle.ts', 'test/support/global-stack.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
      {
        // The web console in Debian's Chromium (playwright-core); one browser and one stack per file.
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          globalSetup: ['test/support/global-bundle.ts', 'test/support/global-stack.ts'],
          testTimeout: 120_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
