import { defineConfig } from 'vitest/config';

/**
 * The unit tier as StrykerJS runs it (`npm run mutate`): every *.unit.test.ts except the Pulumi stack tests,
 * which exercise none of the mutated files and take most of the tier's time.
 */
export default defineConfig({
  test: {
    include: ['test/**/*.unit.test.ts'],
    exclude: ['test/stack/**', '**/node_modules/**'],
    testTimeout: 20_000,
  },
});
