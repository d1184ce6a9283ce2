import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { archiveStore } from '../../src/stores/archive/index.js'
import { metricsStore } from '../../src/stores/metrics/index.js'
import { ENGINES, useEngine } from '../engines.js'
import { startTestServer, type TestServer } from './harness.js'

// `?q=` and `facets=` on metrics' /videos and archive's /sessions: matches with their filter,
// facets beside the page, a 400 naming facets for an undeclared one, both in the OpenAPI document.
describe.each(ENGINES)('metrics and archive search over HTTP on $name', (engine) => {
  const ctx = useEngine(engine)
  let server: TestServer
  let admin: string

  beforeAll(async () => {
    server = await startTestServer(ctx, [metricsStore, archiveStore], { seed: true })
    admin = (await server.access.createToken({ admin: true })).token
  })
  afterAll(() => server.close())

  const get = (url: string) =>
    server.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${admin}` } })

  it('searches videos by title with facets of status and topic', async () => {
    const all = (await get('/api/metrics/videos?limit=1')).json()
    const title: string = all.items[0].title
    const word = /[a-z]{4,}/i.exec(title)![0]
    const res = await get(`/api/metrics/videos?q=${word}&facets=status,topic`)
    expect(res.statusCode).toBe(200)
    const body = res.json()
    expect(body.items.length).toBeGreaterThan(0)
    for (const v of body.items) {
      expect(`${v.title} ${v.description} ${v.topic}`.toLowerCase()).toContain(word.toLowerCase())
    }
    const counted = body.facets.status.values.reduce(
      (n: number, v: { count: number }) => n + v.count,
      0,
    )
    expect(counted).toBeGreaterThanOrEqual(body.items.length)
    expect((await get('/api/metrics/videos?facets=title')).json().error.field).toBe('facets')
  })

  it('searches sessions by artwork name and counts statuses', async () => {
    const all = (await get('/api/archive/sessions?limit=1')).json()
    const artwork: string = all.items[0].artwork_name
    const res = await get(
      `/api/archive/sessions?q=${encodeURIComponent(`"${artwork}"`)}&facets=status,artwork_name`,
    )
    expect(res.statusCode).toBe(200)
    const body = res.json()
    expect(body.items.length).toBeGreaterThan(0)
    expect(body.facets.artwork_name.values.map((v: { value: string }) => v.value)).toContain(
      artwork,
    )
    const bad = await get(`/api/archive/sessions?q=${encodeURIComponent('"')}`)
    expect([200, 400]).toContain(bad.statusCode)
    if (bad.statusCode === 400) expect(bad.json().error.field).toBe('q')
  })

  it('declares q and facets in the OpenAPI document', async () => {
    const doc = (await get('/api/openapi.json')).json()
    for (const path of ['/api/metrics/videos', '/api/archive/sessions']) {
      const params = doc.paths[path].get.parameters.map((p: { name: string }) => p.name)
      expect(params).toEqual(expect.arrayContaining(['q', 'facets']))
    }
  })
})
