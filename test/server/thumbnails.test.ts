import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openBlobStore, type BlobStore } from '../../src/storage/index.js'
import { aiArtistStore, type AiArtistRepository } from '../../src/stores/ai-artist/index.js'
import {
  originalKey,
  renderPlaceholder,
  thumbnailKey,
  THUMBNAIL_SIZE,
} from '../../src/stores/ai-artist/thumbnails.js'
import { ENGINES, useEngine } from '../engines.js'
import { startTestServer, type TestServer } from './harness.js'

describe.each(ENGINES)('ai-artist thumbnails on $name', (engine) => {
  const ctx = useEngine(engine)
  let server: TestServer
  let repo: AiArtistRepository
  let blobs: BlobStore
  let admin: string

  beforeAll(async () => {
    // useEngine points GENMEDIA_STORAGE_URL at this file's temporary folder: the server's
    // default blob store and this one are the same folder.
    server = await startTestServer(ctx, [aiArtistStore])
    repo = server.store(aiArtistStore).repo
    blobs = openBlobStore()
    admin = (await server.access.createToken({ admin: true })).token
  })
  afterAll(async () => {
    await blobs.close()
    await server.close()
  })

  const get = (id: number | string, headers: Record<string, string> = {}, token = admin) =>
    server.app.inject({
      method: 'GET',
      url: `/api/ai-artist/images/${id}/thumbnail`,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    })

  const addImage = (filename: string, prompt: string, seed: number) =>
    repo.addImage({ filename, prompt, model_id: 'sdxl-1.0', seed })

  it('renders a placeholder once, caches it in the blob store and answers it with caching headers', async () => {
    const image = await addImage('no_original.png', 'a quiet harbour at dawn', 42)
    expect(await blobs.exists(thumbnailKey(image.id))).toBe(false)
    const first = await get(image.id)
    expect(first.statusCode).toBe(200)
    expect(first.headers['content-type']).toBe('image/webp')
    expect(first.headers['cache-control']).toMatch(/immutable/)
    expect(first.headers['cache-control']).toMatch(/max-age=31536000/)
    expect(first.headers.etag).toMatch(/^"[\w-]+"$/)
    const meta = await sharp(first.rawPayload).metadata()
    expect(meta).toMatchObject({ format: 'webp', width: THUMBNAIL_SIZE, height: THUMBNAIL_SIZE })
    const cached = await blobs.get(thumbnailKey(image.id))
    expect(cached.contentType).toBe('image/webp')
    expect(Buffer.compare(cached.bytes, first.rawPayload)).toBe(0)
    expect(Buffer.compare(first.rawPayload, await renderPlaceholder(image))).toBe(0)

    const again = await get(image.id, { 'if-none-match': first.headers.etag as string })
    expect(again.statusCode).toBe(304)
    expect(again.rawPayload.length).toBe(0)
  })

  it('serves the cached thumbnail instead of making it again', async () => {
    const image = await addImage('cached.png', 'a red barn', 7)
    await get(image.id)
    const marker = await sharp({
      create: { width: 10, height: 10, channels: 3, background: '#00ff00' },
    })
      .webp()
      .toBuffer()
    await blobs.put(thumbnailKey(image.id), marker, 'image/webp')
    const answer = await get(image.id)
    expect(Buffer.compare(answer.rawPayload, marker)).toBe(0)
  })

  it('resizes the original from the blob store when there is one', async () => {
    const image = await addImage('with_original.png', 'a red square', 9)
    const original = await sharp({
      create: { width: 600, height: 400, channels: 3, background: '#d01010' },
    })
      .png()
      .toBuffer()
    await blobs.put(originalKey(image.filename), original, 'image/png')
    const answer = await get(image.id)
    expect(answer.statusCode).toBe(200)
    const { data, info } = await sharp(answer.rawPayload)
      .raw()
      .toBuffer({ resolveWithObject: true })
    expect([info.width, info.height]).toEqual([THUMBNAIL_SIZE, Math.round((400 / 600) * 256)])
    expect(data[0]).toBeGreaterThan(180)
    expect(data[1]).toBeLessThan(60)
  })

  it('draws placeholders from seed and prompt: the same image alike, different images apart', async () => {
    const a = await renderPlaceholder({ seed: 1, prompt: 'a fox in snow' })
    expect(Buffer.compare(a, await renderPlaceholder({ seed: 1, prompt: 'a fox in snow' }))).toBe(0)
    expect(
      Buffer.compare(a, await renderPlaceholder({ seed: 2, prompt: 'a fox in snow' })),
    ).not.toBe(0)
    expect(
      Buffer.compare(a, await renderPlaceholder({ seed: 1, prompt: 'a fox in rain' })),
    ).not.toBe(0)
  })

  it('answers a missing image with 404, a bad id with 400 naming it, and checks access', async () => {
    const missing = await get(999_999)
    expect(missing.statusCode).toBe(404)
    expect(missing.json().error.code).toBe('not_found')
    const bad = await get('abc')
    expect(bad.statusCode).toBe(400)
    expect(bad.json().error.field).toBe('id')
    const image = await addImage('access.png', 'a locked door', 3)
    expect((await get(image.id, {}, '')).statusCode).toBe(401)
    const user = (await server.access.createToken({ user_id: 1 })).token
    expect((await get(image.id, {}, user)).statusCode).toBe(403)
    expect(await blobs.exists(thumbnailKey(image.id))).toBe(false)
  })

  it('is described in the OpenAPI document', async () => {
    const document = (await server.app.inject('/api/openapi.json')).json()
    expect(
      document.paths['/api/ai-artist/images/{id}/thumbnail'].get.responses['200'],
    ).toBeDefined()
  })
})
