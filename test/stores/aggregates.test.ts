import { afterEach, describe, expect, it } from 'vitest'
import {
  Migrator,
  openStore,
  seedStore,
  type Database,
  type OpenStore,
  type StoreDefinition,
} from '../../src/index.js'
import { aiArtistStore } from '../../src/stores/ai-artist/index.js'
import { imageLibraryStore } from '../../src/stores/image-library/index.js'
import { trendsStore } from '../../src/stores/trends/index.js'
import { videoBatchStore } from '../../src/stores/video-batch/index.js'
import { ENGINES, useEngine } from '../engines.js'

// The dashboard aggregates read summary tables that triggers keep (src/core/summary.ts). Each
// must give what the seed's GROUP BY over the whole source table gives, after writes through
// the repository and through plain SQL (as another program would write), and after the
// migration that creates the summary fills it from rows already there.

type Rows = Record<string, unknown>[]

/** Means are sums kept row by row: equal to AVG's up to the last bits of a double. */
function comparable(rows: Rows | Record<string, number>): unknown {
  if (!Array.isArray(rows)) return rows
  return rows.map((row) =>
    Object.fromEntries(
      Object.entries(row).map(([k, v]) => [
        k,
        typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(12)) : v,
      ]),
    ),
  )
}

interface Aggregate {
  name: string
  read(repo: never): Promise<Rows | Record<string, number>>
  /** The seed's own statement over the source table, shaped like `read`'s result. */
  reference(db: Database): Promise<Rows | Record<string, number>>
}

interface Case {
  store: StoreDefinition
  /** The version of the store's last migration of the summary (its statement triggers). */
  summaryVersion: number
  /** The table the summary sums up. */
  source: string
  aggregates: Aggregate[]
  /** Writes of every kind: through the repository and plain SQL, moving rows between groups. */
  write(store: OpenStore): Promise<void>
  /** Empties one group entirely, so that it must disappear from the results. */
  emptyGroup(db: Database): Promise<void>
}

const numbers = (rows: Rows, ...keys: string[]): Rows =>
  rows.map((r) => ({ ...r, ...Object.fromEntries(keys.map((k) => [k, numberOrNull(r[k])])) }))
const numberOrNull = (v: unknown) => (v === null || v === undefined ? null : Number(v))

const countsBy = async (db: Database, sql: string, statuses: readonly string[]) => {
  const counts: Record<string, number> = Object.fromEntries(statuses.map((s) => [s, 0]))
  for (const r of await db.query<{ status: string; n: number }>(sql)) counts[r.status] = Number(r.n)
  return counts
}

