/**
 * What the Azure host must know of each function when the app loads: its trigger (route, methods, auth
 * level; Event Grid; timer schedule). The Azure entry (functions/index.ts) registers these and loads the
 * definitions themselves (schemas, documentation, handlers: functions/all.ts) on the first invocation, so a
 * cold start loads no schema library and no SDK. Each definition takes its trigger from here, and a test
 * checks that the two lists name the same functions in the same order.
 */
import { queryAuthLevel } from '../shared/http/auth';
import type { FunctionBinding } from '../shared/registry';

export const BINDINGS = {
  createMovie: { kind: 'http', name: 'createMovie', route: 'movies', methods: ['POST'], authLevel: 'function' },
  putMovie: { kind: 'http', name: 'putMovie', route: 'movies/{id}', methods: ['PUT'], authLevel: 'function' },
  patchMovie: { kind: 'http', name: 'patchMovie', route: 'movies/{id}', methods: ['PATCH'], authLevel: 'function' },
  deleteMovie: { kind: 'http', name: 'deleteMovie', route: 'movies/{id}', methods: ['DELETE'], authLevel: 'function' },
  movieHistory: {
    kind: 'http',
    name: 'movieHistory',
    route: 'movies/{id}/history',
    methods: ['GET'],
    authLevel: 'function',
  },
  getMovie: { kind: 'http', name: 'getMovie', route: 'movies/{id}', methods: ['GET'], authLevel: queryAuthLevel() },
  searchMovies: { kind: 'http', name: 'searchMovies', route: 'movies', methods: ['GET'], authLevel: queryAuthLevel() },
  suggest: { kind: 'http', name: 'suggest', route: 'suggest', methods: ['GET'], authLevel: queryAuthLevel() },
  projector: { kind: 'eventGrid', name: 'projector' },
  // Timer schedules are app settings, resolved by the host (Azure and local alike); defaults in shared/config.ts.
  relay: { kind: 'timer', name: 'relay', schedule: '%RELAY_SCHEDULE%' },
  health: { kind: 'http', name: 'health', route: 'health', methods: ['GET'], authLevel: 'anonymous' },
  openapi: { kind: 'http', name: 'openapi', route: 'openapi.json', methods: ['GET'], authLevel: 'anonymous' },
  deadLetters: { kind: 'http', name: 'deadLetters', route: 'ops/dead-letters', methods: ['GET'], authLevel: 'admin' },
  redrive: {
    kind: 'http',
    name: 'redrive',
    route: 'ops/dead-letters/redrive',
    methods: ['POST'],
    authLevel: 'admin',
  },
  verify: { kind: 'http', name: 'verify', route: 'ops/verify', methods: ['POST'], authLevel: 'admin' },
  rebuild: { kind: 'http', name: 'rebuild', route: 'ops/rebuild', methods: ['POST'], authLevel: 'admin' },
  getJob: { kind: 'http', name: 'getJob', route: 'ops/jobs/{id}', methods: ['GET'], authLevel: 'admin' },
  jobs: { kind: 'timer', name: 'jobs', schedule: '%JOBS_SCHEDULE%' },
  docsPage: { kind: 'http', name: 'docsPage', route: 'docs', methods: ['GET'], authLevel: 'anonymous' },
  catalogPage: { kind: 'http', name: 'catalogPage', route: 'catalog', methods: ['GET'], authLevel: 'anonymous' },
  webAsset: { kind: 'http', name: 'webAsset', route: 'web/{name}', methods: ['GET'], authLevel: 'anonymous' },
} as const satisfies Record<string, FunctionBinding>;
