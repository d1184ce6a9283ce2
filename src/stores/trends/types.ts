import type { ColumnType, Generated } from 'kysely'

type Json = ColumnType<unknown, string | null | undefined, string | null>
type Timestamp = ColumnType<string, Date | undefined, Date>

/** The tables as stored (what Kysely sees). Rows returned to callers are decoded: see below. */
export interface TrendsTables {
  trending_topics: {
    id: Generated<number>
    topic: string
    source: string
    timestamp: Timestamp
    relevance_score: ColumnType<number, number | undefined, number>
    used_flag: ColumnType<UsedFlag, UsedFlag | undefined, UsedFlag>
    category: string | null
    metadata: Json
    created_at: Timestamp
    updated_at: Timestamp
  }
  search_history: {
    id: Generated<number>
    query: string
    source: string | null
    result_count: ColumnType<number, number | undefined, number>
    timestamp: Timestamp
  }
}

/** 0 = unused, 1 = used (seed 002 keeps the flag an integer). */
export type UsedFlag = 0 | 1

/** TrendingTopic is one row of `trending_topics`, decoded. Timestamps are ISO-8601 UTC. */
export interface TrendingTopic {
  id: number
  topic: string
  source: string
  timestamp: string
  /** 0.0 to 1.0. */
  relevance_score: number
  used_flag: UsedFlag
  category: string | null
  metadata: Record<string, unknown> | null
  created_at: string
  updated_at: string
}

/** SearchRecord is one row of `search_history`, decoded. */
export interface SearchRecord {
  id: number
  query: string
  source: string | null
  result_count: number
  timestamp: string
}

/** The filter of `listTopics`. */
export interface TopicFilter {
  source?: string
  category?: string
  /** true: only used topics; false: only unused ones. */
  used?: boolean
}

/** Row of `countTopicsBySource`. */
export interface SourceCount {
  source: string
  total: number
  unused: number
}
