import { describe, expect, it, beforeAll, afterAll } from 'vitest'
import { aiArtistStore } from '../../src/stores/ai-artist/index.js'
import { imageGenStore } from '../../src/stores/image-gen/index.js'
import { ENGINES, useEngine } from '../engines.js'
import { startTestServer, type TestServer } from './harness.js'

const TABLES = [
  'users',
  'sessions',
  'reference_images',
  'generation_jobs',
  'generated_images',
  'generation_job_reference_images',
]

describe.each(ENGINES)('export over HTTP on $name', (engine) => {
  const ctx = useEngine(engine)
  let server: TestServer
  let admin = ''
  let ada = ''

  beforeAll(async () => {
    server = await startTestServer(ctx, [imageGenStore, aiArtistStore], { seed: true })
    admin = (await server.access.createToken({ admin: true })).token
    ada = (await server.access.createToken({ user_id: 1 })).token
  })
  afterAll(async () => {
    await server.close()
  })

  const get = (token: string, url: string) =>
    server.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } })

  const lines = (body: string) =>
    body
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>)

  it('streams a table as NDJSON in key order and as CSV, for an admin', async () => {
    const res = await get(admin, '/api/ai-artist/export/generated_images.ndjson')
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toMatch(/^application\/x-ndjson/)
    const rows = lines(res.body)
    expect(rows.length).toBeGreaterThan(10)
    expect(rows.map((r) => r.id)).toEqual(
      [...rows.map((r) => r.id as number)].sort((a, b) => a - b),
    )
    const csv = await get(admin, '/api/ai-artist/export/generated_images.csv')
    expect(csv.headers['content-type']).toMatch(/^text\/csv/)
    expect(csv.body.split('\r\n')[0]).toMatch(/^id,filename,/)
  })

  it('gives a user token only that user’s image-gen rows, in every table', async () => {
    for (const table of TABLES) {
      const all = lines((await get(admin, `/api/image-gen/export/${table}.ndjson`)).body)
      const res = await get(ada, `/api/image-gen/export/${table}.ndjson`)
      expect(res.statusCode, table).toBe(200)
      const own = lines(res.body)
      if (table === 'users') expect(own.map((r) => r.id)).toEqual([1])
      else if (table === 'generation_job_reference_images') {
        const jobs = lines((await get(ada, '/api/image-gen/export/generation_jobs.ndjson')).body)
        const ids = new Set(jobs.map((j) => j.id))
        expect(own.every((r) => ids.has(r.generation_job_id))).toBe(true)
      } else {
        expect(own.length, table).toBeGreaterThan(0)
        expect(
          own.every((r) => r.user_id === 1),
          table,
        ).toBe(true)
        expect(all.length, table).toBeGreaterThan(own.length)
      }
    }
  })

  it('refuses a user token on stores without users, and names unknown tables', async () => {
    expect((await get(ada, '/api/ai-artist/export/generated_images.ndjson')).statusCode).toBe(403)
    const missing = await get(admin, '/api/ai-artist/export/nothing.ndjson')
    expect(missing.statusCode).toBe(404)
    expect(missing.json().error.message).toMatch(/tables: generated_images/)
    const res = await server.app.inject({ method: 'GET', url: '/api/openapi.json' })
    const paths = Object.keys(res.json().paths as object)
    expect(paths).toContain('/api/image-gen/export/{table}.ndjson')
    expect(paths).toContain('/api/ai-artist/export/{table}.csv')
  })
})
