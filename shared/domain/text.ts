/**
 * Text hygiene, one definition for every text field (body fields and text query parameters): no C0 or
 * C1 control characters (tab, CR and LF only where multi-line text is allowed), well-formed Unicode,
 * a length in code points, stored trimmed and NFC-normalized. The same rules are written as JSON Schema
 * (`pattern`, `maxLength`) for the OpenAPI document. Pure.
 */
import { z } from 'zod';

/** C0 controls, DEL and C1 controls. */
const CONTROLS = '\\u0000-\\u001f\\u007f-\\u009f';
/** The same without tab, LF and CR. */
const CONTROLS_MULTILINE = '\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f';
/** Whitespace trim removes, and the invisible format characters that alone would make a blank value. */
const BLANK = '\\s\\u200b-\\u200d\\u2060\\ufeff';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export interface TextOptions {
  /** Something visible is required (not only blanks). */
  readonly required?: boolean;
  /** Tab, CR and LF are allowed (descriptions). */
  readonly multiline?: boolean;
}

/** The pattern a text field matches (ECMAScript syntax that Python's `re` reads the same way). */
export function textPattern(options: TextOptions = {}): string {
  const controls = options.multiline ? CONTROLS_MULTILINE : CONTROLS;
  return options.required ? `^[^${controls}]*[^${BLANK}${CONTROLS}][^${controls}]*$` : `^[^${controls}]*$`;
}

/** A text field of at most `max` code points after trimming; stored NFC-normalized. */
export function text(max: number, options: TextOptions = {}) {
  const controls = new RegExp(`[${options.multiline ? CONTROLS_MULTILINE : CONTROLS}]`, 'u');
  const visible = new RegExp(`[^${BLANK}]`, 'u');
  return z
    .string()
    .refine(
      (s) => !controls.test(s),
      options.multiline
        ? 'must not contain control characters (tab, CR and LF are allowed)'
        : 'must not contain control characters',
    )
    .refine((s) => !LONE_SURROGATE.test(s), 'must be well-formed Unicode (no lone surrogates)')
    .transform((s) => s.trim().normalize('NFC'))
    .refine((s) => [...s].length <= max, `must be at most ${max} characters`)
    .refine((s) => !options.required || visible.test(s), 'must contain visible characters')
    .meta({ type: 'string', maxLength: max, pattern: textPattern(options) });
}
