import type { ExpressionBuilder } from 'kysely'
import { z } from 'zod'
import { defineList, filterOn, inputOf, pageLimit, type FilterOf } from '../../core/index.js'
import { trendsSearch, trendsTables, type TrendsTables } from './tables.js'

// What the trends repository accepts, derived from the table declarations: the HTTP API
// validates bodies with the same schemas.

const topics = trendsTables.trending_topics

/** What `recordTopic` accepts: `topic` and `source` required, relevance 0.0–1.0. */
export const newTopicSchema = inputOf(topics, [
  'topic',
  'source',
  'relevance_score',
  'category',
  'metadata',
  'timestamp',
])
export type NewTopic = z.input<typeof newTopicSchema>

/** What `recordSearch` accepts: every column of `search_history`, `query` required. */
export const newSearchSchema = trendsTables.search_history.insert
export type NewSearch = z.input<typeof newSearchSchema>

/** A value the lists filter by (matched exactly, as given). */
const value = z.string().min(1)
const filterValue = value.optional()

/**
 * `listTopics`: newest first, by source, category, and used flag (true: only used topics;
 * false: only unused ones); searchable.
 */
export const topicList = defineList({
  order: { sortColumn: 'timestamp', direction: 'desc' },
  search: trendsSearch.trending_topics,
  filter: {
    source: filterOn.equal('source', value),
    category: filterOn.equal('category', value),
    used: filterOn.custom(z.boolean(), z.stringbool(), (q, used) =>
      q.where('used_flag', '=', (eb: ExpressionBuilder<TrendsTables, 'trending_topics'>) =>
        eb.lit(used ? 1 : 0),
      ),
    ),
  },
})
export type TopicFilter = FilterOf<typeof topicList>

/** What `takeTopics` accepts. */
export const takeOptionsSchema = z.strictObject({
  limit: pageLimit.optional(),
  /** Up to 100 years: a time before that is not one both engines store. */
  within_days: z.number().positive().max(36_500).optional(),
  source: filterValue,
  category: filterValue,
})
export type TakeOptions = z.input<typeof takeOptionsSchema>

/** `listSearches`: newest first, optionally of one exact query. */
export const searchList = defineList({
  table: trendsTables.search_history,
  order: { sortColumn: 'timestamp', direction: 'desc' },
  filter: { query: filterOn.equal('query', value) },
})
export type SearchHistoryFilter = FilterOf<typeof searchList>
