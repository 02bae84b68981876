/**
 * fieldErrors: schema issues -> the `{ path, message }` list a 400/422 problem carries. A client reads the
 * path to find the field, so each path is written out here literally: the part prefix (body, query,
 * header), nested fields joined with dots, one error per unknown key, `(root)` for an issue about the
 * whole value. Both with real zod issues and with issues written by hand (the function takes any
 * IssueLike).
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { fieldErrors } from '../../shared/domain/validation';

const Schema = z.strictObject({
  title: z.string().min(1, 'must not be empty'),
  cast: z.array(z.strictObject({ name: z.string() })).optional(),
});
const issuesOf = (input: unknown) => Schema.safeParse(input).error!.issues;

describe('fieldErrors', () => {
  it('names the field with its part prefix and keeps the message', () => {
    expect(fieldErrors(issuesOf({ title: '' }), 'body')).toEqual([
      { path: 'body.title', message: 'must not be empty' },
    ]);
  });

  it('without a prefix the path is the field itself (no leading dot)', () => {
    expect(fieldErrors(issuesOf({ title: '' }))).toEqual([{ path: 'title', message: 'must not be empty' }]);
  });

  it('joins nested paths, array indexes included, with dots', () => {
    expect(fieldErrors(issuesOf({ title: 'A', cast: [{ name: 'x' }, { name: 7 }] }), 'body')).toEqual([
      { path: 'body.cast.1.name', message: 'Invalid input: expected string, received number' },
    ]);
  });

  it('lists every bad field, one error per unknown key, each named', () => {
    expect(fieldErrors(issuesOf({ title: '', colour: 'red', size: 2 }), 'query')).toEqual([
      { path: 'query.title', message: 'must not be empty' },
      { path: 'query.colour', message: 'unknown field' },
      { path: 'query.size', message: 'unknown field' },
    ]);
  });

  it('unknown keys at the top level without a prefix are named alone; nested ones under their parent', () => {
    expect(fieldErrors(issuesOf({ title: 'A', colour: 'red' }))).toEqual([
      { path: 'colour', message: 'unknown field' },
    ]);
    expect(fieldErrors(issuesOf({ title: 'A', cast: [{ name: 'x', age: 3 }] }))).toEqual([
      { path: 'cast.0.age', message: 'unknown field' },
    ]);
  });

  it('an issue about the whole value is reported at (root) without a prefix, at the part with one', () => {
    const issues = z.string().safeParse(42).error!.issues;
    expect(fieldErrors(issues)).toEqual([
      { path: '(root)', message: 'Invalid input: expected string, received number' },
    ]);
    expect(fieldErrors(issues, 'body')).toEqual([
      { path: 'body', message: 'Invalid input: expected string, received number' },
    ]);
  });

  it('hand-written issues: symbol and number path parts are spelled out; an unknown-key issue without keys keeps its message', () => {
    expect(
      fieldErrors([
        { path: ['genres', 2], message: 'bad genre' },
        { path: [Symbol('s')], message: 'odd' },
        { path: ['x'], message: 'Unrecognized key', code: 'unrecognized_keys' },
        { path: [], message: 'custom', code: 'custom', keys: ['ignored'] },
      ]),
    ).toEqual([
      { path: 'genres.2', message: 'bad genre' },
      { path: 'Symbol(s)', message: 'odd' },
      { path: 'x', message: 'Unrecognized key' },
      { path: '(root)', message: 'custom' },
    ]);
  });

  it('no issues, no errors', () => {
    expect(fieldErrors([], 'body')).toEqual([]);
  });
});
