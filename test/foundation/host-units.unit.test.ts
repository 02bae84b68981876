/**
 * The local host's units on their own: the router (404, 405 with the Allow of every matching route,
 * decoded parameters), the key checks (401 with the detail naming the key wanted) and the problems for
 * requests Node's parser refuses, all typed errors / the one mapper's output.
 */
import { describe, expect, it } from 'vitest';
import { MethodNotAllowedError, NotFoundError, UnauthorizedError } from '../../shared/errors';
import { authorize, authorizeTopic, type LocalHostKeys } from '../../shared/local/auth';
import { rawProblem } from '../../shared/local/problems';
import { createRouter } from '../../shared/local/router';
import type { HttpFunctionDefinition, HttpMethod } from '../../shared/registry';

const definition = (
  name: string,
  route: string,
  methods: HttpMethod[],
  authLevel: HttpFunctionDefinition['authLevel'] = 'function',
): HttpFunctionDefinition => ({
  kind: 'http',
  name,
  route,
  methods,
  authLevel,
  summary: name,
  tags: [],
  responses: {},
  handler: async () => ({ status: 204 }),
});

const create = definition('create', 'items', ['POST']);
const list = definition('list', 'items', ['GET']);
const item = definition('item', 'items/{id}', ['GET', 'DELETE']);
const ops = definition('ops', 'ops/run', ['POST'], 'admin');

describe('router', () => {
  const router = createRouter([create, list, item, ops]);

  it('finds the function for the path and method, with its parameters decoded', () => {
    expect(router.match('/api/items', 'POST')).toEqual({ definition: create, params: {} });
    expect(router.match('/api/items', 'GET')).toEqual({ definition: list, params: {} });
    expect(router.match('/api/ITEMS/a%20b/', 'DELETE')).toEqual({ definition: item, params: { id: 'a b' } });
    expect(router.match('/api/items/%E0%A4%A', 'GET')).toEqual({ definition: item, params: { id: '%E0%A4%A' } });
  });

  it('a path no function serves is a NotFoundError naming it', () => {
    expect(() => router.match('/api/nothing', 'GET')).toThrow(new NotFoundError('No function serves /api/nothing.'));
    expect(() => router.match('/items', 'GET')).toThrow(NotFoundError);
  });

  it('another method is a MethodNotAllowedError whose Allow lists what the path is served with', () => {
    let error: unknown;
    try {
      router.match('/api/items/x', 'PUT');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(MethodNotAllowedError);
    expect((error as MethodNotAllowedError).message).toBe('PUT is not supported here.');
    expect((error as MethodNotAllowedError).headers).toEqual({ Allow: 'GET, DELETE' });
  });

  it('Allow names the methods of every function on the path', () => {
    expect(() => router.match('/api/items', 'DELETE')).toThrow(MethodNotAllowedError);
    try {
      router.match('/api/items', 'DELETE');
    } catch (error) {
      expect((error as MethodNotAllowedError).headers).toEqual({ Allow: 'POST, GET' });
    }
  });
});

describe('key checks', () => {
  const keys: LocalHostKeys = { host: 'host-key', master: 'master-key', topic: 'topic-key', functions: {} };

  it('let a valid key through', () => {
    expect(() => authorize(create, 'host-key', keys)).not.toThrow();
    expect(() => authorize(ops, 'master-key', keys)).not.toThrow();
    expect(() => authorizeTopic('topic-key', keys)).not.toThrow();
  });

  it('refuse with an UnauthorizedError saying which key is wanted', () => {
    expect(() => authorize(create, null, keys)).toThrow(
      new UnauthorizedError('A valid function key is required (x-functions-key header or code query parameter).'),
    );
    expect(() => authorize(ops, 'host-key', keys)).toThrow(
      new UnauthorizedError(
        'The master key is required (x-functions-key header or code query parameter): this is an operations endpoint.',
      ),
    );
    expect(() => authorizeTopic(undefined, keys)).toThrow(
      new UnauthorizedError('The aeg-sas-key header is missing or wrong.'),
    );
    expect(() => authorizeTopic('master-key', keys)).toThrow(UnauthorizedError);
  });
});

describe('problems for requests the parser refuses', () => {
  /** Status line, headers without the random correlation id, and the body with its instance checked. */
  function parse(raw: string) {
    const [head, body] = raw.split('\r\n\r\n');
    const lines = head!.split('\r\n');
    const id = /^X-Correlation-Id: ([0-9a-f-]{36})$/m.exec(head!)?.[1];
    const problem = JSON.parse(body!) as Record<string, unknown>;
    expect(problem.instance).toBe(`urn:correlation:${id}`);
    expect(lines.find((l) => l.startsWith('Content-Length: '))).toBe(`Content-Length: ${Buffer.byteLength(body!)}`);
    return { lines: lines.filter((l) => !/^(X-Correlation-Id|Content-Length): /.test(l)), problem };
  }

  it('oversized headers: 431', () => {
    const { lines, problem } = parse(rawProblem(Object.assign(new Error('x'), { code: 'HPE_HEADER_OVERFLOW' })));
    expect(lines).toEqual([
      'HTTP/1.1 431 Request header fields too large',
      'Content-Type: application/problem+json',
      'Connection: close',
    ]);
    expect(problem).toMatchObject({
      type: 'https://movie-catalog.example/problems/431',
      title: 'Request header fields too large',
      status: 431,
      detail: 'The request headers are too large.',
    });
  });

  it('anything else it refuses: 400 naming the parser code', () => {
    const { lines, problem } = parse(rawProblem(Object.assign(new Error('x'), { code: 'HPE_INVALID_METHOD' })));
    expect(lines[0]).toBe('HTTP/1.1 400 Malformed request');
    expect(problem).toMatchObject({
      type: 'https://movie-catalog.example/problems/bad-request',
      title: 'Malformed request',
      status: 400,
      detail:
        'The request could not be parsed (HPE_INVALID_METHOD): a header name or value holds characters HTTP does not ' +
        'allow, or the request line is malformed.',
    });
  });
});
