import { z } from 'zod';
import { FUNCTION_KEY_PARAM, queryNumber, queryObject, validate } from '../shared/http/request';
import { problems } from '../shared/http/responses';
import { MAX_SUGGESTIONS } from '../shared/read-model/search-semantics';
import { suggestTitles } from '../shared/read-model/queries';
import type { HttpFunctionDefinition, ParameterDoc } from '../shared/registry';
import { BINDINGS } from './bindings';

const SuggestParamsSchema = z.strictObject({
  q: z.string().trim().min(1).max(100),
  limit: queryNumber(z.number().int().min(1).max(MAX_SUGGESTIONS)).default(MAX_SUGGESTIONS),
  ...FUNCTION_KEY_PARAM,
});

const SuggestionsSchema = z
  .object({
    suggestions: z.array(z.object({ id: z.string(), title: z.string(), year: z.number().int().optional() })),
  })
  .meta({ id: 'Suggestions' });

const parameters: ParameterDoc[] = [
  {
    name: 'q',
    in: 'query',
    required: true,
    description: 'What the user typed so far: title words, the last one possibly unfinished (typos tolerated)',
    schema: SuggestParamsSchema.shape.q,
  },
  {
    name: 'limit',
    in: 'query',
    description: `At most this many titles, 1-${MAX_SUGGESTIONS} (default ${MAX_SUGGESTIONS})`,
    schema: SuggestParamsSchema.shape.limit,
  },
];

/** Autocomplete for a search box. Not under /movies/, where `suggest` would read as a movie id. */
export const suggest: HttpFunctionDefinition = {
  ...BINDINGS.suggest,
  summary: 'Title suggestions for a partial input (autocomplete), cached like searches',
  tags: ['queries'],
  parameters,
  responses: {
    200: {
      description: 'Up to `limit` titles, best first',
      schema: SuggestionsSchema,
      headers: { 'X-Cache': 'HIT or MISS' },
    },
    ...problems(400, 401, 503),
  },
  async handler(request, context, deps) {
    const { q, limit } = validate(SuggestParamsSchema, queryObject(request), 'query');
    const { suggestions, cache } = await suggestTitles({ q, limit }, deps, context);
    return { status: 200, headers: { 'X-Cache': cache }, jsonBody: { suggestions } };
  },
};
