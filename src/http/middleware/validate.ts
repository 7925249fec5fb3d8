import type { z } from 'zod';
import { validationError, type FieldError } from '../../errors';

/** Enough to fix a request; a body with 60,000 unknown keys must not get an answer five times its size. */
const MAX_FIELD_ERRORS = 20;

/** Turns zod issues into named field errors (at most MAX_FIELD_ERRORS); unknown keys are reported one field each. */
function fieldErrors(error: z.ZodError, prefix?: string): FieldError[] {
  const all = error.issues.flatMap((issue) => {
    const base = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ field: base ? `${base}.${key}` : key, message: 'is not a known field' }));
    }
    return [{ field: base || prefix || 'body', message: issue.message }];
  });
  if (all.length <= MAX_FIELD_ERRORS) return all;
  const more = all.length - MAX_FIELD_ERRORS + 1;
  return [...all.slice(0, MAX_FIELD_ERRORS - 1), { field: prefix || 'body', message: `and ${more} more invalid or unknown fields` }];
}

/** Parses `input` with `schema`, or throws a 400 that names every field at fault. */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown, prefix?: string): z.infer<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw validationError(fieldErrors(result.error, prefix));
  return result.data;
}
