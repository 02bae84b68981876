import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HttpRequest, InvocationContext } from '@azure/functions';
import { describe, expect, it } from 'vitest';
import { functions } from '../../functions/all';
import { BINDINGS } from '../../functions/bindings';
import { bindings } from '../../functions/index';
import { ValidationError } from '../../shared/errors';
import { compileRoute, functionKey, isAuthorized, type LocalHostKeys } from '../../shared/local/host';
import { bindingOf, invokeHttp, type HttpFunctionDefinition } from '../../shared/registry';
import { topology } from '../../shared/topology';
import type { Deps } from '../../shared/ports';

const http = functions.filter((f): f is HttpFunctionDefinition => f.kind === 'http');

describe('function registry', () => {
  it('has unique names and no two functions on one route and method', () => {
    expect(new Set(functions.map((f) => f.name)).size).toBe(functions.length);
    const pairs = http.flatMap((f) => f.methods.map((m) => `${m} ${f.route}`));
    expect(new Set(pairs).size).toBe(pairs.length);
  });

  it('function files only declare definitions: none but the Azure entry imports the composition root', () => {
    const dir = join(__dirname, '..', '..', 'functions');
    const importers = readdirSync(dir)
      .filter((file) => file.endsWith('.ts'))
      .filter((file) => /'\.\.\/shared\/composition(\.js)?'/.test(readFileSync(join(dir, file), 'utf8')));
    expect(importers).toEqual(['index.ts']);
  });

  it('the Azure entry registers the trigger of every definition, in the same order, each under its own name', () => {
    expect(bindings.map((b) => b.name)).toEqual(functions.map((f) => f.name));
    expect(bindings).toEqual(functions.map(bindingOf));
    for (const [key, binding] of Object.entries(BINDINGS)) expect(binding.name).toBe(key);
  });

  it('a binding is the trigger only: route, methods and auth level of HTTP, the schedule of a timer', () => {
    expect(bindings.find((b) => b.name === 'putMovie')).toEqual({
      kind: 'http',
      name: 'putMovie',
      route: 'movies/{id}',
      methods: ['PUT'],
      authLevel: 'function',
    });
    expect(bindings.find((b) => b.name === 'projector')).toEqual({ kind: 'eventGrid', name: 'projector' });
    expect(bindings.find((b) => b.name === 'relay')).toEqual({
      kind: 'timer',
      name: 'relay',
      schedule: '%RELAY_SCHEDULE%',
    });
  });

  it('keeps clear of routes the Azure host reserves', () => {
    for (const f of http) expect(f.route.startsWith('admin'), f.name).toBe(false);
  });

  it('every topology subscription targets an Event Grid function of the registry', () => {
    for (const s of topology.subscriptions) {
      expect(functions.find((f) => f.name === s.functionName)?.kind).toBe('eventGrid');
      expect(s.includedEventTypes.length).toBeGreaterThan(0);
    }
  });

  it('commands need a key, admin operations the master key, health and OpenAPI none', () => {
    const level = (name: string) => http.find((f) => f.name === name)?.authLevel;
    for (const name of ['createMovie', 'putMovie', 'patchMovie', 'deleteMovie', 'movieHistory'])
      expect(level(name)).toBe('function');
    for (const name of ['deadLetters', 'redrive', 'verify', 'rebuild']) expect(level(name)).toBe('admin');
    expect(level('health')).toBe('anonymous');
    expect(level('openapi')).toBe('anonymous');
  });
});

describe('route matching', () => {
  it('matches parameters, is case-insensitive on literals, and does not cross segments', () => {
    const def = http.find((f) => f.name === 'movieHistory')!;
    const { pattern, names } = compileRoute(def);
    expect(names).toEqual(['id']);
    expect(pattern.exec('/api/movies/abc/history')?.[1]).toBe('abc');
    expect(pattern.test('/api/Movies/abc/History')).toBe(true);
    expect(pattern.test('/api/movies/a/b/history')).toBe(false);
    expect(pattern.test('/api/movies/abc')).toBe(false);
  });
});

describe('keys', () => {
  const keys: LocalHostKeys = {
    host: 'host-key',
    master: 'master-key',
    topic: 't',
    functions: {
      createMovie: functionKey('host-key', 'createMovie'),
      deleteMovie: functionKey('host-key', 'deleteMovie'),
    },
  };
  const def = (name: string) => http.find((f) => f.name === name)!;

  it('function keys are per function and stable for a host key', () => {
    expect(functionKey('host-key', 'createMovie')).toBe(keys.functions.createMovie);
    expect(functionKey('host-key', 'createMovie')).not.toBe(functionKey('host-key', 'deleteMovie'));
    expect(functionKey('other', 'createMovie')).not.toBe(keys.functions.createMovie);
  });

  it.each([
    ['createMovie', 'host-key', true],
    ['createMovie', 'master-key', true],
    ['createMovie', functionKey('host-key', 'createMovie'), true],
    ['createMovie', functionKey('host-key', 'deleteMovie'), false],
    ['createMovie', null, false],
    ['createMovie', 'host-key ', false],
    ['verify', 'host-key', false],
    ['verify', 'master-key', true],
    ['health', null, true],
  ])('%s with %s -> %s', (name, given, ok) => {
    expect(isAuthorized(def(name), given, keys)).toBe(ok);
  });
});

describe('invokeHttp', () => {
  const context = () =>
    new InvocationContext({ functionName: 't', invocationId: 'inv-1', logHandler: () => undefined });
  const base: Omit<HttpFunctionDefinition, 'handler'> = {
    kind: 'http',
    name: 't',
    route: 't',
    methods: ['GET'],
    authLevel: 'anonymous',
    summary: '',
    tags: [],
    responses: {},
  };

  it('maps a typed error to its problem and carries the correlation id', async () => {
    const def: HttpFunctionDefinition = {
      ...base,
      handler: async () => {
        throw new ValidationError([{ path: 'query.x', message: 'bad' }]);
      },
    };
    const request = new HttpRequest({
      method: 'GET',
      url: 'http://h/api/t',
      headers: { 'x-correlation-id': 'abc-123' },
    });
    const res = await invokeHttp(def, request, context(), {} as Deps);
    expect(res.status).toBe(400);
    expect((res.headers as Record<string, string>)['Content-Type']).toBe('application/problem+json');
    expect(res.jsonBody).toMatchObject({
      status: 400,
      title: 'Invalid request',
      errors: [{ path: 'query.x', message: 'bad' }],
      instance: 'urn:correlation:abc-123',
    });
    expect((res.headers as Record<string, string>)['X-Correlation-Id']).toBe('abc-123');
  });

  it('turns an unexpected fault into a 500 that reveals nothing', async () => {
    const def: HttpFunctionDefinition = {
      ...base,
      handler: async () => {
        throw new Error('connection string AccountKey=secret');
      },
    };
    const res = await invokeHttp(def, new HttpRequest({ method: 'GET', url: 'http://h/api/t' }), context(), {} as Deps);
    expect(res.status).toBe(500);
    expect(JSON.stringify(res.jsonBody)).not.toContain('secret');
  });
});
