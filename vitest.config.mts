import { defineConfig } from 'vitest/config';

/**
 * Tiers by file suffix, each runnable alone: `vitest run --project unit|int|e2e`.
 * int and e2e share one Elasticsearch for the run (test/global-setup.ts) and start their own Redis.
 */
export default defineConfig({
  test: {
    reporters: ['default'],
    // `.only` fails the run in CI (issue 18); locally it focuses as usual.
    allowOnly: !process.env.CI,
    projects: [
      {
        test: { name: 'unit', include: ['test/**/*.unit.test.ts'], testTimeout: 20_000, sequence: { groupOrder: 0 } },
      },
      {
        test: {
          name: 'int',
          include: ['test/**/*.int.test.ts'],
          globalSetup: ['test/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          maxWorkers: 2,
          sequence: { groupOrder: 1 },
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/**/*.e2e.test.ts'],
          globalSetup: ['test/global-setup.ts'],
          testTimeout: 300_000,
          hookTimeout: 180_000,
          maxWorkers: 1,
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
});
