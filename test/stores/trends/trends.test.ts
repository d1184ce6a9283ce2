import { afterEach, describe, expect, it } from 'vitest'
import {
  inspectSchema,
  NotFoundError,
  openStore,
  ValidationError,
  type Database,
  type OpenStore,
} from '../../../src/index.js'
import { trendsStore, type TrendsRepository } from '../../../src/stores/trends/index.js'
import { ENGINES, useEngine } from '../../engines.js'
import { SEARCH_VECTOR } from '../../../src/core/search/define.js'

/** The seed's columns: PostgreSQL's searchable tables also carry the stored search column (docs/search.md). */
const seedColumn = (c: { name: string }) => c.name !== SEARCH_VECTOR

/** The seed's Python statements use sqlite3's `?`; PostgreSQL numbers its parameters. */
const withParameters = (db: Database, text: string) => {
  let n = 0
  return text.replace(/\?/g, () => db.dialect.parameter(++n))
}

const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000)

describe.each(ENGINES)('trends on $name', (engine) => {
  const ctx = useEngine(engine)
  const open: OpenStore<TrendsRepository>[] = []
  const openTrends = async (location = ctx.freshLocation('trends')) => {
    const store = await openStore(trendsStore, { location })
    open.push(store)
    return store
  }
  afterEach(async () => {
    for (const store of open.splice(0)) await store.close()
  })

  it('creates every table, column, index and trigger seed 002 names for trends.db', async () => {
    const { db } = await openTrends()
    const schema = await inspectSchema(db)
    const columns = (table: string) =>
      schema.tables
        .find((t) => t.name === table)
        ?.columns.filter(seedColumn)
        .map((c) => c.name)
    expect(columns('trending_topics')).toEqual([
      'id',
      'topic',
      'source',
      'timestamp',
      'relevance_score',
      'used_flag',
      'category',
      'metadata',
      'created_at',
      'updated_at',
    ])
    expect(columns('search_history')).toEqual([
      'id',
      'query',
      'source',
      'result_count',
      'timestamp',
    ])
    const indexes = schema.indexes.map((i) => i.name)
    for (const name of [
      'idx_trending_topics_timestamp',
      'idx_trending_topics_used_flag',
      'idx_trending_topics_source',
      'idx_trending_topics_relevance',
      'idx_trending_topics_unused_recent',
    ]) {
      expect(indexes).toContain(name)
    }
    expect(
      schema.indexes.find((i) => i.name === 'idx_trending_topics_unused_recent')?.columns,
    ).toEqual(['used_flag', 'timestamp', 'id'])
    expect(schema.triggers.map((t) => t.name)).toContain('update_trending_topics_timestamp')
  })

  it("runs the seed's Python and sqlite3 examples verbatim", async () => {
    const { db, repo } = await openTrends()
    await db.query(
      withParameters(
        db,
        `
    INSERT INTO trending_topics (topic, source, relevance_score, category)
    VALUES (?, ?, ?, ?)
`,
      ),
      ['AI art generators', 'google_trends', 0.92, 'technology'],
    )
    await repo.recordTopic({ topic: 'Cold plunge', source: 'reddit', relevance_score: 0.5 })
    const taken = await repo.recordTopic({
      topic: 'Old news',
      source: 'twitter',
      relevance_score: 0.99,
    })
    await repo.markTopicUsed(taken.id)
    const unused = await db.query<{ topic: string; relevance_score: number }>(`
    SELECT topic, relevance_score
    FROM trending_topics
    WHERE used_flag = 0
    ORDER BY relevance_score DESC
    LIMIT 5
`)
    expect(unused).toEqual([
      { topic: 'AI art generators', relevance_score: 0.92 },
      { topic: 'Cold plunge', relevance_score: 0.5 },
    ])
    expect(await repo.listUnusedTopics()).toEqual(unused)
    const all = await db.query<{ topic: string; used_flag: number }>(
      'SELECT * FROM trending_topics WHERE used_flag = 0;',
    )
    expect(all.map((r) => r.topic).sort()).toEqual(['AI art generators', 'Cold plunge'])
    const [stored] = await db.query<{ used_flag: number; metadata: unknown }>(
      "SELECT used_flag, metadata FROM trending_topics WHERE topic = 'AI art generators'",
    )
    expect(stored).toEqual({ used_flag: 0, metadata: null })
  })

  it("runs the seed's example migration (priority column and index) verbatim", async () => {
    const { db } = await openTrends()
    await db.query(`
            ALTER TABLE trending_topics
            ADD COLUMN priority INTEGER DEFAULT 0
        `)
    await db.query(`
            CREATE INDEX IF NOT EXISTS idx_trending_topics_priority
            ON trending_topics(priority DESC)
        `)
    const schema = await inspectSchema(db)
    expect(schema.indexes.map((i) => i.name)).toContain('idx_trending_topics_priority')
  })

  it('keeps relevance_score within 0.0–1.0 and used_flag 0 or 1, naming the column', async () => {
    const { db, repo } = await openTrends()
    await expect(
      repo.recordTopic({ topic: 'x', source: 'reddit', relevance_score: 1.5 }),
    ).rejects.toMatchObject({ name: 'ValidationError', field: 'relevance_score' })
    await expect(repo.recordTopic({ topic: '', source: 'reddit' })).rejects.toMatchObject({
      field: 'topic',
    })
    await expect(
      db.query("INSERT INTO trending_topics (topic, source, relevance_score) VALUES ('x', 'y', 2)"),
    ).rejects.toMatchObject({ name: 'ValidationError', field: 'relevance_score' })
    await expect(
      db.query("INSERT INTO trending_topics (topic, source, used_flag) VALUES ('x', 'y', 2)"),
    ).rejects.toMatchObject({ name: 'ValidationError', field: 'used_flag' })
    const topic = await repo.recordTopic({ topic: 'Plain', source: 'reddit' })
    expect(topic).toMatchObject({
      used_flag: 0,
      relevance_score: 0,
      category: null,
      metadata: null,
    })
    await expect(repo.getTopic(999)).rejects.toBeInstanceOf(NotFoundError)
  })

  it('moves updated_at on every change through the update_trending_topics_timestamp trigger', async () => {
    const { db, repo } = await openTrends()
    const topic = await repo.recordTopic({ topic: 'Smart glasses', source: 'google_trends' })
    const old = new Date('2024-01-01T00:00:00Z')
    await db.query(
      withParameters(db, 'UPDATE trending_topics SET updated_at = ?, created_at = ? WHERE id = ?'),
      [old, old, topic.id],
    )
    expect((await repo.getTopic(topic.id)).updated_at).toBe('2024-01-01T00:00:00.000Z')
    await db.query(
      withParameters(db, "UPDATE trending_topics SET category = 'technology' WHERE id = ?"),
      [topic.id],
    )
    const touched = await repo.getTopic(topic.id)
    expect(Date.parse(touched.updated_at)).toBeGreaterThan(Date.parse('2025-01-01'))
    expect(touched.created_at).toBe('2024-01-01T00:00:00.000Z')
    await db.query(withParameters(db, 'UPDATE trending_topics SET updated_at = ? WHERE id = ?'), [
      old,
      topic.id,
    ])
    const used = await repo.markTopicUsed(topic.id)
    expect(used.used_flag).toBe(1)
    expect(Date.parse(used.updated_at)).toBeGreaterThan(Date.parse('2025-01-01'))
    expect(await repo.getTopic(topic.id)).toEqual(used)
  })

  it('takes the most relevant unused recent topics and marks them used', async () => {
    const { repo } = await openTrends()
    await repo.recordTopics('google_trends', [
      { topic: 'a', relevance_score: 0.9, category: 'technology' },
      { topic: 'b', relevance_score: 0.7, category: 'food' },
      { topic: 'old', relevance_score: 0.99, timestamp: daysAgo(10) },
    ])
    await repo.recordTopics('reddit', [
      { topic: 'c', relevance_score: 0.8, category: 'technology' },
      { topic: 'd', relevance_score: 0.6 },
    ])
    const used = await repo.recordTopic({ topic: 'used', source: 'reddit', relevance_score: 1 })
    await repo.markTopicUsed(used.id)

    const first = await repo.takeTopics({ limit: 2 })
    expect(first.map((t) => t.topic)).toEqual(['a', 'c'])
    expect(first.every((t) => t.used_flag === 1)).toBe(true)
    expect((await repo.takeTopics({ source: 'reddit' })).map((t) => t.topic)).toEqual(['d'])
    expect(await repo.takeTopics({ category: 'technology' })).toEqual([])
    expect((await repo.takeTopics({ within_days: 30 })).map((t) => t.topic)).toEqual(['old', 'b'])
    expect(await repo.takeTopics()).toEqual([])
    expect((await repo.listTopics({ used: false })).items).toEqual([])
    await expect(repo.takeTopics({ limit: 0 })).rejects.toMatchObject({ field: 'limit' })
    await expect(repo.takeTopics({ within_days: 1e308 })).rejects.toMatchObject({
      field: 'within_days',
    })
  })

  it('never gives the same topic to two producers taking at once', async () => {
    const location = ctx.freshLocation('trends_race')
    const one = await openTrends(location)
    const two = await openTrends(location)
    const topics = Array.from({ length: 120 }, (_, i) => ({
      topic: `topic ${i}`,
      relevance_score: (i % 100) / 100,
    }))
    await one.repo.recordTopics('twitter', topics)
    const drain = async (repo: TrendsRepository) => {
      const ids: number[] = []
      for (;;) {
        const batch = await repo.takeTopics({ limit: 3 })
        if (batch.length === 0) return ids
        ids.push(...batch.map((t) => t.id))
      }
    }
    const [a, b] = await Promise.all([drain(one.repo), drain(two.repo)])
    const all = [...a, ...b]
    expect(new Set(all).size).toBe(all.length)
    expect(all.length).toBe(120)
  })

  it('records a topic already waiting unused once, however often a batch reports it', async () => {
    const location = ctx.freshLocation('trends_idem')
    const one = await openTrends(location)
    const two = await openTrends(location)
    await one.repo.recordTopics('reddit', [{ topic: 'solar', relevance_score: 0.5 }])
    // Again in a batch, twice within one batch, from two writers at once, and alone.
    await Promise.all([
      one.repo.recordTopics('reddit', [
        { topic: 'solar', relevance_score: 0.6 },
        { topic: ' solar ', relevance_score: 0.7 },
      ]),
      two.repo.recordTopics('reddit', [{ topic: 'solar', relevance_score: 0.7 }]),
    ])
    const again = await one.repo.recordTopic({
      topic: 'solar',
      source: 'reddit',
      relevance_score: 0.8,
    })
    await one.repo.recordTopic({ topic: 'solar', source: 'twitter' })
    const unused = (await one.repo.listTopics({ used: false })).items
    expect(unused.map((t) => [t.source, t.topic]).sort()).toEqual([
      ['reddit', 'solar'],
      ['twitter', 'solar'],
    ])
    expect(unused.find((t) => t.source === 'reddit')).toMatchObject({
      id: again.id,
      relevance_score: 0.8,
    })
    const taken = await one.repo.takeTopics({ limit: 10 })
    expect(taken).toHaveLength(2)
    expect(await two.repo.takeTopics({ limit: 10 })).toEqual([])
    // Once taken, the topic reported again is a new one to hand out.
    await one.repo.recordTopics('reddit', [{ topic: 'solar' }])
    expect(await one.repo.takeTopics()).toHaveLength(1)
  })

  it('lists topics by source and category, newest first, by keyset pages', async () => {
    const { repo } = await openTrends()
    await repo.recordTopics(
      'google_trends',
      Array.from({ length: 7 }, (_, i) => ({
        topic: `g${i}`,
        category: i % 2 ? 'technology' : 'food',
        timestamp: daysAgo(i),
      })),
    )
    await repo.recordTopics('reddit', [{ topic: 'r0', category: 'technology' }])
    const first = await repo.listTopics({ source: 'google_trends' }, { limit: 4 })
    expect(first.items.map((t) => t.topic)).toEqual(['g0', 'g1', 'g2', 'g3'])
    const second = await repo.listTopics(
      { source: 'google_trends' },
      { limit: 4, after: first.next },
    )
    expect(second.items.map((t) => t.topic)).toEqual(['g4', 'g5', 'g6'])
    expect(second.next).toBeNull()
    const tech = await repo.listTopics({ category: 'technology' })
    expect(tech.items.map((t) => t.topic).sort()).toEqual(['g1', 'g3', 'g5', 'r0'])
    expect(await repo.countTopicsBySource()).toEqual([
      { source: 'google_trends', total: 7, unused: 7 },
      { source: 'reddit', total: 1, unused: 1 },
    ])
    await expect(
      repo.recordTopics('reddit', [{ topic: 'ok' }, { topic: 'bad', relevance_score: -1 }]),
    ).rejects.toThrow(/topic 2: relevance_score/)
    expect((await repo.listTopics({ source: 'reddit' })).items).toHaveLength(1)
  })

  it('records searches and lists them newest first', async () => {
    const { repo } = await openTrends()
    await repo.recordSearch({
      query: 'ai art',
      source: 'google_trends',
      result_count: 12,
      timestamp: daysAgo(2),
    })
    await repo.recordSearch({ query: 'ai art', source: 'twitter', result_count: 40 })
    await repo.recordSearch({ query: 'cold plunge' })
    const all = await repo.listSearches()
    expect(all.items.map((s) => s.query)).toEqual(['cold plunge', 'ai art', 'ai art'])
    const ai = await repo.listSearches({ query: 'ai art' })
    expect(ai.items.map((s) => s.result_count)).toEqual([40, 12])
    expect(ai.items[1]!.timestamp).toMatch(/Z$/)
    await expect(repo.recordSearch({ query: 'x', result_count: -1 })).rejects.toBeInstanceOf(
      ValidationError,
    )
  })

  it('seeds sample data whose named queries all run', async () => {
    const { repo } = await openTrends()
    const summary = await trendsStore.seedSampleData(repo, undefined as never)
    expect(summary).toEqual({ trending_topics: 26, search_history: 10 })
    const unused = await repo.listTopics({ used: false }, { limit: 100 })
    expect(unused.items).toHaveLength(16)
    for (const query of trendsStore.namedQueries) await query.run(repo)
    expect((await repo.takeTopics({ limit: 3 })).length).toBe(3)
  })
})
