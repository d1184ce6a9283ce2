import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Fastify from 'fastify'
import { afterAll, describe, expect, it } from 'vitest'
import { registerDashboard } from '../../src/server/static.js'

// The dashboard's host needs no database: a bare Fastify with one API route stands in for buildApp.
async function appWith(root: string | null) {
  const app = Fastify()
  app.get('/api/health', async () => ({ status: 'ok' }))
  await registerDashboard(app, root)
  return app
}

describe('serving the dashboard', () => {
  const dir = mkdtempSync(join(tmpdir(), 'genmedia-web-'))
  mkdirSync(join(dir, 'assets'))
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>genmedia dashboard</title>')
  writeFileSync(join(dir, 'assets', 'index-abc123.js'), 'console.log(1)')
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('serves index.html at / and for every page path, hashed assets for a year', async () => {
    const app = await appWith(dir)
    const root = await app.inject('/')
    expect(root.statusCode).toBe(200)
    expect(root.headers['content-type']).toMatch(/text\/html/)
    expect(root.headers['cache-control']).toBe('no-cache')
    expect(root.body).toContain('genmedia dashboard')
    const page = await app.inject('/ai-artist?status=curated&image=5')
    expect(page.statusCode).toBe(200)
    expect(page.body).toContain('genmedia dashboard')
    const asset = await app.inject('/assets/index-abc123.js')
    expect(asset.statusCode).toBe(200)
    expect(asset.headers['cache-control']).toMatch(/immutable/)
    expect((await app.inject('/assets/index-gone.js')).statusCode).toBe(404)
    await app.close()
  })

  it('keeps /api to the API: unknown API paths are JSON 404s, not the page', async () => {
    const app = await appWith(dir)
    expect((await app.inject('/api/health')).json()).toEqual({ status: 'ok' })
    const missing = await app.inject('/api/no-such-route')
    expect(missing.statusCode).toBe(404)
    expect(missing.json().error.code).toBe('not_found')
    await app.close()
  })

  it('still serves the API without a build and says on / how to build the dashboard', async () => {
    const app = await appWith(null)
    expect((await app.inject('/api/health')).statusCode).toBe(200)
    const root = await app.inject('/')
    expect(root.statusCode).toBe(503)
    expect(root.body).toContain('npm run build')
    expect((await app.inject('/api/nothing')).json().error.code).toBe('not_found')
    await app.close()
  })
})
