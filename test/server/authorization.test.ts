import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { StoreDefinition } from '../../src/core/index.js'
import { imageGenStore } from '../../src/stores/image-gen/index.js'
import { STORES } from '../../src/stores/registry.js'
import { ENGINES, useEngine } from '../engines.js'
import { startTestServer, type TestServer } from './harness.js'

type Access = 'public' | 'admin' | 'user'

interface Operation {
  method: string
  path: string
  security?: unknown[]
}

/**
 * Every route authorizes: walking the OpenAPI document, each route (with each kind of caller)
 * answers as its declared access says. No token on a server with tokens gets 401 (except the
 * public routes); a user token gets 403 on admin-only routes and passes the user routes
 * (image-gen's own, its own rows in an export); an admin token is never refused.
 */
describe.each(ENGINES)('authorization of every route on $name', (engine) => {
  const ctx = useEngine(engine)
  let server: TestServer
  let operations: Operation[]
  let admin: string
  let user: string

  beforeAll(async () => {
    server = await startTestServer(ctx, STORES)
    admin = (await server.access.createToken({ admin: true })).token
    // The user the user token (and the admin, by X-Genmedia-User) acts as: id 1.
    const member = await server.store(imageGenStore).repo.createUser({ email: 'u@example.com' })
    expect(member.id).toBe(1)
    user = (await server.access.createToken({ user_id: member.id })).token
    const document = (await server.app.inject({ method: 'GET', url: '/api/openapi.json' })).json<{
      security?: unknown[]
      paths: Record<string, Record<string, { security?: unknown[] }>>
    }>()
    operations = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({
        method: method.toUpperCase(),
        path,
        security: op.security ?? document.security,
      })),
    )
  }, 60_000)
  afterAll(() => server.close())

  /** The access each store route declares, by `METHOD /api/<store>/path/{param}`. */
  const declared = new Map<string, Access>(
    STORES.flatMap((store) =>
      (store.api ?? []).map((route) => [
        `${route.method} /api/${store.name}${route.path.replace(/:(\w+)/g, '{$1}')}`,
        route.access ?? 'admin',
      ]),
    ),
  )

  /** A concrete URL for an OpenAPI path: ids 1, an export's first table, a blob only admins read. */
  function urlOf(path: string): string {
    const store = STORES.find((s) => path.startsWith(`/api/${s.name}/export/`))
    if (path === '/blobs/{key}') return '/blobs/thumbnails/1.webp'
    return path.replace('{table}', store ? firstExportTable(store) : 'x').replace(/\{\w+\}/g, '1')
  }

  /** An export's table: one a user may read where the store scopes exports to users. */
  function firstExportTable(store: StoreDefinition): string {
    const scoped = store.exportScope ? Object.keys(store.exportScope(1)) : []
    return scoped[0] ?? Object.keys(store.tables)[0]!
  }

  /** What a user token may do with a route. */
  function accessOf(op: Operation): Access {
    if (op.security && op.security.length === 0) return 'public'
    const exported = STORES.find((s) => op.path.startsWith(`/api/${s.name}/export/`))
    if (exported) return exported.exportScope ? 'user' : 'admin'
    const access = declared.get(`${op.method} ${op.path}`)
    if (access) return access
    // Server routes: /api/stores and blobs outside a user's own areas.
    return 'admin'
  }

  const call = (op: Operation, headers: Record<string, string>) =>
    server.app.inject({ method: op.method as 'GET', url: urlOf(op.path), headers })

  it('walks a document that lists the server and every store', () => {
    expect(operations.length).toBeGreaterThan(100)
    expect(operations.map((op) => op.path)).toContain('/api/stores')
    for (const store of STORES) {
      expect(operations.some((op) => op.path.startsWith(`/api/${store.name}/`))).toBe(true)
    }
  })

  it('refuses a caller without a token on every route but the public ones', async () => {
    for (const op of operations) {
      const response = await call(op, {})
      const where = `${op.method} ${op.path} → ${response.statusCode} ${response.body.slice(0, 200)}`
      if (accessOf(op) === 'public') expect(response.statusCode, where).not.toBe(401)
      else expect(response.statusCode, where).toBe(401)
    }
  })

  it('gives a user token 403 on admin routes and lets it use the user routes', async () => {
    for (const op of operations) {
      const response = await call(op, { authorization: `Bearer ${user}` })
      const where = `${op.method} ${op.path} → ${response.statusCode} ${response.body.slice(0, 200)}`
      if (accessOf(op) === 'admin') expect(response.statusCode, where).toBe(403)
      else expect([401, 403], where).not.toContain(response.statusCode)
    }
  })

  it('lets an admin token (acting as a user) use every route', async () => {
    for (const op of operations) {
      const response = await call(op, {
        authorization: `Bearer ${admin}`,
        'x-genmedia-user': '1',
      })
      const where = `${op.method} ${op.path} → ${response.statusCode} ${response.body.slice(0, 200)}`
      expect([401, 403], where).not.toContain(response.statusCode)
      expect(response.statusCode, where).toBeLessThan(500)
    }
  })
})
