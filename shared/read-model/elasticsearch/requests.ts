/**
 * Client errors as the port sees them: a server that cannot be reached, is overloaded or fails is
 * ReadStoreUnavailableError (the projector retries, a query answers 503); so is a missing alias.
 */
import { errors } from '@elastic/elasticsearch';
import { ReadStoreUnavailableError } from '../port';

export function isUnavailable(err: unknown): boolean {
  if (
    err instanceof errors.ConnectionError ||
    err instanceof errors.TimeoutError ||
    err instanceof errors.NoLivingConnectionsError ||
    err instanceof errors.RequestAbortedError
  ) {
    return true;
  }
  if (err instanceof errors.ResponseError) {
    const status = err.statusCode ?? 0;
    return status === 0 || status === 429 || status >= 500;
  }
  return false;
}

export function isNotFound(err: unknown): boolean {
  return err instanceof errors.ResponseError && err.statusCode === 404;
}

/** The `error.type` of an error response (`index_not_found_exception`, ...); undefined for anything else. */
export function errorType(err: unknown): string | undefined {
  if (!(err instanceof errors.ResponseError)) return undefined;
  const body = err.body as { error?: { type?: string } } | undefined;
  return body?.error?.type;
}

/** Runs a request; unreachable / overloaded / failing server -> ReadStoreUnavailableError. */
export async function call<T>(what: string, request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } catch (err) {
    if (isUnavailable(err)) {
      throw new ReadStoreUnavailableError(`Elasticsearch unavailable (${what}): ${(err as Error).message}`, {
        cause: err,
      });
    }
    throw err;
  }
}

/** Runs a request through an alias, which may not exist yet. */
export type AliasCall = <T>(what: string, request: () => Promise<T>) => Promise<T>;

/** As `call`, for requests through `alias`: a missing alias means the store is not there (yet). */
export function callOnAlias(alias: string): AliasCall {
  return async (what, request) => {
    try {
      return await call(what, request);
    } catch (err) {
      if (errorType(err) === 'index_not_found_exception') {
        throw new ReadStoreUnavailableError(`Elasticsearch alias '${alias}' is missing (${what}); run init()`, {
          cause: err,
        });
      }
      throw err;
    }
  };
}
