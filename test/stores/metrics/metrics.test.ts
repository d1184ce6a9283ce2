import { afterEach, describe, expect, it } from 'vitest'
import {
  ConflictError,
  inspectSchema,
  NotFoundError,
  openStore,
  Random,
  type OpenStore,
} from '../../../src/index.js'
import {
  computeEngagementRate,
  metricsStore,
  type MetricsRepository,
  type NewSnapshot,
} from '../../../src/stores/metrics/index.js'
import { ENGINES, useEngine } from '../../engines.js'
import { explain } from '../../plans.js'
import { SEARCH_VECTOR } from '../../../src/core/search/define.js'

/** The seed's columns: PostgreSQL's searchable tables also carry the stored search column (docs/search.md). */
const seedColumn = (c: { name: string }) => c.name !== SEARCH_VECTOR

const T0 = Date.parse('2025-01-01T00:00:00Z')
const at = (day: number) => new Date(T0 + day * 86_400_000)

describe.each(ENGINES)('metrics on $name', (engine) => {
  const ctx = useEngine(engine)
  const open: OpenStore<MetricsRepository>[] = []
  const openMetrics = async () => {
    const store = await openStore(metricsStore, { location: ctx.freshLocation('metrics') })
    open.push(store)
    return store
  }
  afterEach(async () => {
    for (const store of open.splice(0)) await store.close()
  })

  it('creates every table, column, index and the view seed 002 names for metrics.db', async () => {
    const { db } = await openMetrics()
    const schema = await inspectSchema(db)
    const columns = (table: string) =>
      schema.tables
        .find((t) => t.name === table)
        ?.columns.filter(seedColumn)
        .map((c) => c.name)
    expect(columns('video_metrics')).toEqual([
      'id',
      'video_id',
      'platform',
      'views',
      'likes',
      'comments',
      'shares',
      'saves',
      'watch_time_seconds',
      'engagement_rate',
      'timestamp',
      'created_at',
    ])
    expect(columns('video_metadata')).toEqual([
      'id',
      'video_id',
      'title',
      'description',
      'topic',
      'script_path',
      'audio_path',
      'video_path',
      'duration_seconds',
      'created_at',
      'posted_at',
      'status',
    ])
    const indexes = schema.indexes.map((i) => i.name)
    for (const name of [
      'idx_video_metrics_video_id',
      'idx_video_metrics_platform',
      'idx_video_metrics_timestamp',
      'idx_video_metrics_engagement',
      'idx_video_metadata_status',
      'idx_video_metadata_topic',
      'idx_video_metadata_created',
    ]) {
      expect(indexes).toContain(name)
    }
    expect(schema.views).toEqual(['latest_video_metrics'])
  })

  it('refuses a second snapshot of the same video, platform and timestamp', async () => {
    const { repo } = await openMetrics()
    const snapshot = { video_id: 'v1', platform: 'tiktok', views: 10, timestamp: at(1) }
    await repo.recordSnapshot(snapshot)
    await repo.recordSnapshot({ ...snapshot, platform: 'youtube' })
    await expect(repo.recordSnapshot(snapshot)).rejects.toBeInstanceOf(ConflictError)
    await expect(
      repo.recordSnapshots([{ ...snapshot, timestamp: at(2) }, snapshot]),
    ).rejects.toBeInstanceOf(ConflictError)
    expect((await repo.getVideoHistory('v1')).items).toHaveLength(2)
  })

  it('computes the engagement rate from the counts', async () => {
    const { repo } = await openMetrics()
    const s = await repo.recordSnapshot({
      video_id: 'v1',
      platform: 'instagram',
      views: 1000,
      likes: 80,
      comments: 10,
      shares: 6,
      saves: 4,
      watch_time_seconds: 12_000,
      timestamp: at(1),
    })
    expect(s).toMatchObject({ engagement_rate: 0.1, views: 1000, watch_time_seconds: 12_000 })
    expect(s.timestamp).toBe('2025-01-02T00:00:00.000Z')
    expect(computeEngagementRate({ views: 0, likes: 5 })).toBe(0)
    expect(computeEngagementRate({ views: 10, likes: 30 })).toBe(1)
    expect(computeEngagementRate({})).toBe(0)
    await expect(
      repo.recordSnapshot({ video_id: 'v1', platform: 'tiktok', views: -1 }),
    ).rejects.toMatchObject({ name: 'ValidationError', field: 'views' })
  })

  it('keeps the status values and moves a video only forward through its lifecycle', async () => {
    const { db, repo } = await openMetrics()
    const video = await repo.addVideo({ video_id: 'emf_1', title: 'First', topic: 'AI art' })
    expect(video).toMatchObject({ status: 'draft', posted_at: null })
    await expect(repo.addVideo({ video_id: 'emf_1' })).rejects.toBeInstanceOf(ConflictError)
    expect((await repo.setVideoStatus('emf_1', 'rendered')).status).toBe('rendered')
    expect((await repo.setVideoStatus('emf_1', 'rendered')).status).toBe('rendered')
    const posted = await repo.setVideoStatus('emf_1', 'posted', '2025-01-05T10:00:00Z')
    expect(posted).toMatchObject({ status: 'posted', posted_at: '2025-01-05T10:00:00.000Z' })
    await expect(repo.setVideoStatus('emf_1', 'draft')).rejects.toThrow(ConflictError)
    await expect(repo.setVideoStatus('emf_1', 'rendered')).rejects.toThrow(/posted.*rendered/)
    const archived = await repo.setVideoStatus('emf_1', 'archived')
    expect(archived).toMatchObject({ status: 'archived', posted_at: '2025-01-05T10:00:00.000Z' })
    await repo.addVideo({ video_id: 'emf_2' })
    expect((await repo.setVideoStatus('emf_2', 'posted')).posted_at).not.toBeNull()
    await expect(repo.setVideoStatus('missing', 'posted')).rejects.toBeInstanceOf(NotFoundError)
    // A video id that is not text: PostgreSQL matched video "7" where SQLite matched nothing.
    await repo.addVideo({ video_id: '7' })
    await expect(repo.setVideoStatus(7 as never, 'posted')).rejects.toMatchObject({
      name: 'ValidationError',
      field: 'video_id',
    })
    await expect(repo.setVideoStatus('emf_2', 'published' as never)).rejects.toMatchObject({
      name: 'ValidationError',
    })
    await expect(
      db.query("INSERT INTO video_metadata (video_id, status) VALUES ('x', 'published')"),
    ).rejects.toMatchObject({ name: 'ValidationError', field: 'status' })
    expect((await repo.updateVideo('emf_2', { title: 'Second' })).title).toBe('Second')
    expect((await repo.listVideos({ status: 'posted' })).items.map((v) => v.video_id)).toEqual([
      'emf_2',
    ])
  })

  it('returns exactly the latest snapshot per video and platform in latest_video_metrics', async () => {
    const { db, repo } = await openMetrics()
    const rnd = new Random(7)
    const snapshots: NewSnapshot[] = []
    const latest = new Map<string, NewSnapshot>()
    for (let v = 0; v < 12; v++) {
      for (const platform of ['instagram', 'tiktok', 'youtube']) {
        if (rnd.chance(0.2)) continue
        for (const day of rnd.sample([...Array(20).keys()], rnd.int(1, 6))) {
          const s = {
            video_id: `v${v}`,
            platform,
            views: rnd.int(0, 5000),
            likes: rnd.int(0, 300),
            timestamp: at(day),
          }
          snapshots.push(s)
          const key = `${s.video_id}/${platform}`
          if (!latest.has(key) || (latest.get(key)!.timestamp as Date) < s.timestamp)
            latest.set(key, s)
        }
      }
      if (v % 3) await repo.addVideo({ video_id: `v${v}`, title: `Video ${v}` })
    }
    await repo.recordSnapshots(snapshots)
    const view = await db.query<Record<string, unknown>>('SELECT * FROM latest_video_metrics')
    const got = view.map((r) => `${r.video_id}/${r.platform}/${r.views}`).sort()
    const expected = [...latest.values()]
      .map((s) => `${s.video_id}/${s.platform}/${s.views}`)
      .sort()
    expect(got).toEqual(expected)
    const v1 = await repo.getLatestMetrics('v1')
    expect(v1.every((r) => r.title === 'Video 1')).toBe(true)
    expect((await repo.getLatestMetrics('v0')).every((r) => r.title === null)).toBe(true)
    const top = await repo.listTopVideos('tiktok', 3)
    const tiktok = [...latest.values()]
      .filter((s) => s.platform === 'tiktok')
      .map((s) => computeEngagementRate(s))
      .sort((a, b) => b - a)
    expect(top.map((r) => r.engagement_rate)).toEqual(tiktok.slice(0, 3))
    const summary = await repo.summarizePlatforms()
    expect(summary.map((s) => s.videos).reduce((a, b) => a + b)).toBe(latest.size)
  })

  it('serves the view by its latest-snapshot table: a video by its key, the top by index order', async () => {
    const { db, repo } = await openMetrics()
    const snapshots: NewSnapshot[] = []
    for (let v = 0; v < 200; v++) {
      for (const platform of ['instagram', 'tiktok', 'youtube']) {
        for (let day = 0; day < 25; day++) {
          snapshots.push({
            video_id: `v${v}`,
            platform,
            views: 100 + day * 10,
            likes: day + (v % 7),
            timestamp: at(day),
          })
        }
      }
    }
    await repo.recordSnapshots(snapshots)
    await db.query('ANALYZE')
    const p = (i: number) => db.dialect.parameter(i)
    const byVideo = await explain(
      db,
      `SELECT * FROM latest_video_metrics WHERE video_id = ${p(1)} ORDER BY platform`,
      ['v3'],
    )
    const top = await explain(
      db,
      `SELECT * FROM latest_video_metrics WHERE platform = ${p(1)} ORDER BY engagement_rate DESC, video_id LIMIT 10`,
      ['tiktok'],
    )
    for (const plan of [byVideo, top]) {
      expect(plan).not.toMatch(/\bSCAN (k|m)\b|Seq Scan on video_metrics/)
      expect(plan).toMatch(/SEARCH m USING INTEGER PRIMARY KEY|Index Scan using video_metrics_pkey/)
    }
    expect(byVideo).toMatch(
      /SEARCH k USING INDEX sqlite_autoindex_video_metrics_latest_1 \(video_id=\?\)|Index Scan (using|on) video_metrics_latest_pkey/,
    )
    // The top videos come in index order, stopping at the limit: nothing is sorted.
    expect(top).not.toMatch(/TEMP B-TREE|Sort/)
    expect(top).toMatch(
      /SEARCH k USING INDEX idx_video_metrics_latest_top \(platform=\?\)|Index Scan using idx_video_metrics_latest_top on video_metrics_latest k/,
    )
  })

  it("lists a video's history over time by keyset pages", async () => {
    const { repo } = await openMetrics()
    await repo.recordSnapshots(
      [3, 1, 4, 0, 2].flatMap((day) => [
        { video_id: 'v1', platform: 'tiktok', views: day * 100, timestamp: at(day) },
        { video_id: 'v1', platform: 'youtube', views: day * 10, timestamp: at(day) },
      ]),
    )
    const first = await repo.getVideoHistory('v1', { platform: 'tiktok' }, { limit: 3 })
    expect(first.items.map((s) => s.views)).toEqual([0, 100, 200])
    const rest = await repo.getVideoHistory(
      'v1',
      { platform: 'tiktok' },
      { limit: 3, after: first.next },
    )
    expect(rest.items.map((s) => s.views)).toEqual([300, 400])
    expect(rest.next).toBeNull()
    expect((await repo.getVideoHistory('v1', {}, { limit: 100 })).items).toHaveLength(10)
  })

  it('seeds sample data whose named queries all run', async () => {
    const { repo } = await openMetrics()
    const summary = await metricsStore.seedSampleData(repo, undefined as never)
    expect(summary.video_metadata).toBe(10)
    expect(summary.video_metrics).toBeGreaterThan(100)
    for (const query of metricsStore.namedQueries) await query.run(repo)
    expect(await repo.getLatestMetrics('emf_20250104_002')).toHaveLength(3)
    expect((await repo.listTopVideos('youtube', 3)).length).toBe(3)
  })
})
