import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LIMITS } from '../../src/core/index.js'
import { STORES } from '../../src/stores/registry.js'
import { ENGINES, useEngine, type EngineContext } from '../engines.js'
import { startTestServer, type TestServer } from '../server/harness.js'

/**
 * Property: every create/update route of every store (each one calls the library method of the
 * same name), given values at and beyond each column's limits, answers the same status on SQLite
 * and PostgreSQL, never a 5xx, and every error is one of genmedia's own (validation, not found,
 * conflict) in the one error shape. The bodies are generated from the route's request schema in
 * the OpenAPI document, which is itself derived from the column declarations (tables.ts) and
 * LIMITS, so a new column or route is covered without editing this file.
 */

interface JsonSchema {
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

interface WriteRoute {
  method: 'POST' | 'PATCH' | 'PUT'
  path: string
  body: JsonSchema | undefined
}

/** Integers around every storage boundary: 32-bit, 53-bit (JS), negative, not integers. */
const integers = fc.constantFrom(
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
const texts = fc.constantFrom(
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
function valueFor(schema: JsonSchema): fc.Arbitrary<unknown> {
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
function bodyFor(schema: JsonSchema): fc.Arbitrary<unknown> {
  const entries = Object.entries(schema.properties ?? {})
  if (entries.length === 0) return jsons
  const record = Object.fromEntries(entries.map(([key, s]) => [key, valueFor(s)]))
  return fc.record(record, { requiredKeys: schema.required ?? [] })
}

/** Path parameters: small ids that exist, ids past 2^31 and 2^53, text, negative. */
const pathValues = fc.constantFrom(
  '1',
  '2',
  '3000000000',
  String(2 ** 53 + 2),
  'abc',
  '-1',
  'x.png',
)

function writeRoutes(document: { paths: Record<string, Record<string, unknown>> }, store: string) {
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

/** A request: one write route, its path filled in, its body generated. */
function requestFor(route: WriteRoute) {
  const names = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!)
  return fc.record({
    route: fc.constant(route),
    params: fc.tuple(...names.map(() => pathValues), fc.constant('')),
    body: route.body ? bodyFor(route.body) : fc.constant(undefined),
  })
}

const OWN_CODES = ['invalid_input', 'not_found', 'conflict']

interface Side {
  ctx: EngineContext
  server?: TestServer
  admin?: string
}

/** One server per engine, with every store and its sample data, opened once for the file. */
const sides: Side[] = ENGINES.map((engine) => ({ ctx: useEngine(engine) }))

describe('generated values at and beyond the limits', () => {
  let document: { paths: Record<string, Record<string, unknown>> }

  beforeAll(async () => {
    for (const side of sides) {
      side.server = await startTestServer(side.ctx, STORES, { seed: true })
      side.admin = (await side.server.access.createToken({ admin: true })).token
    }
    const response = await sides[0]!.server!.app.inject({ method: 'GET', url: '/api/openapi.json' })
    document = response.json()
  }, 60_000)
  afterAll(async () => {
    for (const side of sides) await side.server?.close()
  })

  it.each(STORES.map((s) => s.name).filter((name) => name !== 'access'))(
    '%s: same outcome on every engine, never a 5xx or a raw driver error',
    async (store) => {
      const routes = writeRoutes(document, store)
      expect(routes.length).toBeGreaterThan(0)
      const requests = fc.array(fc.oneof(...routes.map(requestFor)), {
        minLength: 1,
        maxLength: 6,
      })
      await fc.assert(
        fc.asyncProperty(requests, async (batch) => {
          for (const { route, params, body } of batch) {
            let n = 0
            const url = route.path.replace(/\{\w+\}/g, () => encodeURIComponent(params[n++]!))
            const outcomes = []
            for (const side of sides) {
              const response = await side.server!.app.inject({
                method: route.method,
                url,
                ...(body === undefined ? {} : { payload: body as object }),
                headers: { authorization: `Bearer ${side.admin}`, 'x-genmedia-user': '1' },
              })
              const where = `${route.method} ${url} ${JSON.stringify(body)?.slice(0, 300)}`
              expect(response.statusCode, `${where} → ${response.body}`).toBeLessThan(500)
              if (response.statusCode >= 400) {
                const { error } = response.json() as { error: { code: string } }
                expect(OWN_CODES, `${where} → ${response.body}`).toContain(error.code)
              }
              outcomes.push(response.statusCode)
            }
            expect(new Set(outcomes).size, `${route.method} ${url}: ${outcomes}`).toBe(1)
          }
        }),
        { numRuns: 25 },
      )
    },
    60_000,
  )
})
