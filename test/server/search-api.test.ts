import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { aiArtistStore } from '../../src/stores/ai-artist/index.js'
import { ENGINES, useEngine } from '../engines.js'
import { startTestServer, type TestServer } from './harness.js'

// `?q=` and `facets=` on a list route: hostile search text is a result or a 400 naming q,
// never a 500; an unknown facet is a 400 naming facets; both are in the OpenAPI document.
describe.each(ENGINES)('search and facets over HTTP on $name', (engine) => {
  const ctx = useEngine(engine)
  let server: TestServer
  let admin: string

  beforeAll(async () => {
    server = await startTestServer(ctx, [aiArtistStore], { seed: true })
    admin = (await server.access.createToken({ admin: true })).token
  })
  afterAll(() => server.close())

  const get = (url: string) =>
    server.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${admin}` } })

  it('searches a list with its filters and counts facets beside the page', async () => {
    const res = await get('/api/ai-artist/images?q=sunset&status=curated&facets=status,model_id')
    expect(res.statusCode).toBe(200)
    const body = res.json()
    expect(body.items.length).toBeGreaterThan(0)
    for (const item of body.items) {
      expect(item.status).toBe('curated')
      expect(`${item.prompt} ${item.filename}`.toLowerCase()).toContain('sunset')
    }
    expect(body.facets.status.values).toEqual([{ value: 'curated', count: expect.any(Number) }])
    const total = body.facets.model_id.values.reduce(
      (n: number, v: { count: number }) => n + v.count,
      0,
    )
    expect(total).toBe(body.facets.status.values[0].count)
  })

  it('answers hostile search text with rows or a 400 naming q', async () => {
    const hostile = [
      '"',
      'NEAR(a b)',
      'a AND OR',
      '*',
      "'; DROP TABLE generated_images; --",
      'a\u0000b',
      'x'.repeat(10_000),
      '{}[]()^:-+',
    ]
    for (const q of hostile) {
      const res = await get(`/api/ai-artist/images?q=${encodeURIComponent(q)}`)
      expect([200, 400], q.slice(0, 30)).toContain(res.statusCode)
      if (res.statusCode === 400) expect(res.json().error.field).toBe('q')
    }
  })

  it('refuses a facet the list does not declare, naming facets', async () => {
    const res = await get('/api/ai-artist/images?facets=status,prompt')
    expect(res.statusCode).toBe(400)
    expect(res.json().error.field).toBe('facets')
  })

  it('declares q and facets in the OpenAPI document', async () => {
    const doc = (await get('/api/openapi.json')).json()
    const params = doc.paths['/api/ai-artist/images'].get.parameters.map(
      (p: { name: string }) => p.name,
    )
    expect(params).toEqual(expect.arrayContaining(['q', 'facets']))
  })
})
