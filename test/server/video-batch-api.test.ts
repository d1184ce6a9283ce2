import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { videoBatchApi } from '../../src/stores/video-batch/api.js'
import { videoBatchStore } from '../../src/stores/video-batch/index.js'
import { ENGINES, useEngine } from '../engines.js'
import { startTestServer, type TestServer } from './harness.js'

type Method = 'GET' | 'POST' | 'PATCH'
type Row = Record<string, any>

describe.each(ENGINES)('video-batch over HTTP on $name', (engine) => {
  const ctx = useEngine(engine)
  let server: TestServer
  let admin: string
  /** The route templates (`POST /videos/:id/complete`) that answered 2xx. */
  const succeeded = new Set<string>()

  beforeAll(async () => {
    server = await startTestServer(ctx, [videoBatchStore], { seed: true })
    admin = (await server.access.createToken({ admin: true })).token
  })
  afterAll(() => server.close())

  /** Calls `/api/video-batch<template>` with `:name` filled from `params`. */
  async function call(
    method: Method,
    template: string,
    options: { params?: Record<string, string | number>; query?: string; payload?: unknown } = {},
  ) {
    const path = template.replace(/:(\w+)/g, (_, name: string) =>
      encodeURIComponent(String(options.params?.[name])),
    )
    const res = await server.app.inject({
      method,
      url: `/api/video-batch${path}${options.query ? `?${options.query}` : ''}`,
      headers: { authorization: `Bearer ${admin}` },
      ...(options.payload === undefined ? {} : { payload: options.payload as object }),
    })
    if (res.statusCode < 300) succeeded.add(`${method} ${template}`)
    return res
  }

  const ok = async (res: Awaited<ReturnType<typeof call>>, status = 200) => {
    expect(res.statusCode, res.body).toBe(status)
    return res.json()
  }
  const refused = (res: Awaited<ReturnType<typeof call>>, field: string) => {
    expect(res.statusCode, res.body).toBe(400)
    expect(res.json().error).toMatchObject({ code: 'invalid_input', field })
  }
  /** A key the body may not have: zod reports it for the whole body, naming it in the message. */
  const refusedKey = (res: Awaited<ReturnType<typeof call>>, key: string) => {
    expect(res.statusCode, res.body).toBe(400)
    expect(res.json().error.message).toMatch(new RegExp(`Unrecognized key.*${key}`))
  }
  const missing = (res: Awaited<ReturnType<typeof call>>) => {
    expect(res.statusCode, res.body).toBe(404)
    expect(res.json().error.code).toBe('not_found')
  }
  const NO = { id: 987654 }

  it('lists images by keyset page, filtered by status and origin, with failures and their errors', async () => {
    const first = await ok(await call('GET', '/images', { query: 'limit=10' }))
    expect(first.items).toHaveLength(10)
    const second = await ok(
      await call('GET', '/images', { query: `limit=10&after=${encodeURIComponent(first.next)}` }),
    )
    const ids = [...first.items, ...second.items].map((i: Row) => i.id)
    expect(new Set(ids).size).toBe(20)
    expect(ids).toEqual([...ids].sort((a, b) => b - a))
    const failed = await ok(await call('GET', '/images', { query: 'status=failed' }))
    expect(failed.items.length).toBeGreaterThan(0)
    for (const image of failed.items) {
      expect(image.status).toBe('failed')
      expect(image.error_message).toEqual(expect.any(String))
    }
    const derived = (await ok(await call('GET', '/queries/generated-images-with-origins'))).items
    const child = await ok(await call('GET', '/images/:id', { params: { id: derived[0].id } }))
    const siblings = await ok(
      await call('GET', '/images', { query: `origin_image_id=${child.origin_image_id}` }),
    )
    expect(siblings.items.map((i: Row) => i.id)).toContain(child.id)
    refused(await call('GET', '/images', { query: 'status=done' }), 'status')
    expect((await call('GET', '/images', { query: 'status=done' })).json().error.message).toMatch(
      /pending, success, failed, legacy/,
    )
    refused(await call('GET', '/images', { query: 'limit=501' }), 'limit')
    refused(await call('GET', '/images', { query: 'origin_image_id=x' }), 'origin_image_id')
    refused(await call('GET', '/images/:id', { params: { id: 'x' } }), 'id')
    missing(await call('GET', '/images/:id', { params: NO }))
  })

  it('registers an upload and moves it to success or failed with timing and URLs', async () => {
    const created = await ok(
      await call('POST', '/images', {
        payload: { original_filename: 'api_harbor-02.jpg', file_size_bytes: 123_456 },
      }),
      201,
    )
    expect(created).toMatchObject({ status: 'pending', descriptive_name: 'Api Harbor 02' })
    refused(await call('POST', '/images', { payload: { file_size_bytes: 1 } }), 'original_filename')
    refused(
      await call('POST', '/images', {
        payload: { original_filename: 'a.jpg', file_size_bytes: -1 },
      }),
      'file_size_bytes',
    )
    const done = await ok(
      await call('POST', '/images/:id/complete', {
        params: created,
        payload: {
          upload_url: 'https://img.example.com/api.jpg',
          uploaded_filename: 'up_api_harbor.jpg',
          processing_time_seconds: 1.5,
        },
      }),
    )
    expect(done).toMatchObject({ status: 'success', processing_time_seconds: 1.5 })
    const again = await call('POST', '/images/:id/complete', { params: created, payload: {} })
    expect(again.statusCode).toBe(409)
    expect(again.json().error.code).toBe('conflict')
    refused(
      await call('POST', '/images/:id/complete', {
        params: created,
        payload: { processing_time_seconds: 'slow' },
      }),
      'processing_time_seconds',
    )
    missing(await call('POST', '/images/:id/complete', { params: NO, payload: {} }))
    const found = await ok(
      await call('GET', '/images/by-filename/:filename', {
        params: { filename: 'up_api_harbor.jpg' },
      }),
    )
    expect(found.map((i: Row) => i.id)).toEqual([created.id])
    expect(
      await ok(await call('GET', '/images/by-filename/:filename', { params: { filename: 'no' } })),
    ).toEqual([])

    const other = await ok(
      await call('POST', '/images', { payload: { original_filename: 'api_broken.jpg' } }),
      201,
    )
    refused(await call('POST', '/images/:id/fail', { params: other, payload: {} }), 'error_message')
    const failed = await ok(
      await call('POST', '/images/:id/fail', {
        params: other,
        payload: { error_message: 'HTTP 502', processing_time_seconds: 3 },
      }),
    )
    expect(failed).toMatchObject({ status: 'failed', error_message: 'HTTP 502' })
    missing(await call('POST', '/images/:id/fail', { params: NO, payload: { error_message: 'x' } }))
    const retried = await ok(await call('POST', '/images/:id/retry', { params: other }))
    expect(retried).toMatchObject({ status: 'pending', error_message: null })
    expect((await call('POST', '/images/:id/retry', { params: other })).statusCode).toBe(409)
    refused(await call('POST', '/images/:id/retry', { params: { id: '0' } }), 'id')
    missing(await call('POST', '/images/:id/retry', { params: NO }))
  })

  it('derives images and answers their whole lineage, chains and origins', async () => {
    const root = await ok(
      await call('POST', '/images', { payload: { original_filename: 'api_root.jpg' } }),
      201,
    )
    const child = await ok(
      await call('POST', '/images/:id/derive', {
        params: root,
        payload: { original_filename: 'api_root_v1.png' },
      }),
      201,
    )
    expect(child).toMatchObject({ origin_image_id: root.id, status: 'pending' })
    const grandchild = await ok(
      await call('POST', '/images/:id/derive', {
        params: child,
        payload: { original_filename: 'api_root_v2.png' },
      }),
      201,
    )
    refusedKey(
      await call('POST', '/images/:id/derive', {
        params: root,
        payload: { original_filename: 'x.png', origin_image_id: 1 },
      }),
      'origin_image_id',
    )
    refused(
      await call('POST', '/images/:id/derive', { params: root, payload: {} }),
      'original_filename',
    )
    missing(
      await call('POST', '/images/:id/derive', { params: NO, payload: { original_filename: 'x' } }),
    )

    const middle = await ok(await call('GET', '/images/:id/lineage', { params: child }))
    expect(middle.image.id).toBe(child.id)
    expect(middle.ancestors.map((a: Row) => [a.id, a.depth])).toEqual([[root.id, 1]])
    expect(middle.descendants.map((d: Row) => [d.id, d.depth])).toEqual([[grandchild.id, 1]])
    const top = await ok(await call('GET', '/images/:id/lineage', { params: root }))
    expect(top.ancestors).toEqual([])
    expect(top.descendants.map((d: Row) => [d.id, d.depth])).toEqual([
      [child.id, 1],
      [grandchild.id, 2],
    ])
    missing(await call('GET', '/images/:id/lineage', { params: NO }))
    refused(await call('GET', '/images/:id/lineage', { params: { id: '1.5' } }), 'id')

    const chains = await ok(await call('GET', '/queries/image-chains'))
    expect(chains).toContainEqual({
      original_image_id: root.id,
      original_image: 'Api Root',
      derivatives_count: 1,
    })
    const origins = await ok(
      await call('GET', '/queries/generated-images-with-origins', { query: 'limit=500' }),
    )
    expect(origins.items).toContainEqual(
      expect.objectContaining({ id: child.id, origin_image: 'Api Root' }),
    )
    refused(
      await call('GET', '/queries/generated-images-with-origins', { query: 'limit=0' }),
      'limit',
    )
  })

  it('records, reads and changes prompt sets, and legacy ones on the placeholder', async () => {
    const image = (await ok(await call('GET', '/images', { query: 'status=success&limit=1' })))
      .items[0]
    const created = await ok(
      await call('POST', '/prompts', {
        payload: {
          image_id: image.id,
          video_prompt: 'api: slow pan',
          creative_video_prompt_1: 'a dream',
        },
      }),
      201,
    )
    expect(created).toMatchObject({ image_id: image.id, refined_video_prompt: null })
    refused(await call('POST', '/prompts', { payload: { image_id: 987654 } }), 'image_id')
    refused(
      await call('POST', '/prompts', { payload: { image_id: image.id, video_prompt: 5 } }),
      'video_prompt',
    )
    expect(await ok(await call('GET', '/prompts/:id', { params: created }))).toEqual(created)
    missing(await call('GET', '/prompts/:id', { params: NO }))
    const patched = await ok(
      await call('PATCH', '/prompts/:id', {
        params: created,
        payload: { refined_video_prompt: 'api: slow pan, golden hour' },
      }),
    )
    expect(patched).toMatchObject({ refined_video_prompt: 'api: slow pan, golden hour' })
    refusedKey(
      await call('PATCH', '/prompts/:id', { params: created, payload: { image_id: 2 } }),
      'image_id',
    )
    missing(await call('PATCH', '/prompts/:id', { params: NO, payload: {} }))
    const ofImage = await ok(await call('GET', '/images/:id/prompts', { params: image }))
    expect(ofImage.map((p: Row) => p.id)).toContain(created.id)
    missing(await call('GET', '/images/:id/prompts', { params: NO }))

    const placeholder = await ok(await call('POST', '/images/legacy-placeholder'))
    expect(placeholder).toMatchObject({
      status: 'legacy',
      original_filename: 'legacy_placeholder',
      descriptive_name: 'Legacy System Migration',
    })
    expect((await ok(await call('POST', '/images/legacy-placeholder'))).id).toBe(placeholder.id)
    const legacy = await ok(
      await call('POST', '/prompts/legacy', {
        payload: { video_prompt: 'api: from the old days' },
      }),
      201,
    )
    expect(legacy.image_id).toBe(placeholder.id)
    refusedKey(await call('POST', '/prompts/legacy', { payload: { image_id: 1 } }), 'image_id')
    const listed = await ok(await call('GET', '/queries/legacy-prompts', { query: 'limit=500' }))
    expect(listed.items).toContainEqual({
      id: legacy.id,
      video_prompt: 'api: from the old days',
      descriptive_name: 'Legacy System Migration',
    })
  })

  it('queues, lists, completes and fails videos, with failures and their errors', async () => {
    const prompt = (await ok(await call('GET', '/queries/legacy-prompts'))).items[0]
    const queued = await ok(
      await call('POST', '/videos', {
        payload: { prompt_id: prompt.id, prompt_type: 'base', metadata: { fps: 24 } },
      }),
      201,
    )
    expect(queued).toMatchObject({
      status: 'pending',
      prompt_used: prompt.video_prompt,
      metadata: { fps: 24 },
      claimed_at: null,
    })
    refused(await call('POST', '/videos', { payload: { prompt_id: 987654 } }), 'prompt_id')
    refused(
      await call('POST', '/videos', { payload: { prompt_id: prompt.id, metadata: [1] } }),
      'metadata',
    )
    expect(await ok(await call('GET', '/videos/:id', { params: queued }))).toEqual(queued)
    missing(await call('GET', '/videos/:id', { params: NO }))
    refused(
      await call('POST', '/videos/:id/complete', {
        params: queued,
        payload: { file_size_bytes: 5 },
      }),
      'video_filename',
    )
    const completed = await ok(
      await call('POST', '/videos/:id/complete', {
        params: queued,
        payload: { video_filename: 'api.mp4', file_size_bytes: 4_200_000, metadata: { seed: 7 } },
      }),
    )
    expect(completed).toMatchObject({
      status: 'completed',
      file_size_bytes: 4_200_000,
      metadata: { fps: 24, seed: 7 },
      generation_time_seconds: expect.any(Number),
    })
    const late = await call('POST', '/videos/:id/fail', {
      params: queued,
      payload: { error_message: 'late' },
    })
    expect(late.statusCode).toBe(409)
    missing(
      await call('POST', '/videos/:id/complete', { params: NO, payload: { video_filename: 'x' } }),
    )

    const doomed = await ok(
      await call('POST', '/videos', { payload: { prompt_id: prompt.id } }),
      201,
    )
    refused(
      await call('POST', '/videos/:id/fail', { params: doomed, payload: {} }),
      'error_message',
    )
    const failed = await ok(
      await call('POST', '/videos/:id/fail', {
        params: doomed,
        payload: { error_message: 'content policy rejection', generation_time_seconds: 12 },
      }),
    )
    expect(failed).toMatchObject({ status: 'failed', generation_time_seconds: 12 })
    missing(await call('POST', '/videos/:id/fail', { params: NO, payload: { error_message: 'x' } }))

    const failures = await ok(await call('GET', '/videos', { query: 'status=failed&limit=500' }))
    expect(failures.items.map((v: Row) => v.id)).toContain(doomed.id)
    for (const v of failures.items) expect(v.error_message).toEqual(expect.any(String))
    const ofPrompt = await ok(await call('GET', '/videos', { query: `prompt_id=${prompt.id}` }))
    expect(ofPrompt.items.slice(0, 2).map((v: Row) => v.id)).toEqual([doomed.id, queued.id])
    refused(await call('GET', '/videos', { query: 'status=processing' }), 'status')
    refused(await call('GET', '/videos', { query: 'image_id=-1' }), 'image_id')
  })

  it('gives workers claiming at once distinct videos, then {"video": null}', async () => {
    const claim = (worker: string) => call('POST', '/videos/claim', { payload: { worker } })
    refused(await call('POST', '/videos/claim', { payload: {} }), 'worker')
    // Videos left claimable by the sample data and the tests before are claimed first.
    let swept = 0
    while ((await ok(await claim('sweeper'))).video !== null) expect(++swept).toBeLessThan(500)
    const prompt = (await ok(await call('GET', '/queries/legacy-prompts'))).items[0]
    const made: number[] = []
    for (let i = 0; i < 12; i++) {
      made.push(
        (await ok(await call('POST', '/videos', { payload: { prompt_id: prompt.id } }), 201)).id,
      )
    }
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => claim(i % 2 ? 'worker-a' : 'worker-b')),
    )
    for (const r of answers) expect(r.statusCode).toBe(200)
    const claimed = answers.map((r) => r.json().video as Row | null).filter((v) => v !== null)
    expect(claimed.map((v) => v.id).sort((a, b) => a - b)).toEqual(made)
    for (const v of claimed) {
      expect(v).toMatchObject({ status: 'pending', claimed_by: expect.stringMatching(/^worker-/) })
    }
    expect(answers.filter((r) => r.json().video === null)).toHaveLength(8)

    const released = await ok(
      await call('POST', '/videos/:id/release', { params: { id: made[3]! } }),
    )
    expect(released).toMatchObject({ claimed_at: null, claimed_by: null })
    expect((await ok(await claim('worker-c'))).video.id).toBe(made[3])
    missing(await call('POST', '/videos/:id/release', { params: NO }))
    refused(await call('POST', '/videos/:id/release', { params: { id: 'abc' } }), 'id')
    await ok(
      await call('POST', '/videos/:id/fail', {
        params: { id: made[0]! },
        payload: { error_message: 'x' },
      }),
    )
    expect(
      (await call('POST', '/videos/:id/release', { params: { id: made[0]! } })).statusCode,
    ).toBe(409)

    // Every claim is seconds old: none is stale after an hour, and none is released.
    const none = await call('POST', '/videos/release-stale', {
      payload: { older_than_seconds: 3600 },
    })
    expect(await ok(none)).toEqual({ released: 0 })
    expect(
      (await ok(await call('GET', '/videos/:id', { params: { id: made[5]! } }))).claimed_by,
    ).toMatch(/^worker-/)
    refused(
      await call('POST', '/videos/release-stale', { payload: { older_than_seconds: -1 } }),
      'older_than_seconds',
    )
  })

  it('answers every seed query and the status counts, consistent with the rows', async () => {
    const counts = await ok(await call('GET', '/queries/status-counts'))
    expect(Object.keys(counts.images).sort()).toEqual(['failed', 'legacy', 'pending', 'success'])
    expect(counts.images.legacy).toBe(1)
    const stats = await ok(await call('GET', '/queries/video-statistics'))
    for (const row of stats) expect(row.count).toBe(counts.videos[row.status])
    const failedImages = await ok(
      await call('GET', '/images', { query: 'status=failed&limit=500' }),
    )
    expect(failedImages.items).toHaveLength(counts.images.failed)

    const completed = await ok(
      await call('GET', '/queries/completed-videos-with-prompts', { query: 'limit=3' }),
    )
    expect(completed).toHaveLength(3)
    expect(completed.every((r: Row) => r.status === 'completed')).toBe(true)
    const times = completed.map((r: Row) => r.generation_time_seconds)
    expect(times).toEqual([...times].sort((a, b) => b - a))
    refused(
      await call('GET', '/queries/completed-videos-with-prompts', { query: 'limit=x' }),
      'limit',
    )

    const uploaded = await ok(await call('GET', '/queries/uploaded-images', { query: 'limit=500' }))
    expect(uploaded).toHaveLength(counts.images.success)
    refused(await call('GET', '/queries/uploaded-images', { query: 'limit=501' }), 'limit')

    const originals = await ok(await call('GET', '/queries/original-images', { query: 'limit=5' }))
    expect(originals.items).toHaveLength(5)
    const next = await ok(
      await call('GET', '/queries/original-images', {
        query: `after=${encodeURIComponent(originals.next)}`,
      }),
    )
    const seen = [...originals.items, ...next.items].map((r: Row) => r.id)
    expect(new Set(seen).size).toBe(seen.length)
    for (const r of originals.items) {
      const image = await ok(await call('GET', '/images/:id', { params: r }))
      expect(image).toMatchObject({ status: 'success', origin_image_id: null })
    }
    refused(await call('GET', '/queries/original-images', { query: 'after=' }), 'after')
    refused(await call('GET', '/queries/legacy-prompts', { query: 'limit=-3' }), 'limit')
  })

  it('has answered every route of the store with success at least once', () => {
    const routes = videoBatchApi.map((r) => `${r.method} ${r.path}`)
    expect(routes.filter((r) => !succeeded.has(r))).toEqual([])
  })
})
