import type { z } from 'zod'
import { ValidationError } from './errors.js'

/**
 * parseInput validates `value` against a zod schema and returns the parsed value, or throws
 * ValidationError naming the first offending field (`tags.2`, `final_score`).
 */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value)
  if (result.success) return result.data
  const issue = result.error.issues[0]!
  const field = issue.path.map(String).join('.') || undefined
  throw new ValidationError(field ? `${field}: ${issue.message}` : issue.message, field)
}

/**
 * parseEach validates every item of a batch, all before any is written; a bad one throws
 * ValidationError whose message starts with `<label> <position>:` (1-based) and names its field.
 */
export function parseEach<S extends z.ZodType>(
  schema: S,
  items: readonly unknown[],
  label: string,
): z.output<S>[] {
  return items.map((item, i) => {
    try {
      return parseInput(schema, item)
    } catch (error) {
      const e = error as ValidationError
      throw new ValidationError(`${label} ${i + 1}: ${e.message}`, e.field)
    }
  })
}
