import { z } from 'zod'
import {
  col,
  timestamps,
  defineRow,
  defineTables,
  summaryColumns,
  type Row,
  type TablesOf,
  defineSearch,
} from '../../core/index.js'
import { topicSourceTotals } from './migrations.js'

/** The trends store's tables (seed 002, trends.db), each column once, as the migrations create them. */
export const trendsTables = defineTables({
  trending_topics: {
    id: col.id(),
    topic: col.name(),
    source: col.name(),
    timestamp: col.timestamp().defaulted(),
    relevance_score: col.fraction().defaulted(),
    /** 0 = unused, 1 = used (seed 002 keeps the flag an integer; check_used_flag_valid). */
    used_flag: col
      .integer()
      .defaulted()
      .constrained(() => z.union([z.literal(0), z.literal(1)]).describe('0 = unused, 1 = used')),
    category: col.given(),
    metadata: col.object().nullable(),
    ...timestamps,
  },
  search_history: {
    id: col.id(),
    query: col.name(),
    source: col.given(),
    result_count: col.counter(),
    timestamp: col.timestamp().defaulted(),
  },
  /** Per source, the totals behind countTopicsBySource; kept by triggers (migration 2). */
  topic_source_totals: summaryColumns(topicSourceTotals, { source: col.text() }),
})

/** What full-text search reads, and the columns a list counts by value (docs/search.md). */
export const trendsSearch = {
  trending_topics: defineSearch(trendsTables.trending_topics, {
    columns: ['topic', 'category'],
    facets: ['source', 'category'],
  }),
}

/** The tables as Kysely sees them. */
export type TrendsTables = TablesOf<typeof trendsTables>

/** 0 = unused, 1 = used (seed 002 keeps the flag an integer). */
export type UsedFlag = 0 | 1

/** TrendingTopic is one row of `trending_topics`, decoded. Timestamps are ISO-8601 UTC. */
export type TrendingTopic = Row<typeof trendsTables.trending_topics>

/** SearchRecord is one row of `search_history`, decoded. */
export type SearchRecord = Row<typeof trendsTables.search_history>

// ── the rows of the store's queries ─────────────────────────────────────────

/** Row of the seed's "Query unused topics" (listUnusedTopics). */
export const unusedTopic = defineRow({ topic: col.text(), relevance_score: col.real() })
export type UnusedTopic = Row<typeof unusedTopic>

/** Row of `countTopicsBySource`: how many topics a source gave and how many are unused. */
export const topicsBySource = defineRow({
  source: col.key(),
  total: col.integer(),
  unused: col.integer(),
})
export type SourceCount = Row<typeof topicsBySource>
