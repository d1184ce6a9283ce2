import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LIMITS, NotFoundError, ValidationError } from '../../src/core/index.js'
import { aiArtistStore } from '../../src/stores/ai-artist/index.js'
import { ENGINES, useEngine } from '../engines.js'
import { startTestServer, type TestServer } from './harness.js'

/** JSON text nested `depth` levels deep: `{"a":{"a":…{}}}`. */
function nested(depth: number): string {
  return `${'{"a":'.repeat(depth)}{}${'}'.repeat(depth)}`
}

const forgedCursor = Buffer.from(JSON.stringify([{}, 1])).toString('base64url')

/**
 * Input a hostile client or a large real value sends: each must get the same answer on both
 * engines, a 4xx in the one error shape, never a 500 or a raw driver error.
 */
describe.each(ENGINES)('hardened inputs on $name', (engine) => {
  const ctx = useEngine(engine)
  let server: TestServer
  let admin: string
  let user: string

  beforeAll(async () => {
    server = await startTestServer(ctx, [aiArtistStore])
    admin = (await server.access.createToken({ admin: true })).token
    user = (await server.access.createToken({ user_id: 1 })).token
  })
  afterAll(() => server.close())

  const call = (method: string, url: string, payload?: unknown, token: string | null = admin) =>
    server.app.inject({
      method: method as 'GET',
      url,
      ...(payload === undefined ? {} : { payload: payload as object }),
      headers: token ? { authorization: `Bearer ${token}` } : {},
    })
  const image = (extra: Record<string, unknown>) => ({
    filename: `h_${Math.random().toString(36).slice(2)}.png`,
    prompt: 'a lighthouse',
    model_id: 'sdxl',
    ...extra,
  })
  const expectError = (
    response: { statusCode: number; json(): { error: Record<string, unknown> } },
    status: number,
    field?: string,
  ) => {
    expect(response.statusCode).toBe(status)
    const { error } = response.json()
    expect(error).toMatchObject({ code: expect.any(String), message: expect.any(String) })
    if (field !== undefined) expect(error.field).toBe(field)
  }

  it('stores integers past 2^31 and answers 404 for an id past it', async () => {
    const created = await call('POST', '/api/ai-artist/images', image({ seed: 3_000_000_000 }))
    expect(created.statusCode).toBe(201)
    expect(created.json().seed).toBe(3_000_000_000)
    expectError(await call('GET', '/api/ai-artist/images/3000000000'), 404)
    expectError(await call('GET', `/api/ai-artist/images/${2 ** 40}`), 404)
    const repo = server.store(aiArtistStore).repo
    await expect(repo.getImage(2 ** 40)).rejects.toThrow(NotFoundError)
    await expect(repo.getImage('abc' as never)).rejects.toThrow(ValidationError)
    await expect(repo.updateImage('abc' as never, { status: 'curated' })).rejects.toThrow(
      ValidationError,
    )
    expectError(await call('POST', '/api/ai-artist/images', image({ seed: 2 ** 60 })), 400, 'seed')
  })

  it('refuses NUL in text, paths and queries naming the field', async () => {
    expectError(
      await call('POST', '/api/ai-artist/images', image({ prompt: 'a\u0000b' })),
      400,
      'prompt',
    )
    expectError(await call('GET', '/api/ai-artist/images?status=a%00b'), 400, 'status')
    await expect(
      server.store(aiArtistStore).repo.addImage(image({ prompt: 'a\u0000b' }) as never),
    ).rejects.toThrow(ValidationError)
  })

  it('caps text by the declared limits: keys and free text', async () => {
    expectError(
      await call('POST', '/api/ai-artist/training-sessions', {
        name: 'n'.repeat(1_000_000),
        model_path: 'm',
      }),
      400,
      'name',
    )
    const atLimit = await call(
      'POST',
      '/api/ai-artist/images',
      image({ filename: 'f'.repeat(LIMITS.key), prompt: 'p'.repeat(LIMITS.text) }),
    )
    expect(atLimit.statusCode).toBe(201)
    expectError(
      await call('POST', '/api/ai-artist/images', image({ prompt: 'p'.repeat(LIMITS.text + 1) })),
      400,
      'prompt',
    )
    await expect(
      server.store(aiArtistStore).repo.listImages({}, { limit: 10_000 }),
    ).rejects.toMatchObject({ field: 'limit' })
  })

  it('refuses JSON nested past the limit, even 5,000 levels deep', async () => {
    const deep = await server.app.inject({
      method: 'POST',
      url: '/api/ai-artist/training-sessions',
      payload: `{"name":"deep","model_path":"m","config":${nested(5_000)}}`,
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
    })
    expectError(deep, 400, 'config')
    const fits = await call('POST', '/api/ai-artist/training-sessions', {
      name: 'fits',
      model_path: 'm',
      config: JSON.parse(nested(LIMITS.jsonDepth - 1)) as unknown,
    })
    expect(fits.statusCode).toBe(201)
  })

  it('refuses a forged cursor with field "after"', async () => {
    expectError(await call('GET', `/api/ai-artist/images?after=${forgedCursor}`), 400, 'after')
    const textForId = Buffer.from(JSON.stringify(['2020-01-01', 'x'])).toString('base64url')
    expectError(await call('GET', `/api/ai-artist/images?after=${textForId}`), 400, 'after')
  })

  it('starts a creation session from an empty body (DEFAULT VALUES)', async () => {
    const created = await call('POST', '/api/ai-artist/creation-sessions', {})
    expect(created.statusCode).toBe(201)
    expect((await server.store(aiArtistStore).repo.startCreationSession({})).id).toBeGreaterThan(0)
  })

  it('refuses unknown query parameters, naming them', async () => {
    expectError(await call('GET', '/api/ai-artist/images?staus=curated'), 400, 'staus')
    expectError(await call('GET', '/api/ai-artist/queries/status-counts?x=1'), 400, 'x')
  })

  it('reports every invalid field, unknown keys by name and a wrong body type with field ""', async () => {
    const bad = await call('POST', '/api/ai-artist/images', { filename: 5, prompt: 6, extra: 1 })
    expectError(bad, 400)
    const fields = (bad.json().error.fields as { field: string }[]).map((f) => f.field)
    expect(fields).toEqual(expect.arrayContaining(['filename', 'prompt', 'extra']))
    expectError(await call('POST', '/api/ai-artist/images', [1, 2]), 400, '')
  })

  it('answers framework errors in the one shape', async () => {
    expectError(await call('GET', '/api/ai-artist/images/%FF'), 400)
    // A path parameter past maxParamLength: Fastify's 414, or no route (404), in the one shape.
    const long = await call('GET', `/api/ai-artist/images/${'9'.repeat(200)}`)
    expect([404, 414]).toContain(long.statusCode)
    expectError(long, long.statusCode)
    const notJson = await server.app.inject({
      method: 'POST',
      url: '/api/ai-artist/images',
      payload: '{not json',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
    })
    expectError(notJson, 400, '')
  })

  it('authorizes GET /api/stores and says what Authorization expects', async () => {
    expectError(await call('GET', '/api/stores', undefined, user), 403)
    expect((await call('GET', '/api/stores')).statusCode).toBe(200)
    const basic = await server.app.inject({
      method: 'GET',
      url: '/api/stores',
      headers: { authorization: `Basic ${admin}` },
    })
    expectError(basic, 401)
    expect(basic.json().error.message).toMatch(/Bearer <token>/)
  })
})
