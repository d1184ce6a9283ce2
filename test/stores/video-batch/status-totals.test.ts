import { describe, expect, it } from 'vitest'
import pg from 'pg'
import { openStore, type OpenStore } from '../../../src/core/index.js'
import { VIDEO_STATUSES } from '../../../src/stores/video-batch/migrations.js'
import {
  videoBatchStore,
  type VideoBatchRepository,
} from '../../../src/stores/video-batch/index.js'
import { ENGINES, useEngine } from '../../engines.js'
import { runThenKill } from '../../cli/killable-cli.js'
import { CLI } from '../../cli/run-cli.js'

type Store = OpenStore<VideoBatchRepository>

/** The seed's statistics computed from every video, as getVideoStatistics must answer. */
async function statisticsFromVideos(store: Store) {
  const rows = await store.db.query<Record<string, unknown>>(
    `SELECT status, COUNT(*) AS count, AVG(generation_time_seconds) AS avg_time, AVG(file_size_bytes) AS avg_size
FROM videos GROUP BY status ORDER BY status`,
  )
  return rows.map((r) => ({
    status: r.status,
    count: Number(r.count),
    avg_time: r.avg_time == null ? null : Number(r.avg_time),
    avg_size: r.avg_size == null ? null : Number(r.avg_size),
  }))
}

/** Per status, what the summary's rows add up to, read whether it is sharded or not. */
async function totalsByStatus(store: Store): Promise<Record<string, number>> {
  const rows = await store.db.query<{ status: string; n: number }>(
    'SELECT status, SUM(videos) AS n FROM video_status_totals GROUP BY status',
  )
  return Object.fromEntries(
    rows.filter((r) => Number(r.n) !== 0).map((r) => [r.status, Number(r.n)]),
  )
}

async function countsFromVideos(store: Store): Promise<Record<string, number>> {
  const rows = await store.db.query<{ status: string; n: number }>(
    'SELECT status, COUNT(*) AS n FROM videos GROUP BY status',
  )
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]))
}

/** Adds `count` videos of one image and prompt set, statuses in turn. */
async function addVideos(store: Store, count: number): Promise<void> {
  const image = await store.repo.registerUpload({ original_filename: 'a.jpg' })
  const prompt = await store.repo.addPromptSet({ image_id: image.id, video_prompt: 'p' })
  const statuses = VIDEO_STATUSES.map((s) => `'${s}'`)
  await store.db.query(
    `INSERT INTO videos (image_id, prompt_id, status, generation_time_seconds, file_size_bytes)
SELECT ${image.id}, ${prompt.id}, CASE i % ${statuses.length} ${statuses.map((s, k) => `WHEN ${k} THEN ${s}`).join(' ')} END,
  CASE WHEN i % 3 = 0 THEN NULL ELSE (i % 17) * 1.5 END, CASE WHEN i % 4 = 0 THEN NULL ELSE i * 1000 END
FROM (WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${count}) SELECT i FROM n) AS n`,
  )
}

const closeTo = (rows: Awaited<ReturnType<typeof statisticsFromVideos>>) =>
  rows.map((r) => ({
    ...r,
    avg_time: r.avg_time == null ? null : expect.closeTo(r.avg_time, 6),
    avg_size: r.avg_size == null ? null : expect.closeTo(r.avg_size, 6),
  }))

