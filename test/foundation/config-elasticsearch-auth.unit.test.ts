/** Issue 13: the app signs in to Elasticsearch with an API key OR a username and password, never half of one. */
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../shared/config';

const URL = 'https://read-store.example.azurecontainerapps.io';

describe('Elasticsearch credentials in the app settings', () => {
  it('reads a username and password (the read-store container user)', () => {
    const config = loadConfig({
      ELASTICSEARCH_URL: URL,
      ELASTICSEARCH_USERNAME: 'movie-catalog-app',
      ELASTICSEARCH_PASSWORD: 'pw',
    });
    expect(config.elasticsearch).toEqual({
      url: URL,
      apiKey: undefined,
      username: 'movie-catalog-app',
      password: 'pw',
      index: 'movies',
    });
  });

  it('refuses a username without a password, and either without the other', () => {
    expect(() => loadConfig({ ELASTICSEARCH_URL: URL, ELASTICSEARCH_USERNAME: 'movie-catalog-app' })).toThrow(
      ConfigError,
    );
    expect(() => loadConfig({ ELASTICSEARCH_URL: URL, ELASTICSEARCH_PASSWORD: 'pw' })).toThrow(
      'ELASTICSEARCH_USERNAME and ELASTICSEARCH_PASSWORD: set both or neither',
    );
  });

  it('refuses basic auth together with an API key', () => {
    expect(() =>
      loadConfig({
        ELASTICSEARCH_URL: URL,
        ELASTICSEARCH_API_KEY: 'k',
        ELASTICSEARCH_USERNAME: 'u',
        ELASTICSEARCH_PASSWORD: 'p',
      }),
    ).toThrow('ELASTICSEARCH_USERNAME: set together with ELASTICSEARCH_API_KEY (choose one)');
  });
});
