import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { imageGenStore } from '../../src/stores/image-gen/index.js'
import { ENGINES, useEngine, type EngineContext } from '../engines.js'
import { S3RVER_CREDENTIALS, startS3Server, type S3Server } from '../storage/s3-server.js'
import type { TestServer } from './harness.js'
import {
  blobKey,
  blobPath,
  call,
  expectStatus,
  makeWorld,
  startImageGenServer,
  type World,
} from './image-gen-world.js'

const saved = {
  GENMEDIA_STORAGE_URL: process.env.GENMEDIA_STORAGE_URL,
  AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID,
  AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY,
}
afterAll(() => {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name]
    else process.env[name] = value
  }
})

let s3: S3Server
beforeAll(async () => {
  s3 = await startS3Server()
})
afterAll(() => s3.stop())

const get = (app: TestServer['app'], token: string | null, url: string, headers = {}) =>
  call(app, token, { method: 'GET', url, headers })

/** Two users with their worlds, and an admin token, on a server whose blobs are at `storage`. */
async function setUp(ctx: EngineContext, storage: string) {
  // The repository and the blob route open the blob store of the environment.
  process.env.GENMEDIA_STORAGE_URL = storage
  const server = await startImageGenServer(ctx)
  const admin = (await server.access.createToken({ admin: true })).token
  const a = await makeWorld(server, admin)
  const b = await makeWorld(server, admin)
  return { server, admin, a, b, blobs: server.store(imageGenStore).repo.blobs }
}

