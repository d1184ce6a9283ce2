import { z } from 'zod'
import { pageLimit } from '../../core/index.js'
import { trendsTables } from './tables.js'

// What the trends repository accepts, derived from the table declarations: the HTTP API
// validates bodies with the same schemas.

const topics = trendsTables.trending_topics.insert

/** What `recordTopic` accepts: `topic` and `source` required, relevance 0.0–1.0. */
export const newTopicSchema = topics.pick({
  topic: true,
  source: true,
  relevance_score: true,
  category: true,
  metadata: true,
  timestamp: true,
})
export type NewTopic = z.input<typeof newTopicSchema>

/** What `recordSearch` accepts: every column of `search_history`, `query` required. */
export const newSearchSchema = trendsTables.search_history.insert
export type NewSearch = z.input<typeof newSearchSchema>

/** A value the lists filter by (matched exactly, as given). */
const filterValue = z.string().min(1).optional()

/** What `listTopics` filters by. */
export const topicFilterSchema = z.strictObject({
  source: filterValue,
  category: filterValue,
  /** true: only used topics; false: only unused ones. */
  used: z.boolean().optional(),
})
export type TopicFilter = z.input<typeof topicFilterSchema>

/** What `takeTopics` accepts. */
export const takeOptionsSchema = z.strictObject({
  limit: pageLimit.optional(),
  /** Up to 100 years: a time before that is not one both engines store. */
  within_days: z.number().positive().max(36_500).optional(),
  source: filterValue,
  category: filterValue,
})
export type TakeOptions = z.input<typeof takeOptionsSchema>

/** What `listSearches` filters by. */
export const searchHistoryFilterSchema = z.strictObject({ query: filterValue })
export type SearchHistoryFilter = z.input<typeof searchHistoryFilterSchema>
