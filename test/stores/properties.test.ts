import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { GenmediaError } from '../../src/core/index.js'
import { STORES } from '../../src/stores/registry.js'
import { ENGINES, useEngine, type EngineContext } from '../engines.js'
import { startTestServer, type TestServer } from '../server/harness.js'
import {
  bodyFor,
  integers,
  pathValues,
  writeRoutes,
  type OpenApiDocument,
  type WriteRoute,
} from './generated-values.js'
import { argumentsOf, libraryCalls, type LibraryCall } from './library-calls.js'

/**
 * Property: every create/update route of every store (each one calls the library method of the
 * same name), given values at and beyond each column's limits, answers the same status on SQLite
 * and PostgreSQL, never a 5xx, and every error is one of genmedia's own (validation, not found,
 * conflict) in the one error shape. The bodies are generated from the route's request schema in
 * the OpenAPI document, which is itself derived from the column declarations (tables.ts) and
 * LIMITS, so a new column or route is covered without editing this file.
 *
 * The same holds for the library: each route's repository call (derived from the route, see
 * library-calls.ts) is made directly, without the HTTP layer's validation, with the same kind of
 * generated body and ids at the integer boundaries; it resolves or throws one of genmedia's own
 * errors, of the same kind on both engines.
 */

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

let document: OpenApiDocument

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

describe('generated values at and beyond the limits', () => {
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

/**
 * Write routes whose library call cannot be derived by recording the handler: it transforms the
 * request before the call (decodes base64 into bytes, maps an array of uploads), or the route
 * works on the core job queue rather than the store's repository. Their methods are reached
 * through the route part above only.
 */
const QUEUE_ROUTES = ['POST /queue/:id/cancel', 'POST /queue/:id/retry', 'POST /queue/retry-failed']
const NOT_DERIVED: Readonly<Record<string, readonly string[]>> = {
  'video-batch': QUEUE_ROUTES,
  'image-gen': [
    'POST /reference-images', // uploadReferenceImage: the file is base64 decoded into bytes
    'POST /jobs/:id/images', // recordGeneratedImages: each image's base64 decoded into bytes
    'POST /worker/users/:user_id/jobs/:id/images', // the same, as the worker
    ...QUEUE_ROUTES,
  ],
}

/** Ids at the integer boundaries and text where an id is expected, as the library may be given them. */
const ids = fc.oneof(integers, pathValues)

interface DrivenCall {
  route: string
  call: LibraryCall
  params: string[]
  body: WriteRoute['body'] | undefined
}

/** drivenCalls derives every library call of `store`'s write routes, and the routes that gave none. */
async function drivenCalls(store: string, document: OpenApiDocument) {
  const definition = sides[0]!.server!.stores.find((s) => s.definition.name === store)!.definition
  const documented = writeRoutes(document, store)
  const calls: DrivenCall[] = []
  const notDerived: string[] = []
  for (const route of definition.api ?? []) {
    if (!['POST', 'PATCH', 'PUT'].includes(route.method)) continue
    const path = `/api/${store}${route.path.replace(/:(\w+)/g, '{$1}')}`
    const body = documented.find((r) => r.method === route.method && r.path === path)?.body
    const keys = Object.keys(
      body?.anyOf?.find((s) => s.properties)?.properties ?? body?.properties ?? {},
    )
    const found = await libraryCalls(route, keys)
    const label = `${route.method} ${route.path}`
    // A route that takes nothing from the request (claim the next job) has nothing to generate.
    if (found?.length === 0 && !route.params && !route.body) continue
    if (!found || found.length === 0) notDerived.push(label)
    const params = [...route.path.matchAll(/:(\w+)/g)].map(([, name]) => name!)
    for (const call of found ?? []) calls.push({ route: label, call, params, body })
  }
  return { calls, notDerived }
}

/** What a library call came to: `ok`, or the class of genmedia error it threw. */
async function outcomeOf(run: () => Promise<unknown>): Promise<string> {
  try {
    await run()
    return 'ok'
  } catch (error) {
    if (error instanceof GenmediaError && OWN_CODES.includes(error.code)) return error.name
    return `not genmedia's own: ${String((error as Error)?.stack ?? error)}`
  }
}

describe('library methods given generated values at and beyond the limits', () => {
  it.each(STORES.map((s) => s.name).filter((name) => name !== 'access'))(
    '%s: same outcome on every engine, never a raw driver error',
    async (store) => {
      const { calls, notDerived } = await drivenCalls(store, document)
      expect(notDerived).toEqual(NOT_DERIVED[store] ?? [])
      expect(calls.length).toBeGreaterThan(0)
      const inputs = fc.oneof(
        ...calls.map((driven) =>
          fc.record({
            driven: fc.constant(driven),
            params: fc.tuple(...driven.params.map(() => ids), fc.constant('')),
            body: driven.body ? bodyFor(driven.body) : fc.constant(undefined),
            user: ids,
          }),
        ),
      )
      // A library call costs a few milliseconds (no HTTP): four times the route part's runs.
      await fc.assert(
        fc.asyncProperty(fc.array(inputs, { minLength: 1, maxLength: 6 }), async (batch) => {
          for (const { driven, params, body, user } of batch) {
            const filled = {
              params: Object.fromEntries(driven.params.map((name, i) => [name, params[i]])),
              body,
              user,
            }
            const outcomes: string[] = []
            for (const side of sides) {
              const repo = side.server!.stores.find((s) => s.definition.name === store)!
                .repo as Record<string, (...args: unknown[]) => Promise<unknown>>
              const args = structuredClone(argumentsOf(driven.call, filled))
              outcomes.push(await outcomeOf(() => repo[driven.call.method]!(...args)))
            }
            const where = `${driven.route} → ${driven.call.method}(${JSON.stringify(argumentsOf(driven.call, filled))?.slice(0, 300)})`
            for (const outcome of outcomes) expect(outcome, where).not.toMatch(/^not genmedia/)
            expect(new Set(outcomes).size, `${where}: ${outcomes.join(' / ')}`).toBe(1)
          }
        }),
        { numRuns: 100 },
      )
    },
    60_000,
  )
})
