/**
 * Tests that need a server they cannot start here skip with a loud notice, unless
 * REQUIRE_ALL_SERVICES=1 (set by .ci/run): then the missing server is a failure, so CI always runs them all.
 */
export const requireAllServices = process.env.REQUIRE_ALL_SERVICES === '1';

/**
 * Returns true when the suite must be skipped. Throws when skipping is forbidden.
 * Call at collection time: `describe.skipIf(unavailable('Elasticsearch', reason))(...)`.
 */
export function unavailable(service: string, reason: string | null): boolean {
  if (reason === null) return false;
  const message = `${service} is not available: ${reason}`;
  if (requireAllServices) throw new Error(`${message} (REQUIRE_ALL_SERVICES=1 forbids skipping)`);
  console.warn(`\n!!!! SKIPPING tests that need ${message} !!!!\n`);
  return true;
}
