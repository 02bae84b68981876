import { defineConfig } from 'vitest/config';

/**
 * The unit tests StrykerJS runs (`npm run mutate`): those that exercise the mutated files (domain, write
 * model, projection, queries, relay, redrive, OpenAPI generator). The rest of the unit tier (stack,
 * telemetry, seed, config) touches none of them and would only slow each mutant down.
 */
export default defineConfig({
  test: {
    include: [
      'test/application/**/*.unit.test.ts',
      'test/domain/**/*.unit.test.ts',
      'test/foundation/openapi*.unit.test.ts',
      'test/foundation/registry.unit.test.ts',
    ],
    testTimeout: 20_000,
  },
});
