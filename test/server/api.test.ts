import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Validator } from '@seriousme/openapi-schema-validator'
import { openApiPath } from '../../src/server/openapi.js'
import { STORES } from '../../src/stores/registry.js'
import { ENGINES, useEngine } from '../engines.js'
import { startTestServer, type TestServer } from './harness.js'

const SERVED = STORES.filter((s) => s.api?.length)
const ROUTES = SERVED.flatMap((store) =>
  (store.api ?? []).map((route) => ({
    store: store.name,
    route,
    label: `${route.method} /api/${store.name}${route.path}`,
  })),
)
const url = (store: string, path: string, id = '1') => `/api/${store}${path.replace(/:\w+/g, id)}`

describe.each(ENGINES)('the HTTP API on $name', (engine) => {
  const ctx = useEngine(engine)
  let server: TestServer
  let admin: string
  let userOnly: string

  beforeAll(async () => {
    server = await startTestServer(ctx, SERVED, { seed: true })
    admin = (await server.access.createToken({ admin: true, user_id: 1 })).token
    userOnly = (await server.access.createToken({ user_id: 1 })).token
  })
  afterAll(() => server.close())

  it('serves health, the store list and a valid OpenAPI 3.1 document with every route', async () => {
    const health = await server.app.inject('/api/health')
    expect(health.json()).toMatchObject({ status: 'ok' })
    const stores = await server.app.inject({
      url: '/api/stores',
      headers: { authorization: `Bearer ${admin}` },
    })
    expect(stores.statusCode).toBe(200)
    for (const s of stores.json()) {
      expect(s).toMatchObject({ engine: engine.name, schemaVersion: expect.any(Number) })
      expect(s.rowCounts).toBeTypeOf('object')
    }
    const document = (await server.app.inject('/api/openapi.json')).json()
    const result = await new Validator().validate(document)
    expect(result.errors ?? []).toEqual([])
    expect(result.valid).toBe(true)
    for (const { store, route } of ROUTES) {
      expect(
        document.paths[openApiPath(store, route)]?.[route.method.toLowerCase()],
        route.path,
      ).toBeDefined()
    }
    const docs = await server.app.inject('/api/docs/')
    expect(docs.statusCode).toBe(200)
    expect(docs.headers['content-type']).toMatch(/html/)
  })

  it('refuses every route without a token once tokens exist (401), and a bad token', async () => {
    for (const { store, route, label } of ROUTES) {
      const none = await server.app.inject({ method: route.method, url: url(store, route.path) })
      expect(none.statusCode, label).toBe(401)
      expect(none.json().error.code).toBe('unauthorized')
      const bad = await server.app.inject({
        method: route.method,
        url: url(store, route.path),
        headers: { authorization: 'Bearer gm_not_a_token' },
      })
      expect(bad.statusCode, label).toBe(401)
    }
  })

  it('refuses admin routes to a user token (403)', async () => {
    for (const { store, route, label } of ROUTES.filter(
      (r) => (r.route.access ?? 'admin') === 'admin',
    )) {
      const res = await server.app.inject({
        method: route.method,
        url: url(store, route.path),
        headers: { authorization: `Bearer ${userOnly}` },
      })
      expect(res.statusCode, label).toBe(403)
    }
  })

  it('answers a malformed id with 400 naming it, and an unknown id with 404', async () => {
    for (const { store, route, label } of ROUTES.filter((r) => /:id\b/.test(r.route.path))) {
      const headers = { authorization: `Bearer ${admin}` }
      const bad = await server.app.inject({
        method: route.method,
        url: url(store, route.path, 'abc'),
        headers,
      })
      expect(bad.statusCode, label).toBe(400)
      expect(bad.json().error.field, label).toBe('id')
      const missing = await server.app.inject({
        method: route.method,
        url: url(store, route.path, '987654'),
        headers,
        ...(route.body && !route.body.safeParse(undefined).success ? { payload: {} } : {}),
      })
      // A body the route requires may be refused before the id is looked up.
      expect([404, 400], label).toContain(missing.statusCode)
      if (!route.body || route.body.safeParse({}).success)
        expect(missing.statusCode, label).toBe(404)
    }
  })

  it('answers every list and query route with its documented shape on the sample data', async () => {
    const headers = { authorization: `Bearer ${admin}` }
    for (const { store, route, label } of ROUTES.filter(
      (r) => r.route.method === 'GET' && !r.route.path.includes(':'),
    )) {
      const res = await server.app.inject({ url: url(store, route.path), headers })
      expect(res.statusCode, `${label}: ${res.body}`).toBe(200)
      if (route.response) expect(route.response.safeParse(res.json()).success, label).toBe(true)
    }
  })

  it('never shows a stack trace or SQL to the client', async () => {
    const res = await server.app.inject({
      method: 'GET',
      url: '/api/ai-artist/images?created_after=not-a-date',
      headers: { authorization: `Bearer ${admin}` },
    })
    expect(res.statusCode).toBe(400)
    expect(res.body).not.toMatch(/SELECT|at .*\.ts:\d+/)
    const unknown = await server.app.inject({
      url: '/api/nope',
      headers: { authorization: `Bearer ${admin}` },
    })
    expect(unknown.statusCode).toBe(404)
    expect(unknown.json().error.code).toBe('not_found')
  })
})

describe.each(ENGINES)('access modes on $name', (engine) => {
  const ctx = useEngine(engine)

  it('is open on loopback while no token exists, and closes when one is created', async () => {
    const server = await startTestServer(ctx, SERVED.slice(0, 1), { host: '127.0.0.1' })
    try {
      const route = SERVED[0]!.api!.find((r) => r.method === 'GET' && !r.path.includes(':'))!
      const path = url(SERVED[0]!.name, route.path)
      expect((await server.app.inject(path)).statusCode).toBe(200)
      const server2 = await startTestServer(ctx, SERVED.slice(0, 1), { host: '0.0.0.0' })
      try {
        expect((await server2.app.inject(path)).statusCode).toBe(401)
      } finally {
        await server2.close()
      }
      const { token, record } = await server.access.createToken({ admin: true })
      // The open mode is re-checked every few seconds; a server started after the token exists
      // is closed at once.
      const again = await startTestServer(ctx, SERVED.slice(0, 1), { host: '127.0.0.1' })
      try {
        await again.access.createToken({ admin: true })
        expect((await again.app.inject(path)).statusCode).toBe(401)
      } finally {
        await again.close()
      }
      expect(
        (await server.app.inject({ url: path, headers: { authorization: `Bearer ${token}` } }))
          .statusCode,
      ).toBe(200)
      await server.access.revokeToken(record.id)
      expect(
        (await server.app.inject({ url: path, headers: { authorization: `Bearer ${token}` } }))
          .statusCode,
      ).toBe(401)
    } finally {
      await server.close()
    }
  })
})
