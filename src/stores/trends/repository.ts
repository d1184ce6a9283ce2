import type { Transaction } from 'kysely'
import type { z } from 'zod'
import {
  claimMany,
  insertEach,
  pageLimit,
  parseInput,
  parseItem,
  tableRows,
  StoreRepository,
} from '../../core/index.js'
import {
  newSearchSchema,
  newTopicSchema,
  searchList,
  takeOptionsSchema,
  topicList,
  type NewSearch,
  type NewTopic,
  type TakeOptions,
} from './inputs.js'
import {
  trendsTables,
  type SearchRecord,
  type SourceCount,
  type TrendingTopic,
  type TrendsTables,
  type UnusedTopic,
  type UsedFlag,
} from './tables.js'

const { trending_topics: topics, search_history: searches } = trendsTables

type ParsedTopic = z.output<typeof newTopicSchema>

/**
 * identityOf is what makes two reports the same topic: the source and the topic's text, as
 * stored (trimmed). Case and inner spacing are the source's own and are kept apart.
 */
function identityOf(topic: { source: string; topic: string }): string {
  return JSON.stringify([topic.source, topic.topic])
}

/**
 * TrendsRepository is the typed API of the trends store (seed 002, trends.db): trending topics
 * gathered from sources such as Google Trends, Twitter and Reddit, handed out to video
 * producers once each, and the history of searches made to find them. Methods throw
 * ValidationError for bad input (naming the field) and NotFoundError for a missing id.
 */
export class TrendsRepository extends StoreRepository<TrendsTables> {
  readonly #topicRows = tableRows(this.db, topics, 'trending topic')
  readonly #searchRows = tableRows(this.db, searches, 'search')

  // ── topics ──────────────────────────────────────────────────────────────

  /**
   * recordTopic stores one trending topic as unused and returns it as stored. A topic is
   * identified by its source and its text (trimmed): recording one that is already waiting
   * unused refreshes that row (relevance, category, metadata, timestamp) instead of adding a
   * second that takeTopics would hand out again.
   */
  async recordTopic(input: NewTopic): Promise<TrendingTopic> {
    const topic = parseInput(newTopicSchema, input)
    return this.db.transaction(async (trx) => {
      await this.#lockTopics(trx)
      const [existing] = await this.#unusedIds(trx, [topic])
      if (existing === undefined) return this.#topicRows.insert(topic, trx)
      return this.#topicRows.update(existing, this.#refresh(topic, new Date()), trx)
    })
  }

  /**
   * recordTopics stores the topics one source reported, all in one transaction (all or
   * nothing). Each input's own `source` wins over `source`. Recording a batch is idempotent:
   * a topic already waiting unused (same source and text, see recordTopic), or given twice in
   * the batch, is one row, refreshed. Returns the number of topics recorded (new or refreshed).
   */
  async recordTopics(source: string, inputs: readonly Omit<NewTopic, 'source'>[]): Promise<number> {
    const now = new Date()
    const byIdentity = new Map<string, ParsedTopic>()
    inputs.forEach((input, i) => {
      const topic = parseItem(newTopicSchema, { source, ...input }, 'topic', i)
      byIdentity.delete(identityOf(topic))
      byIdentity.set(identityOf(topic), topic)
    })
    const batch = [...byIdentity.values()]
    await this.db.transaction(async (trx) => {
      await this.#lockTopics(trx)
      const existing = await this.#unusedIds(trx, batch)
      const fresh: ParsedTopic[] = []
      for (const [i, topic] of batch.entries()) {
        const id = existing[i]
        if (id === undefined) fresh.push(topic)
        else await this.#topicRows.update(id, this.#refresh(topic, now), trx)
      }
      await insertEach(
        this.db,
        topics,
        fresh,
        {
          parse: (topic) => topic,
          defaults: {
            relevance_score: 0,
            used_flag: 0,
            category: null,
            metadata: null,
            timestamp: now,
            created_at: now,
            updated_at: now,
          },
        },
        trx,
      )
    })
    return batch.length
  }

