/**
 * Every function of the app: definitions only, nothing registered. The Azure entry (functions/index.ts)
 * registers this list with the Azure host; the local host, the OpenAPI document and the Pulumi program's
 * checks read it.
 */
import type { FunctionDefinition } from '../shared/registry';
import { createMovie } from './create-movie';
import { putMovie } from './put-movie';
import { patchMovie } from './patch-movie';
import { deleteMovie } from './delete-movie';
import { movieHistory } from './movie-history';
import { getMovie } from './get-movie';
import { searchMovies } from './search-movies';
import { suggest } from './suggest';
import { projector } from './projector';
import { relay } from './relay';
import { health } from './health';
import { openapiFunction } from './openapi';
import { deadLetters } from './dead-letters';
import { redrive } from './redrive';
import { verify } from './verify';
import { rebuild } from './rebuild';
import { getJob, jobs } from './jobs';
import { docsPage } from './docs-page';
import { catalogPage } from './catalog-page';
import { webAsset } from './web-asset';

export const functions: readonly FunctionDefinition[] = [
  createMovie,
  putMovie,
  patchMovie,
  deleteMovie,
  movieHistory,
  getMovie,
  searchMovies,
  suggest,
  projector,
  relay,
  health,
  // Documents this whole list, itself included.
  openapiFunction(() => functions),
  deadLetters,
  redrive,
  verify,
  rebuild,
  getJob,
  jobs,
  // pages (issue 17)
  docsPage,
  catalogPage,
  webAsset,
];
