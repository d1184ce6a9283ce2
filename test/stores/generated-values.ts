import fc from 'fast-check'
import { LIMITS } from '../../src/core/index.js'

/**
 * Values at and beyond each column's limits, for the property tests of the stores: generated
 * from a JSON schema (the OpenAPI document's, itself derived from the column declarations and
 * LIMITS), often valid, often hostile.
 */

export interface JsonSchema {
  type?: string | string[]
  properties?: Record<string, JsonSchema>
  required?: string[]
  enum?: unknown[]
  anyOf?: JsonSchema[]
  items?: JsonSchema
  minimum?: number
  maximum?: number
  maxLength?: number
}

/** Integers around every storage boundary: 32-bit, 53-bit (JS), negative, not integers. */
export const integers = fc.constantFrom(
  0,
  1,
  -1,
  2 ** 31 - 1,
  2 ** 31,
  3_000_000_000,
  2 ** 53 - 1,
  2 ** 53,
  -(2 ** 53),
  1e308,
  0.5,
  '12',
  'NaN',
)

/** Text at and beyond each limit: empty, NUL, a key one past its limit, free text past its own, unicode. */
export const texts = fc.constantFrom(
  '',
  'x',
  'a\u0000b',
  'k'.repeat(LIMITS.key),
  'k'.repeat(LIMITS.key + 1),
  't'.repeat(LIMITS.text + 1),
  '🎨'.repeat(LIMITS.key),
  'ünïcödé ✓ 漢字',
  "'; DROP TABLE images; --",
  '2026-01-01T00:00:00Z',
  'cyberpunk',
)

/** JSON inside and past the nesting limit, with NUL in a key or a value. */
function nested(depth: number): unknown {
  let value: unknown = {}
  for (let i = 0; i < depth; i++) value = { a: value }
  return value
}
const jsons = fc.constantFrom<unknown>(
  {},
  { a: 1, b: [1, 'x'] },
  nested(LIMITS.jsonDepth - 1),
  nested(LIMITS.jsonDepth + 1),
  { 'k\u0000': 1 },
  { k: 'v\u0000' },
  [],
  'not an object',
)

/** valueFor generates a value for one property: often valid for its schema, often hostile. */
export function valueFor(schema: JsonSchema): fc.Arbitrary<unknown> {
  const options: fc.Arbitrary<unknown>[] = []
  for (const s of schema.anyOf ?? [schema]) {
    if (s.enum) options.push(fc.constantFrom(...s.enum))
    const types = Array.isArray(s.type) ? s.type : s.type ? [s.type] : []
    for (const type of types) {
      if (type === 'integer') options.push(integers, fc.integer({ min: 1, max: 5 }))
      if (type === 'number') options.push(integers, fc.double({ noNaN: true, min: -1, max: 11 }))
      if (type === 'string') options.push(texts, fc.string({ minLength: 1, maxLength: 12 }))
      if (type === 'boolean') options.push(fc.boolean(), fc.constant('yes'))
      if (type === 'null') options.push(fc.constant(null))
      if (type === 'object') options.push(s.properties ? bodyFor(s) : jsons)
      if (type === 'array')
        options.push(fc.array(s.items ? valueFor(s.items) : jsons, { maxLength: 3 }))
    }
  }
  if (options.length === 0) options.push(texts, integers, jsons)
  return fc.oneof(...options)
}

/** bodyFor generates an object: its required keys always, each other key sometimes. */
export function bodyFor(schema: JsonSchema): fc.Arbitrary<unknown> {
  const entries = Object.entries(schema.properties ?? {})
  if (entries.length === 0) return jsons
  const record = Object.fromEntries(entries.map(([key, s]) => [key, valueFor(s)]))
  return fc.record(record, { requiredKeys: schema.required ?? [] })
}

/** Path parameters: small ids that exist, ids past 2^31 and 2^53, text, negative. */
export const pathValues = fc.constantFrom(
  '1',
  '2',
  '3000000000',
  String(2 ** 53 + 2),
  'abc',
  '-1',
  'x.png',
)

export interface WriteRoute {
  method: 'POST' | 'PATCH' | 'PUT'
  path: string
  body: JsonSchema | undefined
}

/** The OpenAPI document, as far as the property tests read it. */
export interface OpenApiDocument {
  paths: Record<string, Record<string, unknown>>
}

/** writeRoutes lists the POST/PATCH/PUT routes of `store` in the OpenAPI document, with their body schemas. */
export function writeRoutes(document: OpenApiDocument, store: string) {
  const routes: WriteRoute[] = []
  for (const [path, methods] of Object.entries(document.paths)) {
    if (!path.startsWith(`/api/${store}/`)) continue
    for (const [method, operation] of Object.entries(methods)) {
      if (!['post', 'patch', 'put'].includes(method)) continue
      const body = (
        operation as {
          requestBody?: { content?: { 'application/json'?: { schema?: JsonSchema } } }
        }
      ).requestBody?.content?.['application/json']?.schema
      routes.push({ method: method.toUpperCase() as WriteRoute['method'], path, body })
    }
  }
  return routes
}
