/**
 * Every function of the app. Each file registers itself with the Azure host at the bottom of the file;
 * this list feeds the local host, the OpenAPI document and the Pulumi program's checks.
 */
import type { FunctionDefinition } from '../shared/registry';
import { createMovie } from './createMovie';
import { putMovie } from './putMovie';
import { patchMovie } from './patchMovie';
import { deleteMovie } from './deleteMovie';
import { movieHistory } from './movieHistory';
import { getMovie } from './getMovie';
import { searchMovies } from './searchMovies';
import { suggest } from './suggest';
import { projector } from './projector';
import { relay } from './relay';
import { health } from './health';
import { openapi } from './openapi';
import { deadLetters } from './deadLetters';
import { redrive } from './redrive';
import { verify } from './verify';
import { rebuild } from './rebuild';
import { getJob, jobs } from './jobs';
import { docsPage } from './docsPage';
import { catalogPage } from './catalogPage';
import { webAsset } from './webAsset';

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
  openapi,
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
