/**
 * What the read store's Elasticsearch container runs, as plain data (no Pulumi imports): the start-up
 * script and the least-privilege role of the app's user. The program passes both to the container; the
 * integration test runs the same script and role against a real Elasticsearch with security on.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

/** Elasticsearch image of the container (the version the local integ-test distribution matches). */
export const ELASTICSEARCH_IMAGE = 'docker.elastic.co/elasticsearch/elasticsearch:8.19.21';
export const ELASTICSEARCH_HOME = '/usr/share/elasticsearch';
export const ELASTICSEARCH_PORT = 9200;

/** The app's file-realm user and its role. */
export const APP_USERNAME = 'movie-catalog-app';
export const APP_ROLE = 'movie_catalog_app';

export const START_SCRIPT_PATH = path.join(__dirname, 'elasticsearch', 'start.sh');

export function startScript(): string {
  return readFileSync(START_SCRIPT_PATH, 'utf8');
}

/**
 * The role file: the catalog's alias and its physical indices (`<alias>-v<mapping>-<n>`) and nothing else,
 * no cluster privilege. `manage` on those names covers creating them, the alias swap of a rebuild,
 * refresh and delete; `read`/`write` the documents.
 */
export function appRoleYaml(alias: string): string {
  if (!/^[a-z0-9][a-z0-9_-]*$/.test(alias)) throw new RangeError(`alias '${alias}' must be lower case [a-z0-9_-]`);
  return [
    `${APP_ROLE}:`,
    '  cluster: []',
    '  indices:',
    `    - names: ['${alias}', '${alias}-*']`,
    '      privileges: [read, write, manage]',
    '',
  ].join('\n');
}

/** The alias the app reads and writes through (the app's ELASTICSEARCH_INDEX default). */
export const CATALOG_ALIAS = 'movies';
