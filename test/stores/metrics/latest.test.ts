import { afterEach, describe, expect, it } from 'vitest'
import { sql } from 'kysely'
import { openStore, Random, type Database, type OpenStore } from '../../../src/index.js'
import { metricsStore, type MetricsRepository } from '../../../src/stores/metrics/index.js'
import { ENGINES, useEngine } from '../../engines.js'

const T0 = Date.parse('2025-01-01T00:00:00Z')
const at = (day: number) => new Date(T0 + day * 86_400_000)

/** The seed's meaning of the view, computed from video_metrics alone (migration 1's view). */
const REFERENCE = `SELECT m.id, m.video_id, m.platform, m.engagement_rate FROM video_metrics m
WHERE NOT EXISTS (
    SELECT 1 FROM video_metrics newer
    WHERE newer.video_id = m.video_id AND newer.platform = m.platform AND newer.timestamp > m.timestamp
)`

type Key = { id: number; video_id: string; platform: string; engagement_rate: number }
const keys = (rows: Key[]) =>
  rows.map((r) => `${r.video_id}/${r.platform}#${Number(r.id)}@${r.engagement_rate}`).sort()

/** Both sides of the equality: what the view shows, what the seed's definition gives. */
async function viewAndReference(db: Database): Promise<[string[], string[]]> {
  const view = await db.query<Key>(
    'SELECT id, video_id, platform, engagement_rate FROM latest_video_metrics',
  )
  return [keys(view), keys(await db.query<Key>(REFERENCE))]
}