describe.each(ENGINES)('video_status_totals, a row per status and writer, on $name', (engine) => {
  const ctx = useEngine(engine)

  it('stays the GROUP BY of videos through inserts, moves and deletes from several connections', async () => {
    const location = ctx.freshLocation('totals')
    const stores = [await openStore(videoBatchStore, { location })]
    try {
      await addVideos(stores[0]!, 40)
      for (let i = 0; i < 2; i++) stores.push(await openStore(videoBatchStore, { location }))
      // Each writer moves, times and deletes its own share of the videos, all at once.
      await Promise.all(
        stores.map(async (store, w) => {
          for (let id = 1 + w; id <= 40; id += stores.length) {
            const status = VIDEO_STATUSES[(id * 7 + w) % VIDEO_STATUSES.length]!
            await store.db.query(
              `UPDATE videos SET status = '${status}', generation_time_seconds = ${id % 5 === 0 ? 'NULL' : id / 4} WHERE id = ${id}`,
            )
            if (id % 9 === 0) await store.db.query(`DELETE FROM videos WHERE id = ${id}`)
          }
        }),
      )
      await addVideos(stores[1]!, 7)
      const [store] = stores
      expect(await store!.repo.getVideoStatistics()).toEqual(
        closeTo(await statisticsFromVideos(store!)),
      )
      const counts = await countsFromVideos(store!)
      expect(await store!.repo.countVideosByStatus()).toEqual(
        Object.fromEntries(VIDEO_STATUSES.map((s) => [s, counts[s] ?? 0])),
      )
    } finally {
      for (const store of stores) await store.close()
    }
  })

  it.runIf(engine.name === 'postgres' && engine.concurrent)(
    'a writer moving a video does not wait for another writer that moved one and has not committed',
    async () => {
      const location = ctx.freshLocation('waits')
      const store = await openStore(videoBatchStore, { location })
      const schema = store.db.schema!
      const clients: pg.Client[] = []
      try {
        await addVideos(store, 8)
        await store.db.query(`UPDATE videos SET status = 'pending'`)
        // Two connections whose writes land on different rows of each status.
        const shards = new Set<number>()
        const writers: pg.Client[] = []
        while (writers.length < 2) {
          const client = new pg.Client({ connectionString: ctx.databaseUrl })
          await client.connect()
          clients.push(client)
          await client.query(`SET search_path TO "${schema}"`)
          const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')
          const shard = rows[0]!.pid % 64
          if (!shards.has(shard)) {
            shards.add(shard)
            writers.push(client)
          }
        }
        const [first, second] = writers as [pg.Client, pg.Client]
        await first.query('BEGIN')
        await first.query(`UPDATE videos SET status = 'completed' WHERE id = 1`)
        // With a row per status this UPDATE waits on first's rows: it fails after the timeout.
        await second.query(`SET lock_timeout = '20s'`)
        await second.query(`UPDATE videos SET status = 'completed' WHERE id = 2`)
        await first.query('COMMIT')
        expect(await totalsByStatus(store)).toEqual({ pending: 6, completed: 2 })
      } finally {
        for (const client of clients) await client.end()
        await store.close()
      }
    },
    60_000,
  )

  it.runIf(engine.concurrent)(
    'migration 7 killed at random points leaves the totals of version 6 or of 7, both right',
    async () => {
      const location = ctx.freshLocation('migrate-kill')
      const before = await openStore(videoBatchStore, { location, migrate: false })
      try {
        await before.migrator.migrateTo(6)
        await addVideos(before, 20_000)
      } finally {
        await before.close()
      }
      const env = { GENMEDIA_VIDEO_BATCH_URL: location }
      for (let kill = 0; kill < 4; kill++) {
        await runThenKill(
          CLI,
          env,
          ['migrate', 'up', 'video-batch', '--to', '7'],
          'SIGKILL',
          100 + Math.random() * 700,
        )
        const store = await openStore(videoBatchStore, { location, migrate: false })
        try {
          const version = await store.migrator.currentVersion()
          expect([6, 7]).toContain(version)
          expect(await totalsByStatus(store)).toEqual(await countsFromVideos(store))
          // Back to 6 (itself a rewrite of the totals) while 7 is there, to kill it again.
          if (version === 7) await store.migrator.migrateTo(6)
        } finally {
          await store.close()
        }
      }
      expect(await runThenKill(CLI, env, ['migrate', 'up', 'video-batch', '--to', '7'], null)).toBe(
        0,
      )
      const store = await openStore(videoBatchStore, { location, migrate: false })
      try {
        expect(await store.migrator.currentVersion()).toBe(7)
        expect(await store.repo.getVideoStatistics()).toEqual(
          closeTo(await statisticsFromVideos(store)),
        )
      } finally {
        await store.close()
      }
    },
    300_000,
  )
})
