import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, readLocalSettings } from '../../shared/config';

describe('configuration', () => {
  it('has embedded defaults: nothing is required to run locally', () => {
    const config = loadConfig({});
    expect(config.port).toBe(7071);
    expect(config.cosmos).toMatchObject({ database: 'catalog', container: 'events', endpoint: undefined });
    expect(config.queryAuthLevel).toBe('anonymous');
    expect(config.redis.url).toBeUndefined();
  });

  it('reads and types every setting', () => {
    const config = loadConfig({
      PORT: '8080',
      REDIS_URL: 'rediss://cache:10000',
      REDIS_TIMEOUT_MS: '100',
      QUERY_AUTH_LEVEL: 'function',
      ELASTICSEARCH_URL: 'http://es:9200',
    });
    expect(config).toMatchObject({
      port: 8080,
      queryAuthLevel: 'function',
      redis: { url: 'rediss://cache:10000', timeoutMs: 100 },
      elasticsearch: { url: 'http://es:9200' },
    });
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ COSMOS_ENDPOINT: 'not a url' }, 'COSMOS_ENDPOINT'],
    [{ REDIS_URL: 'http://cache' }, 'REDIS_URL'],
    [{ QUERY_AUTH_LEVEL: 'admin' }, 'QUERY_AUTH_LEVEL'],
    [{ ELASTICSEARCH_INDEX: 'Movies' }, 'ELASTICSEARCH_INDEX'],
    [{ COSMOS_KEY: 'k' }, 'COSMOS_KEY'],
    [{ REDIS_AUTH: 'entra', REDIS_URL: 'rediss://c:10000' }, 'REDIS_USERNAME'],
  ])('fails fast naming the bad setting: %j', (env, name) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(new RegExp(name));
  });

  it('reads Values of local.settings.json, and rejects a broken file by name', () => {
    const dir = mkdtempSync(join(tmpdir(), 'settings-'));
    const file = join(dir, 'local.settings.json');
    writeFileSync(file, JSON.stringify({ IsEncrypted: false, Values: { PORT: 9999, CACHE_TTL_SECONDS: '60' } }));
    expect(readLocalSettings(file)).toEqual({ PORT: '9999', CACHE_TTL_SECONDS: '60' });
    expect(loadConfig(readLocalSettings(file)).cacheTtlSeconds).toBe(60);
    writeFileSync(file, '{ nope');
    expect(() => readLocalSettings(file)).toThrow(/local.settings.json/);
    expect(readLocalSettings(join(dir, 'missing.json'))).toEqual({});
  });
});
