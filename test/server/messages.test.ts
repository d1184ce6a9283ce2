import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { aiArtistStore } from '../../src/stores/ai-artist/index.js'
import { imageGenStore } from '../../src/stores/image-gen/index.js'
import { metricsStore } from '../../src/stores/metrics/index.js'
import { ENGINES, useEngine } from '../engines.js'
import { startTestServer, type TestServer } from './harness.js'

/**
 * Errors name the value, not only the field: a duplicate says which row it collides with, and
 * acting as an image-gen user that does not exist says so, the same on both engines.
 */
describe.each(ENGINES)('errors that name the value on $name', (engine) => {
  const ctx = useEngine(engine)
  let server: TestServer
  let admin: string

  beforeAll(async () => {
    server = await startTestServer(ctx, [aiArtistStore, metricsStore, imageGenStore])
    admin = (await server.access.createToken({ admin: true })).token
  })
  afterAll(() => server.close())

  const call = (method: string, url: string, payload?: object, user?: string) =>
    server.app.inject({
      method: method as 'GET',
      url,
      ...(payload ? { payload } : {}),
      headers: { authorization: `Bearer ${admin}`, ...(user ? { 'x-genmedia-user': user } : {}) },
    })

  it('names the file name of a duplicate image', async () => {
    const image = { filename: 'x.png', prompt: 'a lighthouse', model_id: 'sdxl' }
    expect((await call('POST', '/api/ai-artist/images', image)).statusCode).toBe(201)
    const again = await call('POST', '/api/ai-artist/images', image)
    expect(again.statusCode).toBe(409)
    expect(again.json().error.message).toBe('filename "x.png" already exists')
    await expect(server.store(aiArtistStore).repo.addImage(image)).rejects.toMatchObject({
      code: 'conflict',
      message: 'filename "x.png" already exists',
    })
  })

  it('names the video, platform and timestamp of a duplicate snapshot', async () => {
    const snapshot = {
      video_id: 'v1',
      platform: 'youtube',
      timestamp: '2026-01-02T03:04:05.000Z',
      views: 10,
    }
    expect((await call('POST', '/api/metrics/snapshots', snapshot)).statusCode).toBe(201)
    const again = await call('POST', '/api/metrics/snapshots', snapshot)
    expect(again.statusCode).toBe(409)
    expect(again.json().error.message).toBe(
      'video_id "v1", platform "youtube", timestamp "2026-01-02T03:04:05.000Z" already exist',
    )
  })

  it('says so when acting as an image-gen user that does not exist', async () => {
    for (const [method, url, body] of [
      ['GET', '/api/image-gen/sessions'],
      ['POST', '/api/image-gen/sessions', { title: 'nobody' }],
      ['GET', '/api/image-gen/jobs'],
    ] as const) {
      const response = await call(method, url, body, '999')
      expect(response.statusCode, `${method} ${url}`).toBe(404)
      expect(response.json().error.message).toMatch(/image-gen user 999, which does not exist/)
    }
    const user = await server.store(imageGenStore).repo.createUser({ email: 'a@example.com' })
    expect(
      (await call('GET', '/api/image-gen/sessions', undefined, String(user.id))).statusCode,
    ).toBe(200)
  })
})
