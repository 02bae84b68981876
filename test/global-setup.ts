/**
 * One Elasticsearch for the whole run: ELASTICSEARCH_URL when set (CI starts one), else a private node
 * from .cache/ (scripts/es.sh fetch), else nothing (suites that need it skip loudly, or fail under
 * REQUIRE_ALL_SERVICES=1). Workers inherit ELASTICSEARCH_URL.
 */
import { elasticsearchUnavailableReason, startElasticsearch, type ElasticsearchServer } from './support/elasticsearch';

let server: ElasticsearchServer | undefined;

export async function setup(): Promise<void> {
  if (process.env.ELASTICSEARCH_URL || elasticsearchUnavailableReason() !== null) return;
  server = await startElasticsearch();
  process.env.ELASTICSEARCH_URL = server.url;
}

export async function teardown(): Promise<void> {
  if (server?.private) {
    await server.stop();
    delete process.env.ELASTICSEARCH_URL;
  }
}
