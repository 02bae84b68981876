/**
 * Typed errors that carry their meaning. ONE mapper (shared/http/problem.ts) turns them into
 * application/problem+json; anything else is a fault (500/503), never bad input.
 */
import type { FieldError } from './domain/validation';

export type { FieldError };

export abstract class AppError extends Error {
  abstract readonly status: number;
  abstract readonly title: string;
  /** Extra members of the problem document. */
  readonly extensions: Record<string, unknown> = {};
  /** Extra response headers. */
  readonly headers: Record<string, string> = {};
}

export class ValidationError extends AppError {
  readonly status = 400;
  readonly title = 'Invalid request';
  constructor(
    readonly errors: readonly FieldError[],
    detail = 'The request is not valid.',
  ) {
    super(detail);
    this.extensions.errors = errors;
  }
}

export class MalformedJsonError extends AppError {
  readonly status = 400;
  readonly title = 'Malformed JSON';
}

/** No key, or not a key for this function (the local host's auth levels and topic key). */
export class UnauthorizedError extends AppError {
  readonly status = 401;
  readonly title = 'Unauthorized';
}

export class NotFoundError extends AppError {
  readonly status = 404;
  readonly title = 'Not found';
}

/** The path is served, but not with this method: `Allow` lists the methods that are. */
export class MethodNotAllowedError extends AppError {
  readonly status = 405;
  readonly title = 'Method not allowed';
  constructor(detail: string, allow: readonly string[]) {
    super(detail);
    this.headers.Allow = allow.join(', ');
  }
}

/**
 * X-Min-Version names a version no store has yet (read-your-writes ahead of every store): the read is
 * behind, not answered with an older version. 412 with the newest version there is and Retry-After.
 */
export class VersionNotYetAvailableError extends AppError {
  readonly status = 412;
  readonly title = 'Version not available yet';
  constructor(
    readonly availableVersion: number,
    retryAfterSeconds = 1,
  ) {
    super(
      `Version ${availableVersion} is the newest there is; the version asked for by X-Min-Version is not available yet.`,
    );
    this.extensions.currentVersion = availableVersion;
    this.headers.ETag = `"${availableVersion}"`;
    this.headers['Retry-After'] = String(retryAfterSeconds);
    this.headers['X-Read-Behind'] = 'true';
  }
}

/** A stale If-Match or an If-None-Match: * on an existing resource. */
export class PreconditionFailedError extends AppError {
  readonly status = 412;
  readonly title = 'Precondition failed';
  constructor(
    detail: string,
    readonly currentVersion?: number,
  ) {
    super(detail);
    if (currentVersion !== undefined) {
      this.extensions.currentVersion = currentVersion;
      this.headers.ETag = `"${currentVersion}"`;
    }
  }
}

export class PayloadTooLargeError extends AppError {
  readonly status = 413;
  readonly title = 'Payload too large';
}

/** The resource is busy with something that excludes this request (a rebuild already running). */
export class ConflictError extends AppError {
  readonly status = 409;
  readonly title = 'Conflict';
  constructor(detail: string, extensions: Record<string, unknown> = {}) {
    super(detail);
    Object.assign(this.extensions, extensions);
  }
}

export class UnsupportedMediaTypeError extends AppError {
  readonly status = 415;
  readonly title = 'Unsupported media type';
}

/** The same Idempotency-Key reused with a different request. */
export class IdempotencyKeyReusedError extends AppError {
  readonly status = 422;
  readonly title = 'Idempotency key reused';
}

export class PreconditionRequiredError extends AppError {
  readonly status = 428;
  readonly title = 'Precondition required';
}

/** A dependency is down; the client may retry. */
export class ServiceUnavailableError extends AppError {
  readonly status = 503;
  readonly title = 'Service unavailable';
  constructor(detail: string, retryAfterSeconds = 5) {
    super(detail);
    this.headers['Retry-After'] = String(retryAfterSeconds);
  }
}

/** Two writers raced for one version: exactly one wins (the other gets this). */
export class ConcurrencyConflictError extends Error {
  constructor(
    readonly movieId: string,
    readonly version: number,
  ) {
    super(`version ${version} of movie ${movieId} already exists`);
    this.name = 'ConcurrencyConflictError';
  }
}
