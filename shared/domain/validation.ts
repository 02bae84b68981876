/** Schema issues -> field issues and `{ path, message }` field errors, every bad field listed. Pure. */

export interface IssueLike {
  readonly path: readonly PropertyKey[];
  readonly message: string;
  readonly code?: string;
  readonly keys?: readonly string[];
}

/** One thing wrong: where (a path into the value checked; empty for the value as a whole) and why. */
export interface FieldIssue {
  readonly path: readonly string[];
  readonly message: string;
}

/** A field issue as a request reports it: its path joined under where the value came from. */
export interface FieldError {
  readonly path: string;
  readonly message: string;
}

/** Schema issues -> field issues; an unknown key is one issue per key. */
export function fieldIssues(issues: readonly IssueLike[]): FieldIssue[] {
  return issues.flatMap((issue) => {
    const path = issue.path.map(String);
    if (issue.code === 'unrecognized_keys' && issue.keys) {
      return issue.keys.map((key) => ({ path: [...path, key], message: 'unknown field' }));
    }
    return [{ path, message: issue.message }];
  });
}

/** Field issues under `prefix` (`body`, `query`): `body.title`; `(root)` when there is no path at all. */
export function fieldErrorsOf(issues: readonly FieldIssue[], prefix = ''): FieldError[] {
  return issues.map(({ path, message }) => ({
    path: [prefix, ...path].filter(Boolean).join('.') || '(root)',
    message,
  }));
}

export function fieldErrors(issues: readonly IssueLike[], prefix = ''): FieldError[] {
  return fieldErrorsOf(fieldIssues(issues), prefix);
}
