/**
 * Text hygiene on every text field: C0/C1 control characters are rejected with a 400 naming the field
 * (tab, CR and LF allowed in the description only), and text is stored NFC-normalized.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHost, type TestHost } from '../support/host';

let host: TestHost;
beforeAll(async () => {
  host = await startTestHost();
});
afterAll(async () => {
  await host?.stop();
});

const CONTROL = 'must not contain control characters';

describe('text hygiene', () => {
  it('rejects C0 and C1 controls in every text field, naming it, and writes nothing', async () => {
    const cases: Array<[object, string]> = [
      [{ title: '\u0000\u0001x' }, 'body.title'],
      [{ title: 'x\u007f' }, 'body.title'],
      [{ title: 'x\u0085y' }, 'body.title'],
      [{ title: 'tab\tin title' }, 'body.title'],
      [{ title: 'ok', director: 'A\u009fB' }, 'body.director'],
      [{ title: 'ok', distributor: 'line\nbreak' }, 'body.distributor'],
    ];
    for (const [body, path] of cases) {
      const res = await host.api('movies', { method: 'POST', body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(res.json.errors).toEqual([{ path, message: CONTROL }]);
    }
    // Genres come from a fixed vocabulary: a control character makes an unknown genre.
    const genre = await host.api('movies', {
      method: 'POST',
      body: { title: 'ok', genres: ['Drama', 'Hor\u001bror'] },
    });
    expect(genre.status).toBe(400);
    expect(genre.json.errors).toEqual([
      { path: 'body.genres.1', message: expect.stringMatching(/^must be one of \(any case\): Action, /) as unknown },
    ]);
    const bad = await host.api('movies', { method: 'POST', body: { title: 'ok', description: 'bell\u0007' } });
    expect(bad.json.errors).toEqual([
      { path: 'body.description', message: 'must not contain control characters (tab, CR and LF are allowed)' },
    ]);
    expect((await host.api('movies?limit=1')).json.total).toBe(0);
  });

  it('allows tab, CR and LF in the description, and stores text NFC-normalized', async () => {
    const res = await host.api('movies', {
      method: 'POST',
      body: { title: 'Cafe\u0301 Society', director: 'Woody Alle\u0301n', description: 'one\ttwo\r\nthree' },
    });
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({
      title: 'Caf\u00e9 Society',
      director: 'Woody All\u00e9n',
      description: 'one\ttwo\r\nthree',
    });
    await host.settle();
    const read = await host.api(`movies/${res.json.id}`);
    expect(read.json.title).toBe('Caf\u00e9 Society');
  });

  it('applies the same rules to text query parameters', async () => {
    const res = await host.api(`movies?q=${encodeURIComponent('a\u0000b')}`);
    expect(res.status).toBe(400);
    expect(res.json.errors).toEqual([{ path: 'query.q', message: CONTROL }]);
  });
});
