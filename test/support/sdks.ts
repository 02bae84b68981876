/** The packages a cold start must not load: each is reached only through a dynamic import, on first use. */
export const HEAVY_SDKS = [
  '@azure/cosmos',
  '@elastic/elasticsearch',
  'ioredis',
  '@azure/storage-blob',
  '@azure/eventgrid',
  'applicationinsights',
  '@azure/identity',
] as const;