const CASES: Case[] = [
  {
    store: videoBatchStore,
    summaryVersion: 9,
    source: 'videos',
    aggregates: [
      {
        name: 'getVideoStatistics',
        read: (repo: OpenStore['repo']) => (repo as VideoRepo).getVideoStatistics(),
        reference: async (db) =>
          numbers(
            await db.query(`SELECT v.status, COUNT(*) as count,
    AVG(v.generation_time_seconds) as avg_time, AVG(v.file_size_bytes) as avg_size
FROM videos v GROUP BY v.status ORDER BY v.status`),
            'count',
            'avg_time',
            'avg_size',
          ),
      },
      {
        name: 'countVideosByStatus',
        read: (repo: OpenStore['repo']) => (repo as VideoRepo).countVideosByStatus(),
        reference: (db) =>
          countsBy(db, 'SELECT status, COUNT(*) AS n FROM videos GROUP BY status', [
            'pending',
            'completed',
            'failed',
          ]),
      },
    ],
    async write(store) {
      const repo = store.repo as VideoRepo
      const claimed = await repo.claimNextVideo('worker-1')
      if (claimed) {
        await repo.completeVideo(claimed.id, {
          video_filename: 'v.mp4',
          file_size_bytes: 123_457,
          generation_time_seconds: 41.75,
        })
      }
      const db = store.db
      await db.query(
        `INSERT INTO videos (image_id, status, generation_time_seconds, file_size_bytes)
         SELECT MIN(id), 'failed', 12.5, 1001 FROM images`,
      )
      await db.query(
        `INSERT INTO videos (image_id, status) SELECT MIN(id), 'completed' FROM images`,
      )
      await db.query(
        `UPDATE videos SET status = 'completed', generation_time_seconds = 7.125
         WHERE id IN (SELECT id FROM videos WHERE status = 'pending' ORDER BY id LIMIT 2)`,
      )
      await db.query(
        `UPDATE videos SET file_size_bytes = NULL WHERE id = (SELECT MIN(id) FROM videos)`,
      )
      await db.query(`UPDATE videos SET status = 'pending' WHERE id = (SELECT MAX(id) FROM videos)`)
      await db.query(
        `DELETE FROM videos WHERE id = (SELECT MIN(id) FROM videos WHERE status = 'completed')`,
      )
    },
    async emptyGroup(db) {
      await db.query(`DELETE FROM videos WHERE status = 'failed'`)
    },
  },
  {
    store: aiArtistStore,
    summaryVersion: 7,
    source: 'generated_images',
    aggregates: [
      {
        name: 'getQualityDistribution',
        read: (repo: OpenStore['repo']) => (repo as ArtistRepo).getQualityDistribution(),
        reference: async (db) =>
          numbers(
            await db.query(`SELECT
    CASE
        WHEN final_score >= 8.0 THEN 'Excellent'
        WHEN final_score >= 6.0 THEN 'Good'
        WHEN final_score >= 4.0 THEN 'Fair'
        ELSE 'Poor'
    END as quality_tier,
    COUNT(*) as count,
    AVG(final_score) as avg_score
FROM generated_images
WHERE status = 'curated'
GROUP BY quality_tier
ORDER BY quality_tier`),
            'count',
            'avg_score',
          ),
      },
      {
        name: 'countImagesByStatus',
        read: (repo: OpenStore['repo']) => (repo as ArtistRepo).countImagesByStatus(),
        reference: (db) =>
          countsBy(db, 'SELECT status, COUNT(*) AS n FROM generated_images GROUP BY status', [
            'pending',
            'curated',
            'rejected',
          ]),
      },
    ],
    async write(store) {
      const repo = store.repo as ArtistRepo
      const image = await repo.addImage({ filename: 'new.png', prompt: 'a harbour', model_id: 'm' })
      await repo.updateImage(image.id, { status: 'curated', final_score: 9.25 })
      await repo.updateImage(image.id, { final_score: 5.5 })
      const db = store.db
      await db.query(
        `INSERT INTO generated_images (filename, prompt, model_id, status, final_score)
         VALUES ('sql-1.png', 'p', 'm', 'curated', 3.75), ('sql-2.png', 'p', 'm', 'curated', NULL)`,
      )
      await db.query(
        `UPDATE generated_images SET status = 'curated', final_score = 8.5
         WHERE id IN (SELECT id FROM generated_images WHERE status = 'pending' ORDER BY id LIMIT 3)`,
      )
      await db.query(`UPDATE generated_images SET final_score = NULL WHERE filename = 'sql-1.png'`)
      await repo.deleteImage(image.id)
    },
    async emptyGroup(db) {
      await db.query(`DELETE FROM generated_images WHERE status = 'curated' AND final_score >= 8.0`)
    },
  },
  {
    store: trendsStore,
    summaryVersion: 6,
    source: 'trending_topics',
    aggregates: [
      {
        name: 'countTopicsBySource',
        read: (repo: OpenStore['repo']) => (repo as TrendsRepo).countTopicsBySource(),
        reference: async (db) =>
          numbers(
            await db.query(`SELECT source, COUNT(*) AS total,
    SUM(CASE WHEN used_flag = 0 THEN 1 ELSE 0 END) AS unused
FROM trending_topics GROUP BY source ORDER BY source`),
            'total',
            'unused',
          ),
      },
    ],
    async write(store) {
      const repo = store.repo as TrendsRepo
      const [first] = await store.db.query<{ id: number }>(
        'SELECT MIN(id) AS id FROM trending_topics WHERE used_flag = 0',
      )
      await repo.markTopicUsed(Number(first!.id))
      const db = store.db
      await db.query(
        `INSERT INTO trending_topics (topic, source, used_flag) VALUES ('fog', 'plain-sql', 0), ('rain', 'plain-sql', 1)`,
      )
      await db.query(`UPDATE trending_topics SET source = 'moved' WHERE topic = 'rain'`)
      await db.query(`UPDATE trending_topics SET used_flag = 1 WHERE source = 'plain-sql'`)
      await db.query(
        `DELETE FROM trending_topics WHERE id = (SELECT MAX(id) FROM trending_topics WHERE source <> 'moved')`,
      )
    },
    async emptyGroup(db) {
      await db.query(`DELETE FROM trending_topics WHERE source = 'moved'`)
    },
  },
  {
    store: imageLibraryStore,
    summaryVersion: 6,
    source: 'image_library',
    aggregates: [
      {
        name: 'countImagesByCharacter',
        read: (repo: OpenStore['repo']) => (repo as LibraryRepo).countImagesByCharacter(),
        reference: async (db) =>
          numbers(
            await db.query(`SELECT character, emotion, COUNT(*) AS images, SUM(usage_count) AS uses
FROM image_library GROUP BY character, emotion ORDER BY character, emotion`),
            'images',
            'uses',
          ),
      },
    ],
    async write(store) {
      const repo = store.repo as LibraryRepo
      const [first] = await store.db.query<{ id: number }>(
        'SELECT MIN(id) AS id FROM image_library',
      )
      // The seed's own trigger counts the use in image_library, which moves the totals too.
      await repo.recordUsage({ image_id: Number(first!.id), video_id: 'v1', scene_number: 1 })
      const db = store.db
      await db.query(
        `INSERT INTO image_library (character, emotion, file_path, usage_count)
         SELECT character, 'bewildered', file_path || '-copy', 4 FROM image_library WHERE id = ${Number(first!.id)}`,
      )
      await db.query(
        `UPDATE image_library SET emotion = 'calm', usage_count = usage_count + 2 WHERE id = ${Number(first!.id)}`,
      )
      await db.query(`UPDATE image_library SET character = 'nutsy' WHERE emotion = 'bewildered'`)
      await repo.deleteImage(Number(first!.id) + 1)
    },
    async emptyGroup(db) {
      await db.query(`DELETE FROM image_library WHERE emotion = 'bewildered'`)
    },
  },
]

