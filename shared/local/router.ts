/**
 * Route matching of the local host, as the Azure host does it: every HTTP function at /api/<route>,
 * `{name}` segments as parameters, case-insensitive, an optional trailing slash. A path no function
 * serves is a NotFoundError (404); a path served with other methods a MethodNotAllowedError (405) whose
 * `Allow` lists the methods every matching route serves.
 */
import { MethodNotAllowedError, NotFoundError } from '../errors';
import type { HttpFunctionDefinition } from '../registry';

export interface CompiledRoute {
  readonly definition: HttpFunctionDefinition;
  readonly pattern: RegExp;
  readonly names: readonly string[];
}

export interface RouteMatch {
  readonly definition: HttpFunctionDefinition;
  /** Path parameters, percent-decoded (a segment that does not decode stays as it came). */
  readonly params: Readonly<Record<string, string>>;
}

export interface Router {
  /** The function serving `method` on `pathname`; throws NotFoundError or MethodNotAllowedError. */
  match(pathname: string, method: string): RouteMatch;
}

export function compileRoute(definition: HttpFunctionDefinition): CompiledRoute {
  const names: string[] = [];
  const source = definition.route
    .split('/')
    .map((segment) => {
      const param = /^\{([A-Za-z_][A-Za-z0-9_]*)\??\}$/.exec(segment);
      if (param) {
        names.push(param[1]!);
        return '([^/]+)';
      }
      return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  return { definition, pattern: new RegExp(`^/api/${source}/?$`, 'i'), names };
}

export function createRouter(definitions: readonly HttpFunctionDefinition[]): Router {
  const routes = definitions.map(compileRoute);
  return {
    match(pathname, method) {
      const matches = routes
        .map((route) => ({ route, match: route.pattern.exec(pathname) }))
        .filter((m): m is { route: CompiledRoute; match: RegExpExecArray } => m.match !== null);
      if (matches.length === 0) throw new NotFoundError(`No function serves ${pathname}.`);
      const hit = matches.find((m) => m.route.definition.methods.includes(method as never));
      if (!hit) {
        const allow = [...new Set(matches.flatMap((m) => m.route.definition.methods))];
        throw new MethodNotAllowedError(`${method} is not supported here.`, allow);
      }
      const { definition, names } = hit.route;
      return {
        definition,
        params: Object.fromEntries(names.map((n, i) => [n, safeDecode(hit.match[i + 1] ?? '')])),
      };
    },
  };
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
