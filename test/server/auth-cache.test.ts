import { afterEach, describe, expect, it } from 'vitest'
import type { FastifyRequest } from 'fastify'
import { openStore, type OpenStore } from '../../src/core/index.js'
import { Authenticator, TOKEN_CACHE_MS } from '../../src/server/auth.js'
import { accessStore, type AccessRepository } from '../../src/stores/access/index.js'
import { trendsStore } from '../../src/stores/trends/index.js'
import { ENGINES, useEngine } from '../engines.js'
import { startTestServer } from './harness.js'

const bearer = (token: string) =>
  ({ headers: { authorization: `Bearer ${token}` } }) as unknown as FastifyRequest

describe.each(ENGINES)('token cache on $name', (engine) => {
  const ctx = useEngine(engine)
  const open: OpenStore<AccessRepository>[] = []
  afterEach(async () => {
    for (const store of open.splice(0)) await store.close()
  })
  const openAccess = async () => {
    const store = await openStore(accessStore, { location: ctx.freshLocation('access') })
    open.push(store)
    return store.repo
  }

  it('reuses a token’s actor for TOKEN_CACHE_MS, so a revocation takes effect within it', async () => {
    const access = await openAccess()
    let clock = 1_000_000
    const auth = new Authenticator(access, true, { now: () => clock })
    const { token, record } = await access.createToken({ admin: true })
    expect(await auth.actorOf(bearer(token))).toEqual({ userId: null, admin: true })
    await access.revokeToken(record.id)
    clock += TOKEN_CACHE_MS - 1
    expect(await auth.actorOf(bearer(token))).toEqual({ userId: null, admin: true })
    clock += 1
    await expect(auth.actorOf(bearer(token))).rejects.toMatchObject({ status: 401 })
    // Once refused, a token is asked about every time: it is never cached as valid again.
    await expect(auth.actorOf(bearer(token))).rejects.toMatchObject({ status: 401 })
  })

  it('never remembers an unknown token, and asks every time with tokenCacheMs 0', async () => {
    const access = await openAccess()
    const auth = new Authenticator(access, true, { tokenCacheMs: 0 })
    const { token, record } = await access.createToken({ admin: false, user_id: 7 })
    await expect(auth.actorOf(bearer(`${token}x`))).rejects.toMatchObject({ status: 401 })
    expect(await auth.actorOf(bearer(token))).toEqual({ userId: 7, admin: false })
    await access.revokeToken(record.id)
    await expect(auth.actorOf(bearer(token))).rejects.toMatchObject({ status: 401 })
    const fresh = await access.createToken({ admin: true })
    expect(await auth.actorOf(bearer(fresh.token))).toEqual({ userId: null, admin: true })
  })

  it('serves with the cache: a revoked token answers until the cache expires', async () => {
    const server = await startTestServer(ctx, [trendsStore], { tokenCacheMs: 60_000 })
    try {
      const { token, record } = await server.access.createToken({ admin: true })
      const get = () =>
        server.app.inject({
          url: '/api/trends/topics?limit=1',
          headers: { authorization: `Bearer ${token}` },
        })
      expect((await get()).statusCode).toBe(200)
      await server.access.revokeToken(record.id)
      expect((await get()).statusCode).toBe(200)
    } finally {
      await server.close()
    }
  })
})