type VideoRepo = import('../../src/stores/video-batch/index.js').VideoBatchRepository
type ArtistRepo = import('../../src/stores/ai-artist/index.js').AiArtistRepository
type TrendsRepo = import('../../src/stores/trends/index.js').TrendsRepository
type LibraryRepo = import('../../src/stores/image-library/index.js').ImageLibraryRepository

describe.each(ENGINES)('aggregates from summary tables on $name', (engine) => {
  const ctx = useEngine(engine)
  const open: OpenStore[] = []
  afterEach(async () => {
    for (const store of open.splice(0)) await store.close()
  })

  const expectSame = async (store: OpenStore, c: Case) => {
    for (const a of c.aggregates) {
      const got = await (a.read as (repo: OpenStore['repo']) => ReturnType<Aggregate['read']>)(
        store.repo,
      )
      expect(comparable(got), a.name).toEqual(comparable(await a.reference(store.db)))
    }
  }

  it.each(CASES.map((c) => [c.store.name, c] as const))(
    '%s: the same as the GROUP BY over the source after every kind of write',
    async (name, c) => {
      const store = await openStore(c.store, { location: await ctx.isolatedLocation(name) })
      open.push(store)
      await seedStore(store)
      await expectSame(store, c)
      await c.write(store)
      await expectSame(store, c)
      await c.emptyGroup(store.db)
      await expectSame(store, c)
      // Rolled back with the write that moved it.
      const rolledBack = store.db.transaction(async (trx) => {
        await store.db.query(`DELETE FROM ${c.source}`, [], trx)
        throw new Error('roll back')
      })
      await expect(rolledBack).rejects.toThrow('roll back')
      await expectSame(store, c)
    },
  )

  it.each(CASES.map((c) => [c.store.name, c] as const))(
    '%s: the migration fills the summary from the rows already there, and goes down',
    async (name, c) => {
      const store = await openStore(c.store, { location: await ctx.isolatedLocation(`${name}-m`) })
      open.push(store)
      const migrator = new Migrator(store.db, c.store.migrations, `test:${name}`)
      await migrator.migrateTo(c.summaryVersion - 1)
      await seedStore(store)
      await c.write(store)
      await migrator.migrateTo()
      await expectSame(store, c)
    },
  )

  it.runIf(engine.name === 'postgres')(
    'on PostgreSQL, a statement that changes no group or total leaves the summary rows unwritten',
    async () => {
      const store = await openStore(aiArtistStore, {
        location: await ctx.isolatedLocation('still'),
      })
      open.push(store)
      await seedStore(store)
      // xmin is the transaction that wrote a row's current version: an update gives it a new one.
      const versions = () =>
        store.db.query<{ status: string; quality_tier: string; xmin: string }>(
          'SELECT status, quality_tier, xmin::text AS xmin FROM image_quality_totals ORDER BY 1, 2',
        )
      const before = await versions()
      await store.db.query(`UPDATE generated_images SET prompt = prompt || ' again'`)
      await store.db.query(`UPDATE generated_images SET final_score = final_score WHERE id < 5`)
      expect(await versions()).toEqual(before)
      await store.db.query(`UPDATE generated_images SET final_score = 9.5 WHERE id = 1`)
      expect(await versions()).not.toEqual(before)
    },
  )
})
