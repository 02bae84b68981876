/**
 * The read-store container's start-up script and the app user's role, against a real Elasticsearch with
 * security on (started through that very script): the app user works the catalog through the real
 * Elasticsearch read store, and is refused (403) everything else.
 */
import { randomBytes } from 'node:crypto';
import { Client, errors } from '@elastic/elasticsearch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createElasticsearchReadStore } from '../../shared/read-model/elasticsearch';
import type { ReadStore } from '../../shared/read-model/port';
import { APP_ROLE, APP_USERNAME, appRoleYaml } from '../../stack/elasticsearch-node';
import {
  secureElasticsearchUnavailableReason,
  startSecureElasticsearch,
  type SecureNode,
} from '../support/secure-elasticsearch';
import { unavailable } from '../support/services';
import { createNewIndex } from '../../shared/read-model/port';

const PASSWORD = randomBytes(18).toString('base64url');
const ELASTIC_PASSWORD = randomBytes(18).toString('base64url');

async function status(request: Promise<unknown>): Promise<number> {
  try {
    await request;
    return 200;
  } catch (err) {
    if (err instanceof errors.ResponseError) return err.statusCode ?? 0;
    throw err;
  }
}

describe.skipIf(unavailable('Elasticsearch distribution', secureElasticsearchUnavailableReason()))(
  'read-store container: file-realm app user with the catalog role (security on)',
  () => {
    let node: SecureNode;
    let app: Client;
    let store: ReadStore;

    beforeAll(async () => {
      node = await startSecureElasticsearch({
        ES_APP_USERNAME: APP_USERNAME,
        ES_APP_PASSWORD: PASSWORD,
        ES_APP_ROLE: APP_ROLE,
        ES_APP_ROLE_YML: appRoleYaml('movies'),
        ELASTIC_PASSWORD,
      });
      // Generous timeouts: a fresh node on a busy CI machine can take seconds to create an index.
      app = new Client({
        node: node.url,
        auth: { username: APP_USERNAME, password: PASSWORD },
        requestTimeout: 60_000,
      });
      store = createElasticsearchReadStore({
        node: node.url,
        username: APP_USERNAME,
        password: PASSWORD,
        alias: 'movies',
        requestTimeoutMs: 60_000,
      });
    }, 480_000);

    afterAll(async () => {
      await store?.close();
      await app?.close();
      await node?.stop();
    }, 60_000);

    it('refuses anonymous requests and a wrong password (security is on, over plain HTTP)', async () => {
      expect((await fetch(`${node.url}/movies/_search`)).status).toBe(401);
      const wrong = new Client({
        node: node.url,
        auth: { username: APP_USERNAME, password: 'not-the-password' },
        requestTimeout: 60_000,
      });
      expect(await status(wrong.info())).toBe(401);
      await wrong.close();
    });

    it('authenticates the app user in the file realm with only the catalog role', async () => {
      const me = await app.security.authenticate();
      expect(me.username).toBe(APP_USERNAME);
      expect(me.roles).toEqual([APP_ROLE]);
      expect(me.authentication_realm.type).toBe('file');
    });

    it('lets the read store create, write, read, search and rebuild the catalog through the alias', async () => {
      await store.init();
      const outcome = await store.apply(
        [
          {
            kind: 'movie',
            movie: {
              id: 'm1',
              version: 1,
              title: 'Blade Runner',
              genres: ['Sci-Fi'],
              createdAt: '2024-01-01T00:00:00.000Z',
              updatedAt: '2024-01-01T00:00:00.000Z',
            },
          },
        ],
        { refresh: true },
      );
      expect(outcome).toEqual(['applied']);
      expect(await store.get('m1')).toMatchObject({ kind: 'movie', movie: { id: 'm1', title: 'Blade Runner' } });
      const page = await store.search({ q: 'blade', limit: 10, sort: 'relevance' });
      expect(page.items.map((m) => m.id)).toEqual(['m1']);
      // Rebuild primitives: a new physical index, the alias swap, the old index deleted.
      const before = await store.currentIndex();
      const next = await createNewIndex(store);
      expect(next).toMatch(/^movies-v\d+-\d+$/);
      expect(await store.swapAlias(next)).toEqual([before]);
      await store.deleteIndex(before as string);
      expect(await store.currentIndex()).toBe(next);
      // And plain document writes on any movies* index of the catalog.
      expect(await status(app.index({ index: 'movies-extra', id: 'x', document: { title: 'x' }, refresh: true }))).toBe(
        200,
      );
      expect(await status(app.get({ index: 'movies-extra', id: 'x' }))).toBe(200);
    });

    it('gets 403 on any other index', async () => {
      expect(await status(app.indices.create({ index: 'other' }))).toBe(403);
      expect(await status(app.index({ index: 'other', document: { title: 'x' } }))).toBe(403);
      expect(await status(app.search({ index: 'other' }))).toBe(403);
      // The superuser can make one; the app user still cannot read or write it.
      const admin = new Client({
        node: node.url,
        auth: { username: 'elastic', password: ELASTIC_PASSWORD },
        requestTimeout: 60_000,
      });
      try {
        expect(await status(admin.indices.create({ index: 'other' }))).toBe(200);
        expect(await status(app.search({ index: 'other' }))).toBe(403);
        expect(await status(app.index({ index: 'other', document: { title: 'x' } }))).toBe(403);
        expect(await status(app.indices.delete({ index: 'other' }))).toBe(403);
      } finally {
        await admin.close();
      }
    });

    it('gets 403 on cluster settings and other cluster APIs', async () => {
      expect(await status(app.cluster.getSettings())).toBe(403);
      expect(
        await status(app.cluster.putSettings({ persistent: { 'cluster.routing.allocation.enable': 'none' } })),
      ).toBe(403);
      expect(await status(app.nodes.info())).toBe(403);
      expect(await status(app.security.putUser({ username: 'x', password: 'abcdefgh', roles: ['superuser'] }))).toBe(
        403,
      );
    });
  },
);