describe.each(ENGINES)('metrics latest snapshots on $name', (engine) => {
  const ctx = useEngine(engine)
  const open: OpenStore<MetricsRepository>[] = []
  const openMetrics = async (options: { migrate?: boolean } = {}) => {
    const location = ctx.freshLocation('metrics_latest')
    const store = await openStore(metricsStore, { location, ...options })
    open.push(store)
    return store
  }
  afterEach(async () => {
    for (const store of open.splice(0)) await store.close()
  })

  const latestId = async (repo: MetricsRepository, video: string, platform: string) =>
    (await repo.getLatestMetrics(video)).find((r) => r.platform === platform)?.id

  it('keeps the latest snapshot when an older one arrives, and moves to a newer one', async () => {
    const { repo } = await openMetrics()
    const middle = await repo.recordSnapshot({
      video_id: 'v1',
      platform: 'tiktok',
      views: 100,
      likes: 10,
      timestamp: at(5),
    })
    expect(await latestId(repo, 'v1', 'tiktok')).toBe(middle.id)
    await repo.recordSnapshot({
      video_id: 'v1',
      platform: 'tiktok',
      views: 100,
      likes: 90,
      timestamp: at(1),
    })
    expect(await latestId(repo, 'v1', 'tiktok')).toBe(middle.id)
    expect((await repo.listTopVideos('tiktok'))[0]).toMatchObject({
      id: middle.id,
      engagement_rate: 0.1,
    })
    const newer = await repo.recordSnapshot({
      video_id: 'v1',
      platform: 'tiktok',
      views: 100,
      likes: 30,
      timestamp: at(9),
    })
    expect(await latestId(repo, 'v1', 'tiktok')).toBe(newer.id)
    expect(await repo.listTopVideos('tiktok')).toEqual([
      expect.objectContaining({ id: newer.id, engagement_rate: 0.3, views: 100, likes: 30 }),
    ])
    await repo.recordSnapshots([
      { video_id: 'v1', platform: 'tiktok', views: 10, timestamp: at(2) },
      { video_id: 'v1', platform: 'youtube', views: 10, timestamp: at(2) },
    ])
    expect((await repo.getLatestMetrics('v1')).map((r) => r.platform)).toEqual([
      'tiktok',
      'youtube',
    ])
    expect(await latestId(repo, 'v1', 'tiktok')).toBe(newer.id)
  })

  it('falls back to the previous snapshot when the latest is deleted, and forgets an empty pair', async () => {
    const { db, repo } = await openMetrics()
    const p = db.dialect.parameter
    const first = await repo.recordSnapshot({
      video_id: 'v1',
      platform: 'tiktok',
      views: 50,
      timestamp: at(1),
    })
    const latest = await repo.recordSnapshot({
      video_id: 'v1',
      platform: 'tiktok',
      views: 70,
      timestamp: at(2),
    })
    await repo.recordSnapshot({ video_id: 'v2', platform: 'tiktok', views: 1, timestamp: at(1) })
    await db.query(`DELETE FROM video_metrics WHERE id = ${p(1)}`, [latest.id])
    expect(await repo.getLatestMetrics('v1')).toEqual([
      expect.objectContaining({ id: first.id, views: 50 }),
    ])
    await db.query(`DELETE FROM video_metrics WHERE id = ${p(1)}`, [first.id])
    expect(await repo.getLatestMetrics('v1')).toEqual([])
    expect((await repo.listTopVideos('tiktok')).map((r) => r.video_id)).toEqual(['v2'])
    expect((await repo.summarizePlatforms())[0]).toMatchObject({ platform: 'tiktok', videos: 1 })
  })

  it('follows updates of timestamps, engagement rates and platforms', async () => {
    const { db, repo } = await openMetrics()
    const p = db.dialect.parameter
    const old = await repo.recordSnapshot({
      video_id: 'v1',
      platform: 'tiktok',
      views: 10,
      timestamp: at(1),
    })
    const latest = await repo.recordSnapshot({
      video_id: 'v1',
      platform: 'tiktok',
      views: 20,
      timestamp: at(3),
    })
    // An older snapshot moved past the latest becomes the latest.
    await db.query(`UPDATE video_metrics SET timestamp = ${p(1)} WHERE id = ${p(2)}`, [
      at(4),
      old.id,
    ])
    expect(await latestId(repo, 'v1', 'tiktok')).toBe(old.id)
    // The latest moved back behind another one gives way to it.
    await db.query(`UPDATE video_metrics SET timestamp = ${p(1)} WHERE id = ${p(2)}`, [
      at(0),
      old.id,
    ])
    expect(await latestId(repo, 'v1', 'tiktok')).toBe(latest.id)
    // A new engagement rate of the latest snapshot reaches the top list.
    await db.query(`UPDATE video_metrics SET engagement_rate = 0.5 WHERE id = ${p(1)}`, [latest.id])
    expect((await repo.listTopVideos('tiktok'))[0]).toMatchObject({
      id: latest.id,
      engagement_rate: 0.5,
    })
    // A snapshot moved to another platform leaves its old pair and joins the new one.
    await db.query(`UPDATE video_metrics SET platform = 'youtube' WHERE id = ${p(1)}`, [latest.id])
    expect((await repo.getLatestMetrics('v1')).map((r) => [r.platform, r.id])).toEqual([
      ['tiktok', old.id],
      ['youtube', latest.id],
    ])
    const [view, reference] = await viewAndReference(db)
    expect(view).toEqual(reference)
  })

  it('equals the seed’s definition after a random mix of inserts, updates and deletes', async () => {
    const { db, repo } = await openMetrics()
    const p = db.dialect.parameter
    const rnd = new Random(11)
    const videos = ['v1', 'v2', 'v3', 'v4']
    const platforms = ['instagram', 'tiktok', 'youtube']
    const used = new Set<string>()
    const freshDay = (video: string, platform: string) => {
      let day = rnd.int(0, 400)
      while (used.has(`${video}/${platform}/${day}`)) day = rnd.int(0, 400)
      used.add(`${video}/${platform}/${day}`)
      return day
    }
    const ids: number[] = []
    for (let step = 0; step < 120; step++) {
      const video = rnd.pick(videos)
      const platform = rnd.pick(platforms)
      const action = ids.length < 5 ? 0 : rnd.int(0, 3)
      if (action <= 1) {
        const day = freshDay(video, platform)
        const views = rnd.int(1, 1000)
        ids.push(
          (
            await repo.recordSnapshot({
              video_id: video,
              platform,
              views,
              likes: rnd.int(0, views),
              timestamp: at(day),
            })
          ).id,
        )
      } else if (action === 2) {
        const id = ids.splice(rnd.int(0, ids.length - 1), 1)[0]!
        await db.query(`DELETE FROM video_metrics WHERE id = ${p(1)}`, [id])
      } else {
        const day = freshDay(video, platform)
        await db.query(
          `UPDATE video_metrics SET video_id = ${p(1)}, platform = ${p(2)}, timestamp = ${p(3)}, engagement_rate = ${p(4)} WHERE id = ${p(5)}`,
          [video, platform, at(day), rnd.int(0, 100) / 100, rnd.pick(ids)],
        )
      }
    }
    const [view, reference] = await viewAndReference(db)
    expect(view.length).toBeGreaterThan(5)
    expect(view).toEqual(reference)
  })

  it('fills the table from existing snapshots on upgrade, and migrates back down', async () => {
    const store = await openMetrics({ migrate: false })
    await store.migrator.migrateTo(1)
    const snapshots = [1, 4, 2].flatMap((day) =>
      ['tiktok', 'youtube'].map((platform) => ({
        video_id: 'v1',
        platform,
        views: day * 10,
        timestamp: at(day),
      })),
    )
    await store.repo.recordSnapshots([
      ...snapshots,
      { video_id: 'v2', platform: 'tiktok', timestamp: at(3) },
    ])
    await store.migrator.migrateTo(2)
    const [view, reference] = await viewAndReference(store.db)
    expect(view).toHaveLength(3)
    expect(view).toEqual(reference)
    expect((await store.repo.getLatestMetrics('v1')).map((r) => r.views)).toEqual([40, 40])
    await store.migrator.migrateTo(1)
    expect(await viewAndReference(store.db)).toEqual([view, view])
    await store.repo.recordSnapshot({
      video_id: 'v1',
      platform: 'tiktok',
      views: 5,
      timestamp: at(9),
    })
    await store.migrator.migrateTo(2)
    expect((await store.repo.getLatestMetrics('v1')).map((r) => r.views)).toEqual([5, 40])
  })

  it.runIf(engine.concurrent)(
    'keeps the later snapshot when a concurrent writer of the pair commits an older one',
    async () => {
      const { db, repo } = await openMetrics()
      const insert = (day: number) =>
        sql`INSERT INTO video_metrics (video_id, platform, views, timestamp) VALUES ('v1', 'tiktok', ${day}, ${at(day)})`
      await repo.recordSnapshot({ video_id: 'v1', platform: 'tiktok', views: 1, timestamp: at(1) })
      let release!: () => void
      const gate = new Promise<void>((resolve) => (release = resolve))
      let inserted!: () => void
      const firstInserted = new Promise<void>((resolve) => (inserted = resolve))
      const first = db.transaction(async (tx) => {
        await insert(6).execute(tx)
        inserted()
        await gate
      })
      await firstInserted
      // The second writer cannot see the first's uncommitted snapshot: it must not overwrite it.
      const second = db.transaction(async (tx) => {
        await insert(5).execute(tx)
      })
      await new Promise((resolve) => setTimeout(resolve, 100))
      release()
      await Promise.all([first, second])
      expect((await repo.getLatestMetrics('v1'))[0]).toMatchObject({ views: 6 })
      const [view, reference] = await viewAndReference(db)
      expect(view).toEqual(reference)
    },
  )
})
