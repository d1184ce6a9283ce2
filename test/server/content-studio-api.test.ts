import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { openStore } from '../../src/core/index.js'
import { buildApp } from '../../src/server/app.js'
import { trendsStore } from '../../src/stores/trends/index.js'
import { metricsStore } from '../../src/stores/metrics/index.js'
import { imageLibraryStore } from '../../src/stores/image-library/index.js'
import { ENGINES, useEngine } from '../engines.js'
import { startTestServer, type TestServer } from './harness.js'

type Response = Awaited<ReturnType<FastifyInstance['inject']>>
type Item = Record<string, any>

describe.each(ENGINES)('trends, metrics and image-library over HTTP on $name', (engine) => {
  const ctx = useEngine(engine)
  let server: TestServer
  let admin: string

  beforeAll(async () => {
    server = await startTestServer(ctx, [trendsStore, metricsStore, imageLibraryStore], {
      seed: true,
    })
    admin = (await server.access.createToken({ admin: true })).token
  })
  afterAll(() => server.close())

  const callOn = (app: FastifyInstance, method: string, url: string, payload?: unknown) =>
    app.inject({
      method: method as 'GET',
      url,
      ...(payload === undefined ? {} : { payload: payload as object }),
      headers: { authorization: `Bearer ${admin}` },
    })
  const call = (method: string, url: string, payload?: unknown) =>
    callOn(server.app, method, url, payload)
  /** Expects a 400 naming `field`. */
  const refused = (res: Response, field: string) => {
    expect(res.statusCode, res.body).toBe(400)
    expect(res.json().error).toMatchObject({ code: 'invalid_input', field })
  }
  const ok = (res: Response, status = 200) => {
    expect(res.statusCode, res.body).toBe(status)
    return status === 204 ? undefined : res.json()
  }

  describe('trends', () => {
    const T = '/api/trends'

    it('lists topics by filter and keyset page', async () => {
      const first = ok(await call('GET', `${T}/topics?used=false&limit=4`))
      expect(first.items).toHaveLength(4)
      expect(first.items.every((t: Item) => t.used_flag === 0)).toBe(true)
      const second = ok(await call('GET', `${T}/topics?used=false&limit=4&after=${first.next}`))
      const ids = [...first.items, ...second.items].map((t: Item) => t.id)
      expect(new Set(ids).size).toBe(8)
      const used = ok(await call('GET', `${T}/topics?used=true&category=technology`))
      expect(used.items.length).toBeGreaterThan(0)
      expect(used.items.every((t: Item) => t.used_flag === 1 && t.category === 'technology')).toBe(
        true,
      )
      refused(await call('GET', `${T}/topics?used=maybe`), 'used')
      refused(await call('GET', `${T}/topics?limit=0`), 'limit')
      refused(await call('GET', `${T}/topics?after=garbage`), 'after')
    })

    it('records, gets and marks topics, singly and by batch', async () => {
      const created = ok(
        await call('POST', `${T}/topics`, {
          topic: 'API topic',
          source: 'reddit',
          relevance_score: 0.5,
          category: 'api',
          metadata: { rank: 3 },
        }),
        201,
      )
      expect(created).toMatchObject({ used_flag: 0, metadata: { rank: 3 } })
      expect(ok(await call('GET', `${T}/topics/${created.id}`)).topic).toBe('API topic')
      expect(ok(await call('POST', `${T}/topics/${created.id}/use`)).used_flag).toBe(1)
      const back = ok(await call('POST', `${T}/topics/${created.id}/use`, { used: false }))
      expect(back.used_flag).toBe(0)
      refused(
        await call('POST', `${T}/topics`, { topic: 'x', source: 'y', relevance_score: 1.5 }),
        'relevance_score',
      )
      refused(await call('POST', `${T}/topics`, { source: 'y' }), 'topic')
      refused(await call('POST', `${T}/topics/${created.id}/use`, { used: 'yes' }), 'used')
      expect((await call('GET', `${T}/topics/987654`)).statusCode).toBe(404)
      expect((await call('POST', `${T}/topics/987654/use`)).statusCode).toBe(404)

      const batch = {
        source: 'batch_src',
        topics: [{ topic: 'b1' }, { topic: 'b2', relevance_score: 0.2 }],
      }
      expect(ok(await call('POST', `${T}/topics/batch`, batch), 201)).toEqual({ recorded: 2 })
      const bad = {
        source: 'bad_src',
        topics: [{ topic: 'ok' }, { topic: 'no', relevance_score: 2 }],
      }
      refused(await call('POST', `${T}/topics/batch`, bad), 'topics.1.relevance_score')
      refused(await call('POST', `${T}/topics/batch`, { topics: [{ topic: 'a' }] }), 'source')
      const counts = ok(await call('GET', `${T}/queries/topics-by-source`))
      expect(counts).toContainEqual({ source: 'batch_src', total: 2, unused: 2 })
      expect(counts.find((c: Item) => c.source === 'bad_src')).toBeUndefined()
    })

    it('takes the most relevant unused recent topics once, and answers the seed queries', async () => {
      const unused = ok(await call('GET', `${T}/queries/unused-topics?limit=3`))
      expect(unused).toHaveLength(3)
      const taken = ok(await call('POST', `${T}/topics/take`, { limit: 3 }))
      expect(taken.map((t: Item) => t.topic)).toEqual(unused.map((t: Item) => t.topic))
      expect(taken.every((t: Item) => t.used_flag === 1)).toBe(true)
      for (const t of taken) expect(ok(await call('GET', `${T}/topics/${t.id}`)).used_flag).toBe(1)
      const next = ok(await call('POST', `${T}/topics/take`))
      expect(next.length).toBeGreaterThan(0)
      expect(next.some((t: Item) => taken.some((u: Item) => u.id === t.id))).toBe(false)
      const fromSource = ok(await call('POST', `${T}/topics/take`, { source: 'batch_src' }))
      expect(fromSource.map((t: Item) => t.topic)).toEqual(['b2', 'b1'])
      expect(ok(await call('POST', `${T}/topics/take`, { source: 'batch_src' }))).toEqual([])
      refused(await call('POST', `${T}/topics/take`, { limit: 0 }), 'limit')
      refused(await call('POST', `${T}/topics/take`, { within_days: -1 }), 'within_days')
      refused(await call('GET', `${T}/queries/unused-topics?limit=abc`), 'limit')
    })

    it('records and lists searches', async () => {
      const s = ok(
        await call('POST', `${T}/searches`, { query: 'api search', result_count: 7 }),
        201,
      )
      expect(s).toMatchObject({ query: 'api search', result_count: 7, source: null })
      const found = ok(await call('GET', `${T}/searches?query=api%20search`))
      expect(found.items.map((i: Item) => i.id)).toEqual([s.id])
      const page = ok(await call('GET', `${T}/searches?limit=2`))
      expect(page.items).toHaveLength(2)
      expect(page.next).toEqual(expect.any(String))
      refused(await call('POST', `${T}/searches`, { query: 'x', result_count: -1 }), 'result_count')
      refused(await call('POST', `${T}/searches`, { result_count: 1 }), 'query')
      refused(await call('GET', `${T}/searches?limit=9999`), 'limit')
    })

    it('never hands the same topic to two servers taking at once', async () => {
      const location = server.store(trendsStore).db.location
      const twin = await openStore(trendsStore, { location })
      const access = server.stores.find((s) => s.definition.name === 'access')!
      const app2 = await buildApp({ stores: [twin, access], host: '127.0.0.1' })
      try {
        const topics = Array.from({ length: 60 }, (_, i) => ({
          topic: `race ${i}`,
          relevance_score: (i % 10) / 10,
        }))
        ok(await call('POST', `${T}/topics/batch`, { source: 'race', topics }), 201)
        // Each taker stops at an empty answer, or after 25 rounds if topics were handed out twice.
        const drain = async (app: FastifyInstance) => {
          const ids: number[] = []
          for (let round = 0; round < 25; round++) {
            const batch = ok(
              await callOn(app, 'POST', `${T}/topics/take`, { source: 'race', limit: 3 }),
            )
            if (batch.length === 0) return ids
            ids.push(...batch.map((t: Item) => t.id))
          }
          return ids
        }
        const all = (
          await Promise.all([drain(server.app), drain(app2), drain(server.app), drain(app2)])
        ).flat()
        expect(all).toHaveLength(60)
        expect(new Set(all).size).toBe(60)
      } finally {
        await app2.close()
        await twin.close()
      }
    })
  })

  describe('metrics', () => {
    const M = '/api/metrics'
    const snap = (over: Item = {}) => ({
      video_id: 'api_vid',
      platform: 'tiktok',
      views: 1000,
      likes: 50,
      comments: 10,
      shares: 5,
      saves: 5,
      timestamp: '2025-02-01T10:00:00.000Z',
      ...over,
    })

    it('adds, gets, changes and upserts video metadata', async () => {
      const video = ok(
        await call('POST', `${M}/videos`, { video_id: 'api_vid', title: 'T', topic: 'API' }),
        201,
      )
      expect(video).toMatchObject({ video_id: 'api_vid', status: 'draft', posted_at: null })
      expect((await call('POST', `${M}/videos`, { video_id: 'api_vid' })).statusCode).toBe(409)
      refused(await call('POST', `${M}/videos`, { video_id: 'v2', status: 'live' }), 'status')
      refused(await call('POST', `${M}/videos`, { title: 'no id' }), 'video_id')
      expect(ok(await call('GET', `${M}/videos/api_vid`)).title).toBe('T')
      expect((await call('GET', `${M}/videos/nope`)).statusCode).toBe(404)
      expect(ok(await call('PATCH', `${M}/videos/api_vid`, { title: 'T2' })).title).toBe('T2')
      refused(
        await call('PATCH', `${M}/videos/api_vid`, { duration_seconds: -1 }),
        'duration_seconds',
      )
      expect((await call('PATCH', `${M}/videos/nope`, { title: 'x' })).statusCode).toBe(404)
      const created = ok(await call('PUT', `${M}/videos/api_new`, { title: 'new' }))
      expect(created).toMatchObject({ video_id: 'api_new', title: 'new', status: 'draft' })
      const merged = ok(await call('PUT', `${M}/videos/api_new`, { topic: 'upsert' }))
      expect(merged).toMatchObject({ id: created.id, title: 'new', topic: 'upsert' })
      refused(
        await call('PUT', `${M}/videos/api_new`, { duration_seconds: 'long' }),
        'duration_seconds',
      )
      const page = ok(await call('GET', `${M}/videos?status=posted&limit=2`))
      expect(page.items).toHaveLength(2)
      const rest = ok(await call('GET', `${M}/videos?status=posted&after=${page.next}`))
      expect(rest.items.every((v: Item) => v.status === 'posted')).toBe(true)
      expect(rest.items.some((v: Item) => page.items.some((p: Item) => p.id === v.id))).toBe(false)
      expect(
        ok(await call('GET', `${M}/videos?topic=API`)).items.map((v: Item) => v.video_id),
      ).toEqual(['api_vid'])
      refused(await call('GET', `${M}/videos?status=bogus`), 'status')
    })

    it('moves a video forward through its lifecycle and refuses going back', async () => {
      expect(
        ok(await call('POST', `${M}/videos/api_vid/status`, { status: 'rendered' })).status,
      ).toBe('rendered')
      const posted = ok(
        await call('POST', `${M}/videos/api_vid/status`, {
          status: 'posted',
          posted_at: '2025-02-01T08:00:00Z',
        }),
      )
      expect(posted).toMatchObject({ status: 'posted', posted_at: '2025-02-01T08:00:00.000Z' })
      const back = await call('POST', `${M}/videos/api_vid/status`, { status: 'draft' })
      expect(back.statusCode).toBe(409)
      expect(back.json().error.code).toBe('conflict')
      refused(await call('POST', `${M}/videos/api_vid/status`, { status: 'live' }), 'status')
      refused(
        await call('POST', `${M}/videos/api_new/status`, { status: 'posted', posted_at: 'soon' }),
        'posted_at',
      )
      expect((await call('POST', `${M}/videos/nope/status`, { status: 'posted' })).statusCode).toBe(
        404,
      )
    })

    it('records snapshots with the engagement rate, and shows the latest and the history', async () => {
      const first = ok(await call('POST', `${M}/snapshots`, snap()), 201)
      expect(first.engagement_rate).toBeCloseTo(0.07)
      expect((await call('POST', `${M}/snapshots`, snap())).statusCode).toBe(409)
      refused(await call('POST', `${M}/snapshots`, snap({ views: -1 })), 'views')
      refused(await call('POST', `${M}/snapshots`, { video_id: 'api_vid' }), 'platform')
      const later = [
        snap({ views: 2000, timestamp: '2025-02-02T10:00:00Z' }),
        snap({ platform: 'youtube', views: 10, likes: 1 }),
      ]
      expect(ok(await call('POST', `${M}/snapshots/batch`, { snapshots: later }), 201)).toEqual({
        recorded: 2,
      })
      refused(
        await call('POST', `${M}/snapshots/batch`, {
          snapshots: [snap({ timestamp: '2025-03-01T00:00:00Z' }), snap({ likes: -3 })],
        }),
        'snapshots.1.likes',
      )
      const latest = ok(await call('GET', `${M}/videos/api_vid/latest`))
      expect(latest.map((r: Item) => [r.platform, r.views])).toEqual([
        ['tiktok', 2000],
        ['youtube', 10],
      ])
      expect(latest[0]).toMatchObject({ title: 'T2', status: 'posted' })
      expect(ok(await call('GET', `${M}/videos/api_new/latest`))).toEqual([])
      expect((await call('GET', `${M}/videos/nope/latest`)).statusCode).toBe(404)
      const history = ok(await call('GET', `${M}/videos/api_vid/history?platform=tiktok&limit=1`))
      expect(history.items.map((r: Item) => r.views)).toEqual([1000])
      const more = ok(
        await call('GET', `${M}/videos/api_vid/history?platform=tiktok&after=${history.next}`),
      )
      expect(more.items.map((r: Item) => r.views)).toEqual([2000])
      expect(ok(await call('GET', `${M}/videos/api_vid/history`)).items).toHaveLength(3)
      expect((await call('GET', `${M}/videos/nope/history`)).statusCode).toBe(404)
      refused(await call('GET', `${M}/videos/api_vid/history?limit=0`), 'limit')
      refused(await call('GET', `${M}/videos/api_vid/history?after=garbage`), 'after')
    })

    it('ranks the top videos of a platform and sums up the platforms', async () => {
      const top = ok(await call('GET', `${M}/platforms/tiktok/top-videos?limit=3`))
      expect(top).toHaveLength(3)
      expect(top.every((r: Item) => r.platform === 'tiktok')).toBe(true)
      const rates = top.map((r: Item) => r.engagement_rate)
      expect(rates).toEqual([...rates].sort((a, b) => b - a))
      expect(ok(await call('GET', `${M}/platforms/mastodon/top-videos`))).toEqual([])
      refused(await call('GET', `${M}/platforms/tiktok/top-videos?limit=x`), 'limit')
      const summary = ok(await call('GET', `${M}/queries/platform-summary`))
      expect(summary.map((r: Item) => r.platform)).toEqual(['instagram', 'tiktok', 'youtube'])
    })
  })

  describe('image-library', () => {
    const L = '/api/image-library'
    const image = (over: Item = {}) => ({
      character: 'nutsy',
      emotion: 'happy',
      file_path: 'assets/api/nutsy_happy.png',
      quality_score: 0.9,
      tags: ['api'],
      ...over,
    })

    it('finds images by character, emotion, pose, source and quality, by keyset page', async () => {
      const happy = ok(await call('GET', `${L}/images?character=butcher&emotion=happy`))
      expect(happy.items).toHaveLength(3)
      expect(
        happy.items.every((i: Item) => i.character === 'butcher' && i.emotion === 'happy'),
      ).toBe(true)
      const good = ok(await call('GET', `${L}/images?min_quality=0.8&pose=sitting&limit=500`))
      expect(good.items.length).toBeGreaterThan(0)
      expect(good.items.every((i: Item) => i.quality_score >= 0.8 && i.pose === 'sitting')).toBe(
        true,
      )
      const photos = ok(await call('GET', `${L}/images?source=photo`))
      expect(photos.items.length).toBeGreaterThan(0)
      expect(photos.items.every((i: Item) => i.source === 'photo')).toBe(true)
      const first = ok(await call('GET', `${L}/images?limit=20`))
      const second = ok(await call('GET', `${L}/images?limit=20&after=${first.next}`))
      expect(second.items).toHaveLength(10)
      expect(second.items[0].id).toBeGreaterThan(first.items.at(-1).id)
      // A character the CHECK does not allow has no images: the filter finds none.
      expect(ok(await call('GET', `${L}/images?character=bob`)).items).toEqual([])
      refused(await call('GET', `${L}/images?min_quality=2`), 'min_quality')
    })

    it('adds, gets by id and by path, and deletes images', async () => {
      const added = ok(await call('POST', `${L}/images`, image()), 201)
      expect(added).toMatchObject({ usage_count: 0, last_used_at: null, source: 'generated' })
      expect((await call('POST', `${L}/images`, image())).statusCode).toBe(409)
      refused(await call('POST', `${L}/images`, image({ character: 'bob' })), 'character')
      refused(await call('POST', `${L}/images`, image({ quality_score: 1.2 })), 'quality_score')
      expect(ok(await call('GET', `${L}/images/${added.id}`)).file_path).toBe(added.file_path)
      const byPath = ok(
        await call('GET', `${L}/images/by-path/${encodeURIComponent(added.file_path)}`),
      )
      expect(byPath.id).toBe(added.id)
      expect((await call('GET', `${L}/images/by-path/nowhere.png`)).statusCode).toBe(404)
      ok(await call('DELETE', `${L}/images/${added.id}`), 204)
      expect((await call('GET', `${L}/images/${added.id}`)).statusCode).toBe(404)
      expect((await call('DELETE', `${L}/images/${added.id}`)).statusCode).toBe(404)
      const batch = [
        image({ file_path: 'assets/api/a.png' }),
        image({ file_path: 'assets/api/b.png' }),
      ]
      expect(ok(await call('POST', `${L}/images/batch`, { images: batch }), 201)).toEqual({
        added: 2,
      })
      const bad = [image({ file_path: 'assets/api/c.png' }), image({ character: 'bob' })]
      // The CHECK constraint refuses the character (a deployment may extend it), in the batch's
      // one transaction: nothing is added.
      refused(await call('POST', `${L}/images/batch`, { images: bad }), 'character')
      expect((await call('GET', `${L}/images/by-path/assets%2Fapi%2Fc.png`)).statusCode).toBe(404)
    })

    it('records usage (the trigger counts it) and picks the least-used images', async () => {
      const least = ok(
        await call('GET', `${L}/characters/nutsy/emotions/happy/least-used?limit=10`),
      )
      expect(least.every((i: Item) => i.character === 'nutsy' && i.emotion === 'happy')).toBe(true)
      const counts = least.map((i: Item) => i.usage_count)
      expect(counts).toEqual([...counts].sort((a, b) => a - b))
      const target = least[0]
      const used = ok(
        await call('POST', `${L}/images/${target.id}/usage`, {
          video_id: 'api_vid',
          scene_number: 2,
        }),
        201,
      )
      expect(used).toMatchObject({ image_id: target.id, video_id: 'api_vid', scene_number: 2 })
      const after = ok(await call('GET', `${L}/images/${target.id}`))
      expect(after.usage_count).toBe(target.usage_count + 1)
      expect(after.last_used_at).toEqual(expect.any(String))
      const uses = ok(await call('GET', `${L}/images/${target.id}/usage?limit=1`))
      expect(uses.items[0].id).toBe(used.id)
      expect(ok(await call('GET', `${L}/videos/api_vid/usage`)).map((u: Item) => u.id)).toEqual([
        used.id,
      ])
      expect(ok(await call('GET', `${L}/videos/emf_20250104_002/usage`)).length).toBeGreaterThan(0)
      refused(
        await call('POST', `${L}/images/${target.id}/usage`, { video_id: 'v', scene_number: -1 }),
        'scene_number',
      )
      refused(await call('POST', `${L}/images/${target.id}/usage`, {}), 'video_id')
      expect((await call('POST', `${L}/images/987654/usage`, { video_id: 'v' })).statusCode).toBe(
        404,
      )
      expect((await call('GET', `${L}/images/987654/usage`)).statusCode).toBe(404)
      expect(ok(await call('GET', `${L}/characters/bob/emotions/happy/least-used`))).toEqual([])
      refused(await call('GET', `${L}/characters/nutsy/emotions/happy/least-used?limit=0`), 'limit')
      refused(
        await call('GET', `${L}/characters/nutsy/emotions/happy/least-used?min_quality=-1`),
        'min_quality',
      )
      const coverage = ok(await call('GET', `${L}/queries/images-by-character`))
      expect(coverage).toContainEqual(
        expect.objectContaining({ character: 'butcher', emotion: 'sad', images: 3 }),
      )
    })

    it('creates collections, orders their images and deletes them', async () => {
      const names = ok(await call('GET', `${L}/collections`)).map((c: Item) => c.name)
      expect(names).toEqual(['butcher-reactions', 'nutsy-reactions'])
      const c = ok(
        await call('POST', `${L}/collections`, { name: 'api-set', character: 'butcher' }),
        201,
      )
      expect((await call('POST', `${L}/collections`, { name: 'api-set' })).statusCode).toBe(409)
      refused(await call('POST', `${L}/collections`, { name: 'x', character: 'bob' }), 'character')
      refused(await call('POST', `${L}/collections`, {}), 'name')
      expect(ok(await call('GET', `${L}/collections/${c.id}`)).name).toBe('api-set')
      expect((await call('GET', `${L}/collections/987654`)).statusCode).toBe(404)
      const butcher = ok(await call('GET', `${L}/images?character=butcher&limit=2`)).items
      const nutsy = ok(await call('GET', `${L}/images?character=nutsy&limit=1`)).items[0]
      const [a, b] = butcher.map((i: Item) => i.id)
      expect(
        ok(await call('POST', `${L}/collections/${c.id}/images`, { image_id: a }), 201).sort_order,
      ).toBe(0)
      expect(
        ok(await call('POST', `${L}/collections/${c.id}/images`, { image_id: b }), 201).sort_order,
      ).toBe(1)
      expect(
        (await call('POST', `${L}/collections/${c.id}/images`, { image_id: a })).statusCode,
      ).toBe(409)
      refused(
        await call('POST', `${L}/collections/${c.id}/images`, { image_id: nutsy.id }),
        'image_id',
      )
      refused(await call('POST', `${L}/collections/${c.id}/images`, { image_id: 'a' }), 'image_id')
      expect(
        (await call('POST', `${L}/collections/987654/images`, { image_id: a })).statusCode,
      ).toBe(404)
      const ids = async () =>
        ok(await call('GET', `${L}/collections/${c.id}/images`)).map((i: Item) => i.id)
      expect(await ids()).toEqual([a, b])
      const reordered = ok(
        await call('PUT', `${L}/collections/${c.id}/order`, { image_ids: [b, a] }),
      )
      expect(reordered.map((i: Item) => [i.id, i.sort_order])).toEqual([
        [b, 0],
        [a, 1],
      ])
      refused(await call('PUT', `${L}/collections/${c.id}/order`, { image_ids: [b] }), 'image_ids')
      expect(
        (await call('PUT', `${L}/collections/987654/order`, { image_ids: [] })).statusCode,
      ).toBe(404)
      expect((await call('GET', `${L}/collections/987654/images`)).statusCode).toBe(404)
      ok(await call('DELETE', `${L}/collections/${c.id}/images/${b}`), 204)
      expect((await call('DELETE', `${L}/collections/${c.id}/images/${b}`)).statusCode).toBe(404)
      refused(await call('DELETE', `${L}/collections/${c.id}/images/x`), 'image_id')
      expect(await ids()).toEqual([a])
      ok(await call('DELETE', `${L}/collections/${c.id}`), 204)
      expect((await call('GET', `${L}/collections/${c.id}`)).statusCode).toBe(404)
      expect((await call('DELETE', `${L}/collections/${c.id}`)).statusCode).toBe(404)
      expect(ok(await call('GET', `${L}/images/${a}`)).id).toBe(a)
    })
  })
})
