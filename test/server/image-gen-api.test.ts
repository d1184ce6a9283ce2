import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { imageGenApi } from '../../src/stores/image-gen/api.js'
import { ENGINES, useEngine } from '../engines.js'
import type { TestServer } from './harness.js'
import {
  blobPath,
  call,
  expectStatus,
  makeWorld,
  pngBase64,
  snapshot,
  startImageGenServer,
  type Req,
  type World,
} from './image-gen-world.js'

import { CASES, GONE, post } from './image-gen-cases.js'

const ROUTES = imageGenApi.map((r) => ({ key: `${r.method} ${r.path}`, route: r }))

describe.each(ENGINES)('image-gen over HTTP on $name', (engine) => {
  const ctx = useEngine(engine)
  let server: TestServer
  /** An admin token without a user: the worker's. */
  let admin: string
  const storageUrl = process.env.GENMEDIA_STORAGE_URL

  beforeAll(async () => {
    // The repository (and the blob route) open the blob store of the environment.
    process.env.GENMEDIA_STORAGE_URL = `file://${join(ctx.dir, 'blobs')}`
    server = await startImageGenServer(ctx)
    admin = (await server.access.createToken({ admin: true, name: 'worker' })).token
  })
  afterAll(async () => {
    await server.close()
    if (storageUrl === undefined) delete process.env.GENMEDIA_STORAGE_URL
    else process.env.GENMEDIA_STORAGE_URL = storageUrl
  })

  it('has a case for every route', () => {
    expect(Object.keys(CASES).sort()).toEqual(ROUTES.map((r) => r.key).sort())
  })

  for (const { key, route } of ROUTES)
    it(`${key}: success, 400 naming the field, 404`, async () => {
      const c = CASES[key]!
      const w = await makeWorld(server, admin)
      const token = route.access === 'user' ? w.token : admin
      if (c.bad !== 'no input') {
        const { field, ...req } = c.bad(w)
        const res = await call(server.app, token, req)
        expectStatus(res, 400, key)
        expect(res.json().error).toMatchObject({ code: 'invalid_input', field })
      }
      if (c.missing !== 'no id') {
        const { token: as, ...req } = (await c.missing(w)) as Req & { token?: string }
        // `unknown-user`: a valid token of a user the store does not have.
        const caller = as ? (await server.access.createToken({ user_id: GONE })).token : token
        const res = await call(server.app, caller, req)
        expectStatus(res, 404, key)
        expect(res.json().error.code).toBe('not_found')
      }
      const res = await call(server.app, token, await c.ok(w))
      expectStatus(res, c.status ?? 200, key)
      await c.check?.(res.statusCode === 204 ? undefined : res.json(), w, server)
    })

  it('refuses every route without a token (401) and with the wrong kind of token (403)', async () => {
    const w = await makeWorld(server, admin)
    const { token: userToken } = w
    for (const { key, route } of ROUTES) {
      const req = await CASES[key]!.ok(w)
      expectStatus(await call(server.app, null, req), 401, key)
      expectStatus(await call(server.app, 'gm_not_a_token', req), 401, key)
      const wrong = route.access === 'user' ? admin : userToken
      const res = await call(server.app, wrong, req)
      expectStatus(res, 403, key)
      expect(res.json().error.code).toBe('forbidden')
    }
  })

  it('answers 409 when a job is not in the state an action needs', async () => {
    const w = await makeWorld(server, admin)
    const conflict = await call(server.app, w.token, post(`/jobs/${w.pending.id}/complete`))
    expectStatus(conflict, 409)
    expect(conflict.json().error.message).toMatch(/pending, not processing/)
    expectStatus(await call(server.app, w.token, post(`/jobs/${w.job.id}/start`)), 409)
    const full = await call(
      server.app,
      w.token,
      post(`/jobs/${w.job.id}/images`, {
        images: [{ content_base64: await pngBase64(), generation_index: 1 }],
      }),
    )
    expectStatus(full, 409)
  })

  it('gives two workers claiming at once different jobs, then {"job": null}', async () => {
    const drain = async (token: string) => {
      const ids: number[] = []
      for (;;) {
        const res = await call(server.app, token, post('/worker/claim'))
        expectStatus(res, 200)
        const { job } = res.json()
        if (!job) return ids
        ids.push(job.id)
      }
    }
    // Jobs left pending by the tests before are claimed first.
    await drain(admin)
    const w = await makeWorld(server, admin)
    const made: number[] = []
    for (let i = 0; i < 12; i++) {
      const res = await call(
        server.app,
        w.token,
        post('/jobs', { prompt: `batch ${i}`, session_id: w.session.id }),
      )
      made.push(res.json().id)
    }
    const second = (await server.access.createToken({ admin: true, name: 'worker 2' })).token
    const [a, b] = await Promise.all([drain(admin), drain(second)])
    expect(a.filter((id) => b.includes(id))).toEqual([])
    expect([...a, ...b].sort((x, y) => x - y)).toEqual(
      [...made, w.pending.id].sort((x, y) => x - y),
    )
  })

  it('keeps two users apart on every route: nothing leaks, nothing changes', async () => {
    const a = await makeWorld(server, admin)
    const b = await makeWorld(server, admin)
    const before = await snapshot(server)
    for (const { key, route } of ROUTES) {
      const res = await call(server.app, b.token, await crossRequest(key, a))
      const label = `${key} as user ${b.user.id} with user ${a.user.id}'s ids: ${res.body}`
      if (route.access !== 'user') expect(res.statusCode, label).toBe(403)
      else if (LISTS.has(key)) {
        expect(res.statusCode, label).toBe(key === 'POST /sessions' ? 201 : 200)
        expect(res.body, label).not.toContain(`"user_id":${a.user.id},`)
      } else expect(res.statusCode, label).toBe(404)
    }
    for (const row of [a.ref, a.image]) {
      const res = await call(server.app, b.token, { method: 'GET', url: blobPath(row) })
      expectStatus(res, 404, blobPath(row))
      expect(res.body).not.toContain('PNG')
    }
    const after = await snapshot(server)
    // POST /sessions has no id to cross: it adds user B's own session and nothing else.
    const added = (after.sessions as { user_id: number }[]).slice(-1)
    expect(added).toMatchObject([{ user_id: b.user.id }])
    expect({ ...after, sessions: (after.sessions as unknown[]).slice(0, -1) }).toEqual(before)
  })
})

/** Routes that take no id of another user: they answer the caller's own rows. */
const LISTS = new Set([
  'GET /me',
  'GET /sessions',
  'GET /reference-images',
  'GET /jobs',
  'GET /images',
  'POST /sessions',
])

/**
 * crossRequest is route `key` called with user A's ids: the success request of A's world, except
 * for the two creations, which get A's session instead (so that they would create nothing).
 */
async function crossRequest(key: string, a: World): Promise<Req> {
  if (key === 'POST /jobs') return post('/jobs', { prompt: 'steal', session_id: a.session.id })
  if (key === 'POST /reference-images') {
    return post('/reference-images', {
      file_name: 'x.png',
      content_base64: await pngBase64(),
      session_id: a.session.id,
    })
  }
  return CASES[key]!.ok(a)
}