describe.each(ENGINES)('blobs over HTTP from a local folder on $name', (engine) => {
  const ctx = useEngine(engine)
  let server: TestServer
  let admin: string
  let a: World
  let b: World
  let video: Buffer
  let videoUrl: string

  beforeAll(async () => {
    ;({ server, admin, a, b } = await setUp(ctx, `file://${join(ctx.dir, 'blobs')}`))
    // A bigger object, as a video would be, in user A's upload folder.
    video = randomBytes(300_000)
    const key = `uploads/${a.user.id}/1700000000000_clip.mp4`
    await server.store(imageGenStore).repo.blobs.put(key, video, 'video/mp4')
    videoUrl = `/blobs/${key}`
  })
  afterAll(() => server.close())

  it('serves an object with its content type and caching headers, and answers 304', async () => {
    const res = await get(server.app, a.token, blobPath(a.ref))
    expectStatus(res, 200)
    expect(res.headers['content-type']).toBe('image/png')
    expect(res.headers['cache-control']).toBe('private, max-age=86400')
    expect(res.headers['accept-ranges']).toBe('bytes')
    expect(res.headers.etag).toMatch(/^"[0-9a-f]+-[0-9a-f]+"$/)
    expect(Date.parse(String(res.headers['last-modified']))).not.toBeNaN()
    const stored = await server.store(imageGenStore).repo.blobs.get(blobKey(a.ref))
    expect(res.rawPayload.equals(stored.bytes)).toBe(true)
    expect(Number(res.headers['content-length'])).toBe(a.ref.file_size)

    const jpeg = await get(server.app, a.token, blobPath(a.image))
    expectStatus(jpeg, 200)
    expect(jpeg.headers['content-type']).toBe('image/jpeg')

    const etag = String(res.headers.etag)
    const byEtag = await get(server.app, a.token, blobPath(a.ref), { 'if-none-match': etag })
    expectStatus(byEtag, 304)
    expect(byEtag.body).toBe('')
    const byDate = await get(server.app, a.token, blobPath(a.ref), {
      'if-modified-since': String(res.headers['last-modified']),
    })
    expectStatus(byDate, 304)
    const stale = await get(server.app, a.token, blobPath(a.ref), { 'if-none-match': '"0-0"' })
    expectStatus(stale, 200)
  })

  it('answers Range requests with 206 and the exact bytes, and 416 outside the object', async () => {
    const size = video.length
    const middle = await get(server.app, a.token, videoUrl, { range: 'bytes=1000-1999' })
    expectStatus(middle, 206)
    expect(middle.headers['content-range']).toBe(`bytes 1000-1999/${size}`)
    expect(middle.headers['content-length']).toBe('1000')
    expect(middle.headers['content-type']).toBe('video/mp4')
    expect(middle.rawPayload.equals(video.subarray(1000, 2000))).toBe(true)

    const open = await get(server.app, a.token, videoUrl, { range: `bytes=${size - 10}-` })
    expectStatus(open, 206)
    expect(open.rawPayload.equals(video.subarray(size - 10))).toBe(true)
    const suffix = await get(server.app, a.token, videoUrl, { range: 'bytes=-500' })
    expect(suffix.headers['content-range']).toBe(`bytes ${size - 500}-${size - 1}/${size}`)
    expect(suffix.rawPayload.equals(video.subarray(size - 500))).toBe(true)
    const beyond = await get(server.app, a.token, videoUrl, { range: `bytes=0-${size + 99}` })
    expect(beyond.headers['content-range']).toBe(`bytes 0-${size - 1}/${size}`)
    expect(beyond.rawPayload.equals(video)).toBe(true)

    const unsatisfiable = await get(server.app, a.token, videoUrl, { range: `bytes=${size}-` })
    expectStatus(unsatisfiable, 416)
    expect(unsatisfiable.headers['content-range']).toBe(`bytes */${size}`)
    expect(unsatisfiable.json().error.code).toBe('range_not_satisfiable')

    // A changed object (If-Range no longer matches) and several ranges get the whole object.
    const changed = await get(server.app, a.token, videoUrl, {
      range: 'bytes=0-9',
      'if-range': '"0-0"',
    })
    expectStatus(changed, 200)
    expect(changed.rawPayload.length).toBe(size)
    const several = await get(server.app, a.token, videoUrl, { range: 'bytes=0-9,20-29' })
    expectStatus(several, 200)

    const head = await server.app.inject({
      method: 'HEAD',
      url: videoUrl,
      headers: { authorization: `Bearer ${a.token}`, range: 'bytes=0-99' },
    })
    expectStatus(head, 206)
    expect(head.headers['content-length']).toBe('100')
    expect(head.body).toBe('')
  })

  it('serves uploads and generated images only to their user or an admin', async () => {
    for (const path of [blobPath(a.ref), blobPath(a.image), videoUrl]) {
      expectStatus(await get(server.app, a.token, path), 200, path)
      expectStatus(await get(server.app, admin, path), 200, path)
      const other = await get(server.app, b.token, path)
      expectStatus(other, 404, path)
      expect(other.json().error.code).toBe('not_found')
      expect(other.rawPayload.includes(Buffer.from('PNG'))).toBe(false)
      expectStatus(await get(server.app, null, path), 401, path)
      expectStatus(await get(server.app, 'gm_not_a_token', path), 401, path)
    }
    // Another user's missing object and one's own missing object look the same.
    const missingOwn = await get(server.app, a.token, `/blobs/uploads/${a.user.id}/nothing.png`)
    const missingOther = await get(server.app, b.token, `/blobs/uploads/${a.user.id}/nothing.png`)
    expectStatus(missingOwn, 404)
    expect(missingOther.statusCode).toBe(404)
    expectStatus(await get(server.app, a.token, '/blobs/generated/987654/1_1.jpg'), 404)
  })

  it('keeps other keys to admins and refuses keys that are not safe', async () => {
    const repo = server.store(imageGenStore).repo
    await repo.blobs.put('ai-artist/images/cat.png', Buffer.from('not really a png'), 'image/png')
    expectStatus(await get(server.app, admin, '/blobs/ai-artist/images/cat.png'), 200)
    const user = await get(server.app, a.token, '/blobs/ai-artist/images/cat.png')
    expectStatus(user, 403)
    expect(user.json().error.code).toBe('forbidden')
    for (const path of [
      '/blobs/uploads/a%5Cb',
      '/blobs/uploads/%00x',
      '/blobs/',
      '/blobs/uploads//x',
    ]) {
      const res = await get(server.app, admin, path)
      expectStatus(res, 400, path)
      expect(res.json().error.field).toBe('key')
    }
  })
})

describe.each(ENGINES)('blobs over HTTP from S3 on $name', (engine) => {
  const ctx = useEngine(engine)
  let setup: Awaited<ReturnType<typeof setUp>>

  beforeAll(async () => {
    process.env.AWS_ACCESS_KEY_ID = S3RVER_CREDENTIALS.accessKeyId
    process.env.AWS_SECRET_ACCESS_KEY = S3RVER_CREDENTIALS.secretAccessKey
    setup = await setUp(ctx, s3.storageUrl)
  })
  afterAll(() => setup.server.close())

  it('redirects the owner to a presigned URL after the same check', async () => {
    const { server, a, b, admin } = setup
    const key = a.ref.gcp_bucket_path.slice(a.ref.gcp_bucket_path.indexOf('/') + 1)
    const path = `/blobs/${key}`
    const res = await get(server.app, a.token, path)
    expectStatus(res, 302)
    expect(res.headers['cache-control']).toBe('no-store')
    const location = String(res.headers.location)
    expect(location).toMatch(new RegExp(`^${s3.endpoint}/.*X-Amz-Signature=`))
    const fetched = Buffer.from(await (await fetch(location)).arrayBuffer())
    expect(fetched.equals((await setup.blobs.get(key)).bytes)).toBe(true)
    expectStatus(await get(server.app, admin, path), 302)
    const other = await get(server.app, b.token, path)
    expectStatus(other, 404)
    expect(other.headers.location).toBeUndefined()
  })
})
