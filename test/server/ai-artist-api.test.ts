import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { aiArtistStore } from '../../src/stores/ai-artist/index.js'
import { ENGINES, useEngine } from '../engines.js'
import { startTestServer, type TestServer } from './harness.js'

describe.each(ENGINES)('ai-artist over HTTP on $name', (engine) => {
  const ctx = useEngine(engine)
  let server: TestServer
  let admin: string

  beforeAll(async () => {
    server = await startTestServer(ctx, [aiArtistStore], { seed: true })
    admin = (await server.access.createToken({ admin: true })).token
  })
  afterAll(() => server.close())

  const call = (method: string, url: string, payload?: unknown, token: string | null = admin) =>
    server.app.inject({
      method: method as 'GET',
      url,
      ...(payload === undefined ? {} : { payload: payload as object }),
      headers: token ? { authorization: `Bearer ${token}` } : {},
    })

  it('pages through images with a next cursor and filters from the query string', async () => {
    const first = await call('GET', '/api/ai-artist/images?limit=50&status=curated&min_score=7')
    expect(first.statusCode).toBe(200)
    const body = first.json()
    expect(body.items).toHaveLength(50)
    expect(
      body.items.every(
        (i: { status: string; final_score: number }) =>
          i.status === 'curated' && i.final_score >= 7,
      ),
    ).toBe(true)
    const second = await call(
      'GET',
      `/api/ai-artist/images?limit=50&status=curated&min_score=7&after=${encodeURIComponent(body.next)}`,
    )
    const ids = new Set([...body.items, ...second.json().items].map((i: { id: number }) => i.id))
    expect(ids.size).toBe(body.items.length + second.json().items.length)
    const capped = await call('GET', '/api/ai-artist/images?limit=501')
    expect(capped.statusCode).toBe(400)
    expect(capped.json().error.field).toBe('limit')
  })

  it('creates, reads, updates, curates and deletes an image', async () => {
    const created = await call('POST', '/api/ai-artist/images', {
      filename: 'api_test.png',
      prompt: 'a lighthouse',
      model_id: 'sdxl-1.0',
      tags: ['seascape'],
      final_score: 7.5,
    })
    expect(created.statusCode).toBe(201)
    const id = created.json().id
    expect((await call('GET', `/api/ai-artist/images/${id}`)).json()).toMatchObject({
      filename: 'api_test.png',
      tags: ['seascape'],
      is_featured: false,
    })
    const patched = await call('PATCH', `/api/ai-artist/images/${id}`, {
      prompt: 'a lighthouse at dusk',
    })
    expect(patched.json().prompt).toBe('a lighthouse at dusk')
    expect((await call('POST', `/api/ai-artist/images/${id}/curate`)).json().status).toBe('curated')
    expect((await call('POST', `/api/ai-artist/images/${id}/feature`, {})).json().is_featured).toBe(
      true,
    )
    expect((await call('POST', `/api/ai-artist/images/${id}/reject`)).json()).toMatchObject({
      status: 'rejected',
      is_featured: false,
    })
    expect((await call('DELETE', `/api/ai-artist/images/${id}`)).statusCode).toBe(204)
    expect((await call('GET', `/api/ai-artist/images/${id}`)).statusCode).toBe(404)
  })

  it('answers bad input with 400 naming the field, duplicates with 409', async () => {
    const bad = await call('POST', '/api/ai-artist/images', {
      filename: 'x.png',
      prompt: 'p',
      model_id: 'm',
      final_score: 11,
    })
    expect(bad.statusCode).toBe(400)
    expect(bad.json()).toEqual({
      error: {
        code: 'invalid_input',
        message: expect.stringMatching(/final_score/),
        field: 'final_score',
      },
    })
    const missing = await call('POST', '/api/ai-artist/images', { prompt: 'p', model_id: 'm' })
    expect(missing.json().error.field).toBe('filename')
    const existing = (await call('GET', '/api/ai-artist/images?limit=1')).json().items[0]
    const dup = await call('POST', '/api/ai-artist/images', {
      filename: existing.filename,
      prompt: 'p',
      model_id: 'm',
    })
    expect(dup.statusCode).toBe(409)
    const malformed = await server.app.inject({
      method: 'POST',
      url: '/api/ai-artist/images',
      payload: '{"filename":',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
    })
    expect(malformed.statusCode).toBe(400)
    expect(malformed.json().error.code).toBe('bad_request')
  })

  it('runs the training and creation lifecycles and the seed queries', async () => {
    const started = await call('POST', '/api/ai-artist/training-sessions', {
      name: 'api_run',
      model_path: 'models/lora/api.safetensors',
    })
    expect(started.statusCode).toBe(201)
    const done = await call(
      'POST',
      `/api/ai-artist/training-sessions/${started.json().id}/complete`,
      {
        final_loss: 0.02,
      },
    )
    expect(done.json().status).toBe('completed')
    const again = await call('POST', `/api/ai-artist/training-sessions/${started.json().id}/fail`, {
      error: 'late',
    })
    expect(again.statusCode).toBe(409)
    const session = await call('POST', '/api/ai-artist/creation-sessions', { theme: 'api' })
    await call('POST', `/api/ai-artist/creation-sessions/${session.json().id}/record`, {
      created: 3,
      kept: 2,
    })
    const closed = await call(
      'POST',
      `/api/ai-artist/creation-sessions/${session.json().id}/complete`,
      {
        avg_score: 6.5,
      },
    )
    expect(closed.json()).toMatchObject({ images_created: 3, images_kept: 2, avg_score: 6.5 })
    const recent = await call(
      'GET',
      '/api/ai-artist/queries/recent-high-quality?min_score=8&limit=5',
    )
    expect(recent.json().length).toBeLessThanOrEqual(5)
    expect(recent.json().every((i: { final_score: number }) => i.final_score >= 8)).toBe(true)
    const daily = await call('GET', '/api/ai-artist/queries/daily-creation-statistics')
    expect(daily.json()[0]).toHaveProperty('avg_quality')
  })
})
