/** Schema issues -> `{ path, message }` field errors, every bad field listed. Pure. */
import type { FieldError } from '../errors';

export interface IssueLike {
  readonly path: readonly PropertyKey[];
  readonly message: string;
  readonly code?: string;
  readonly keys?: readonly string[];
}

export function fieldErrors(issues: readonly IssueLike[], prefix = ''): FieldError[] {
  return issues.flatMap((issue) => {
    const base = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
    if (issue.code === 'unrecognized_keys' && issue.keys) {
      return issue.keys.map((key) => ({ path: [base, key].filter(Boolean).join('.'), message: 'unknown field' }));
    }
    return [{ path: base || '(root)', message: issue.message }];
  });
}