  /** #lockTopics serialises recording topics, so that two batches never add one topic twice. */
  async #lockTopics(trx: Transaction<TrendsTables>): Promise<void> {
    const lock = this.db.dialect.transactionLock('trends.trending_topics')
    if (lock) await this.db.query(lock, [], trx)
  }

  /** #unusedIds returns, for each topic, the id of the unused row with its identity, if any. */
  async #unusedIds(
    trx: Transaction<TrendsTables>,
    batch: readonly ParsedTopic[],
  ): Promise<(number | undefined)[]> {
    if (batch.length === 0) return []
    const found = new Map<string, number>()
    for (let at = 0; at < batch.length; at += 500) {
      const part = batch.slice(at, at + 500)
      const rows = await trx
        .selectFrom('trending_topics')
        .select(['id', 'source', 'topic'])
        .where('used_flag', '=', 0)
        .where('source', 'in', [...new Set(part.map((t) => t.source))])
        .where('topic', 'in', [...new Set(part.map((t) => t.topic))])
        .orderBy('id')
        .execute()
      for (const row of rows) {
        const key = identityOf(row)
        if (!found.has(key)) found.set(key, row.id)
      }
    }
    return batch.map((t) => found.get(identityOf(t)))
  }

  /** What recording an unused topic again changes: what the new report says, and when. */
  #refresh(topic: ParsedTopic, now: Date) {
    return {
      ...(topic.relevance_score === undefined ? {} : { relevance_score: topic.relevance_score }),
      ...(topic.category === undefined ? {} : { category: topic.category }),
      ...(topic.metadata === undefined ? {} : { metadata: topic.metadata }),
      timestamp: topic.timestamp ?? now,
      updated_at: now,
    }
  }

  /** getTopic returns the topic with `id`, or throws NotFoundError. */
  async getTopic(id: number): Promise<TrendingTopic> {
    return this.#topicRows.get(id)
  }

  /**
   * takeTopics hands out the most relevant unused topics captured in the last `within_days`
   * days (default 7), optionally of one source or category, and marks them used in the same
   * statement: two producers taking at once never get the same topic. Returns at most `limit`
   * (default 5) topics, most relevant first; empty when none is left.
   */
  async takeTopics(options: TakeOptions = {}): Promise<TrendingTopic[]> {
    const o = parseInput(takeOptionsSchema, options)
    const since = new Date(Date.now() - (o.within_days ?? 7) * 86_400_000)
    const rows = await claimMany(this.db, {
      table: topics.name,
      where: (eb) =>
        eb.and([
          eb('used_flag', '=', eb.lit(0)),
          eb('timestamp', '>=', since),
          ...(o.source ? [eb('source', '=', o.source)] : []),
          ...(o.category ? [eb('category', '=', o.category)] : []),
        ]),
      orderBy: [['relevance_score', 'desc'], 'id'],
      // updated_at is set here, not left to the trigger: on SQLite, RETURNING shows the row
      // before an AFTER trigger touched it.
      set: { used_flag: 1, updated_at: new Date() },
      limit: o.limit ?? 5,
    })
    return topics.codec
      .decodeAll(rows)
      .sort((a, b) => b.relevance_score - a.relevance_score || a.id - b.id)
  }

  /** markTopicUsed sets a topic's used flag (or clears it with `used = false`). Idempotent. */
  async markTopicUsed(id: number, used = true): Promise<TrendingTopic> {
    const flag: UsedFlag = used ? 1 : 0
    return this.#topicRows.update(id, { used_flag: flag, updated_at: new Date() })
  }

  /**
   * listTopics returns topics newest first, optionally of one source or category, used or
   * unused, one keyset page at a time: pass the returned `next` as `after` for the next page.
   * With `options.q`, topics whose text or category match, best match first; `options.facets`
   * (`source`, `category`) counted over every topic the filter and search let through.
   */
  readonly listTopics = topicList.reader(this.db)

  /** searchTopics finds topics by their text or category (docs/search.md), best match first. */
  readonly searchTopics = topicList.searcher(this.db)

  /**
   * Seed: "Query unused topics" — the `limit` (default 5) most relevant unused topics, without
   * marking them (use takeTopics to hand them out).
   */
  async listUnusedTopics(limit = 5): Promise<UnusedTopic[]> {
    return this.k
      .selectFrom('trending_topics')
      .select(['topic', 'relevance_score'])
      .where('used_flag', '=', (eb) => eb.lit(0))
      .orderBy('relevance_score', 'desc')
      .orderBy('id')
      .limit(parseInput(pageLimit, limit))
      .execute()
  }

  /**
   * countTopicsBySource returns, per source, how many topics it gave and how many are unused,
   * from topic_source_totals (kept by triggers with every write of trending_topics).
   */
  async countTopicsBySource(): Promise<SourceCount[]> {
    const rows = await this.db.query<SourceCount>(
      `SELECT source, topics AS total, unused
FROM topic_source_totals
WHERE topics > 0
ORDER BY source`,
    )
    return rows.map((r) => ({ source: r.source, total: Number(r.total), unused: Number(r.unused) }))
  }

  // ── searches ────────────────────────────────────────────────────────────

  /** recordSearch stores one search made to find trends and returns it as stored. */
  async recordSearch(input: NewSearch): Promise<SearchRecord> {
    return this.#searchRows.insert(parseInput(newSearchSchema, input))
  }

  /** listSearches returns searches newest first, optionally of one exact query, by keyset page. */
  readonly listSearches = searchList.reader(this.db)
}
