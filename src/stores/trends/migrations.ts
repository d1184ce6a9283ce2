import {
  initialSchema,
  type Migration,
  type SummarySpec,
  total,
  widenIntegers,
  summaryMigration,
  summaryStatementTriggersMigration,
  searchMigrations,
} from '../../core/index.js'

/** Seed 002's trends.db: trending_topics and search_history, five indexes, one trigger. */
const initial = initialSchema('initial schema (seed 002, trends.db)', (d) => [
  // used_flag stays an INTEGER 0/1 as the seed documents it, so its `WHERE used_flag = 0`
  // runs unchanged on PostgreSQL too (a BOOLEAN there would not compare with 0).
  `CREATE TABLE trending_topics (
    id ${d.autoIncrementPrimaryKey},
    topic TEXT NOT NULL,
    source TEXT NOT NULL,
    timestamp ${d.type('DATETIME')} NOT NULL DEFAULT ${d.currentTimestamp},
    relevance_score ${d.type('REAL')} NOT NULL DEFAULT 0.0,
    used_flag INTEGER NOT NULL DEFAULT 0,
    category TEXT,
    metadata ${d.type('JSON')},
    created_at ${d.type('DATETIME')} NOT NULL DEFAULT ${d.currentTimestamp},
    updated_at ${d.type('DATETIME')} NOT NULL DEFAULT ${d.currentTimestamp},
    CONSTRAINT check_relevance_score_range CHECK (relevance_score >= 0.0 AND relevance_score <= 1.0),
    CONSTRAINT check_used_flag_valid CHECK (used_flag IN (0, 1))
)`,
  'CREATE INDEX idx_trending_topics_timestamp ON trending_topics(timestamp DESC)',
  'CREATE INDEX idx_trending_topics_used_flag ON trending_topics(used_flag)',
  'CREATE INDEX idx_trending_topics_source ON trending_topics(source)',
  'CREATE INDEX idx_trending_topics_relevance ON trending_topics(relevance_score DESC)',
  // The seed's "combined index for unused recent topics"; id completes the keyset order.
  'CREATE INDEX idx_trending_topics_unused_recent ON trending_topics(used_flag, timestamp DESC, id DESC)',
  // Not in the seed: the unused topics by relevance (the seed's own query, and takeTopics) are
  // read in order, where the seed's indexes leave both engines sorting every unused topic.
  'CREATE INDEX idx_trending_topics_unused_relevance ON trending_topics(used_flag, relevance_score DESC, id)',
  // Not in the seed: the keyset lists filtered by source or category, newest first.
  'CREATE INDEX idx_trending_topics_source_recent ON trending_topics(source, timestamp DESC, id DESC)',
  'CREATE INDEX idx_trending_topics_category_recent ON trending_topics(category, timestamp DESC, id DESC)',
  'CREATE INDEX idx_trending_topics_recent ON trending_topics(timestamp DESC, id DESC)',
  ...d.touchTrigger('update_trending_topics_timestamp', 'trending_topics'),
  `CREATE TABLE search_history (
    id ${d.autoIncrementPrimaryKey},
    query TEXT NOT NULL,
    source TEXT,
    result_count INTEGER NOT NULL DEFAULT 0,
    timestamp ${d.type('DATETIME')} NOT NULL DEFAULT ${d.currentTimestamp},
    CONSTRAINT check_result_count_valid CHECK (result_count >= 0)
)`,
  // Not in the seed (it names no index on search_history): recent searches, and the searches
  // of one query, newest first.
  'CREATE INDEX idx_search_history_timestamp ON search_history(timestamp DESC, id DESC)',
  'CREATE INDEX idx_search_history_query ON search_history(query, timestamp DESC, id DESC)',
])

/** Full-text search over topics and their categories (docs/search.md). */
const topicSearch = searchMigrations('trending topics', {
  trending_topics: ['topic', 'category'],
})

/**
 * Per source: how many topics and how many of them unused, kept by triggers
 * (src/core/summary.ts), so that countTopicsBySource reads a row per source.
 */
export const topicSourceTotals = {
  table: 'topic_source_totals',
  source: 'trending_topics',
  groups: { source: '$.source' },
  totals: {
    topics: total.rows,
    unused: { value: 'CASE WHEN $.used_flag = 0 THEN 1 ELSE 0 END', type: 'integer' },
  },
} satisfies SummarySpec

const sourceTotals = summaryMigration(3, 'topic totals per source', topicSourceTotals)

export const migrations: readonly Migration[] = [
  initial,
  topicSearch.index(2),
  sourceTotals,
  widenIntegers(4),
  topicSearch.stored(5),
  summaryStatementTriggersMigration(6, 'topic totals kept once per statement', topicSourceTotals),
]

/** Named CHECK constraints and the column each guards, for errors that name the column. */
export const columnsByConstraint = {
  check_relevance_score_range: 'relevance_score',
  check_used_flag_valid: 'used_flag',
  check_result_count_valid: 'result_count',
} as const
