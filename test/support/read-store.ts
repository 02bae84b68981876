/**
 * The read store for suites that test delivery and queries, not Elasticsearch itself: the run's
 * Elasticsearch when it has one (CI always does), else the embedded store, with a notice. Under
 * REQUIRE_ALL_SERVICES=1 an absent Elasticsearch is a failure, so CI never quietly runs on the embedded one.
 */
import { createElasticsearchReadStore } from '../../shared/read-model/elasticsearch';
import { createEmbeddedReadStore } from '../../shared/read-model/embedded';
import type { ReadStore } from '../../shared/read-model/port';
import { uniqueIndexPrefix } from './elasticsearch';
import { requireAllServices } from './services';

export type SuiteReadStoreKind = 'elasticsearch' | 'embedded';

/** Which store this run's suites get. Call at collection time. */
export function suiteReadStoreKind(suite: string): SuiteReadStoreKind {
  if (process.env.ELASTICSEARCH_URL) return 'elasticsearch';
  if (requireAllServices)
    throw new Error(
      `${suite}: ELASTICSEARCH_URL is not set (REQUIRE_ALL_SERVICES=1 runs every suite on the real Elasticsearch)`,
    );
  console.warn(`\n!!!! ${suite}: no Elasticsearch in this run; running on the embedded read store !!!!\n`);
  return 'embedded';
}

export function createSuiteReadStore(kind: SuiteReadStoreKind, prefix: string): ReadStore {
  return kind === 'elasticsearch'
    ? createElasticsearchReadStore({ node: process.env.ELASTICSEARCH_URL!, alias: uniqueIndexPrefix(prefix) })
    : createEmbeddedReadStore({ alias: uniqueIndexPrefix(prefix) });
}
