import { z } from 'zod'
import { compilable, compiledCheckOf, FAIL } from './compiled.js'
import { ValidationError } from './errors.js'

/**
 * The limits every store's writes share, whichever engine stores them (docs/api.md, "Limits"):
 * - `key`: a text column that is indexed or names something (a file name, a status, a topic):
 *   at most 500 characters, which fits an index entry on PostgreSQL (2,704 bytes) even in
 *   4-byte characters;
 * - `text`: free text (a prompt, a description, a message): at most 100,000 characters;
 * - `jsonDepth`: JSON values nest at most 32 levels (objects and arrays).
 * No text, in a column or inside JSON, may hold NUL (U+0000), which PostgreSQL cannot store.
 */
export const LIMITS = { key: 500, text: 100_000, jsonDepth: 32 } as const

/** hasNul tells whether `text` holds U+0000. */
export function hasNul(text: string): boolean {
  return text.includes('\u0000')
}

const NUL_PROBLEM = 'must not contain NUL (\\u0000)'

/** What refuses text with NUL, for a zod string. */
export const noNul = [compilable((s: string) => !hasNul(s)), { message: NUL_PROBLEM }] as const

/**
 * jsonProblem returns why a JSON value cannot be stored (nested deeper than LIMITS.jsonDepth,
 * NUL in a string or key), or undefined. It walks the value without recursion, so a value
 * nested thousands of levels deep is refused instead of overflowing the stack; strings are
 * checked where they are met and only objects and arrays wait on the stack (every input's JSON
 * columns pass through here, most of them flat).
 */
export function jsonProblem(value: unknown): string | undefined {
  if (typeof value === 'string') return hasNul(value) ? NUL_PROBLEM : undefined
  if (value === null || typeof value !== 'object') return undefined
  const objects: object[] = [value]
  const depths: number[] = [0]
  while (objects.length > 0) {
    const v = objects.pop()!
    const depth = depths.pop()!
    if (depth >= LIMITS.jsonDepth) return `nests deeper than ${LIMITS.jsonDepth} levels`
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        if (hasNulOrStack(v[i], depth + 1, objects, depths)) return NUL_PROBLEM
      }
      continue
    }
    for (const key in v) {
      if (!Object.hasOwn(v, key)) continue
      if (hasNul(key)) return NUL_PROBLEM
      const item = (v as Record<string, unknown>)[key]
      if (hasNulOrStack(item, depth + 1, objects, depths)) return NUL_PROBLEM
    }
  }
  return undefined
}

/** jsonProblem's step for an item it meets: a string is checked, an object or array stacked. */
function hasNulOrStack(item: unknown, depth: number, objects: object[], depths: number[]): boolean {
  if (typeof item === 'string') return hasNul(item)
  if (item !== null && typeof item === 'object') {
    objects.push(item)
    depths.push(depth)
  }
  return false
}

const isStorableJson = compilable((value: unknown) => jsonProblem(value) === undefined)

/** storableJson narrows a JSON column's schema to what both engines store (jsonProblem). */
export function storableJson<S extends z.ZodType>(schema: S): S {
  return schema.refine(isStorableJson, {
    error: (issue) => jsonProblem(issue.input) ?? 'cannot be stored',
  }) as S
}

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
export function parseInput<S extends z.ZodType>(
  schema: S,
  value: unknown,
  field?: string,
): z.output<S> {
  const parsed = parseOrError(schema, value)
  if (!(parsed instanceof ValidationError)) return parsed
  if (field === undefined || parsed.field) throw parsed
  throw new ValidationError(`${field}: ${parsed.message} (got ${describeValue(value)})`, field)
}

/**
 * parseOrError is `value` as `schema` parses it (through its compiled check where it has one),
 * or the ValidationError that names its first offending field.
 */
function parseOrError<S extends z.ZodType>(
  schema: S,
  value: unknown,
): z.output<S> | ValidationError {
  const fast = compiledCheckOf(schema)?.(value)
  if (fast !== undefined && fast !== FAIL) return fast as z.output<S>
  const result = schema.safeParse(value)
  return result.success ? result.data : validationErrorOf(result.error)
}

/** describeValue shows a refused value briefly in an error message. */
export function describeValue(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : String(value)
  return text.length > 60 ? `${text.slice(0, 57)}...` : text
}

/**
 * validationErrorOf names the first issue of a zod error and its field, and lists every
 * invalid field in `fields`. An unknown key is named as its field; a value of the wrong type
 * as a whole (an array for an object body) has the field "".
 */
function validationErrorOf(error: z.ZodError): ValidationError {
  const fields = error.issues.flatMap(issueFields)
  const first = fields[0]!
  const message = first.field ? `${first.field}: ${first.message}` : first.message
  return new ValidationError(message, first.field, { fields })
}

function issueFields(issue: z.core.$ZodIssue): { field: string; message: string }[] {
  const at = issue.path.map(String).join('.')
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({
      field: at ? `${at}.${key}` : key,
      message: issue.keys.length === 1 ? issue.message : `Unrecognized key: "${key}"`,
    }))
  }
  return [{ field: at, message: issue.message }]
}

/**
 * nulField returns the path (`tags.2`, `prompt`) of the first text in `value` (a parsed
 * request body, its query or path parameters) that holds NUL, or undefined. It walks
 * without recursion, however deep the value.
 */
export function nulField(value: unknown): string | undefined {
  const stack: [unknown, string][] = [[value, '']]
  while (stack.length > 0) {
    const [v, at] = stack.pop()!
    if (typeof v === 'string') {
      if (hasNul(v)) return at
    } else if (v !== null && typeof v === 'object') {
      for (const [key, item] of Object.entries(v)) {
        const path = at ? `${at}.${key}` : key
        if (hasNul(key)) return path
        stack.push([item, path])
      }
    }
  }
  return undefined
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
  const parsed = parseOrError(schema, item)
  if (!(parsed instanceof ValidationError)) return parsed
  throw new ValidationError(`${label} ${index + 1}: ${parsed.message}`, parsed.field)
}
