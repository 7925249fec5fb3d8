import type { z } from 'zod';
import { validationError, type FieldError } from '../../errors';

/** Turns zod issues into named field errors; unknown keys are reported one field each. */
export function fieldErrors(error: z.ZodError, prefix?: string): FieldError[] {
  return error.issues.flatMap((issue) => {
    const base = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ field: base ? `${base}.${key}` : key, message: 'is not a known field' }));
    }
    return [{ field: base || prefix || 'body', message: issue.message }];
  });
}

/** Parses `input` with `schema`, or throws a 400 that names every field at fault. */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown, prefix?: string): z.infer<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw validationError(fieldErrors(result.error, prefix));
  return result.data;
}
