import { z } from 'zod'
import { compiledCheckOf, FAIL } from './compiled.js'
import { ValidationError } from './errors.js'

/** jsonObject is a JSON object column's value: a plain object with any keys (no array). */
export const jsonObject = z.record(z.string(), z.unknown())

/**
 * timestampInput is a timestamp as inputs give it: a Date, or text (ISO-8601 or SQLite's
 * `YYYY-MM-DD HH:MM:SS`), checked when the codec encodes it.
 */
export const timestampInput = z.union([z.string(), z.date()])

/**
 * Both parsers first try the schema's compiled check (compiled.ts): it returns what zod would
 * for a valid value, several times faster. A value it refuses (or a schema it cannot compile)
 * goes to zod, so every error is zod's own.
 */

/**
 * parseInput validates `value` against a zod schema and returns the parsed value, or throws
 * ValidationError naming the first offending field (`tags.2`, `final_score`).
 */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const fast = compiledCheckOf(schema)?.(value)
  if (fast !== undefined && fast !== FAIL) return fast as z.output<S>
  const result = schema.safeParse(value)
  if (result.success) return result.data
  throw validationErrorOf(result.error)
}

/** validationErrorOf names the first issue of a zod error and its field. */
function validationErrorOf(error: z.ZodError): ValidationError {
  const issue = error.issues[0]!
  const field = issue.path.map(String).join('.') || undefined
  return new ValidationError(field ? `${field}: ${issue.message}` : issue.message, field)
}

/**
 * parseItem is parseInput for the item at `index` (0-based) of a batch: a bad one throws
 * ValidationError whose message starts with `<label> <position>:` (1-based) and names its field.
 */
export function parseItem<S extends z.ZodType>(
  schema: S,
  item: unknown,
  label: string,
  index: number,
): z.output<S> {
  const fast = compiledCheckOf(schema)?.(item)
  if (fast !== undefined && fast !== FAIL) return fast as z.output<S>
  const result = schema.safeParse(item)
  if (result.success) return result.data
  const e = validationErrorOf(result.error)
  throw new ValidationError(`${label} ${index + 1}: ${e.message}`, e.field)
}
