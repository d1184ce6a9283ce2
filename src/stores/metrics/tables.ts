import {
  col,
  defineRow,
  pickColumns,
  defineSearch,
  defineTables,
  type Row,
  type StoredOf,
  type TablesOf,
} from '../../core/index.js'
import { VIDEO_STATUSES } from './migrations.js'

export type VideoLifecycleStatus = (typeof VIDEO_STATUSES)[number]

/** A counter of a snapshot: 0 unless given, never negative (its check_<column>_not_negative). */
const count = () =>
  col
    .integer()
    .defaulted()
    .constrained((s) => s.min(0))

/** The metrics store's tables (seed 002, metrics.db), each column once, as the migrations create them. */
export const metricsTables = defineTables({
  video_metrics: {
    id: col.id(),
    video_id: col.name(),
    platform: col.name(),
    views: count(),
    likes: count(),
    comments: count(),
    shares: count(),
    saves: count(),
    watch_time_seconds: col
      .real()
      .defaulted()
      .constrained((s) => s.min(0)),
    /** (likes + comments + shares + saves) / views, 0 when views is 0, clamped to 0..1. */
    engagement_rate: col.fraction().defaulted(),
    timestamp: col.timestamp().defaulted(),
    created_at: col.timestamp().defaulted(),
  },
  video_metadata: {
    id: col.id(),
    video_id: col.name(),
    title: col.text().nullable(),
    description: col.text().nullable(),
    topic: col.key().nullable(),
    script_path: col.text().nullable(),
    audio_path: col.text().nullable(),
    video_path: col.text().nullable(),
    duration_seconds: col.measure(),
    created_at: col.timestamp().defaulted(),
    posted_at: col.timestamp().nullable(),
    status: col.enum(VIDEO_STATUSES).defaulted(),
  },
  /**
   * The latest snapshot of each (video_id, platform), kept by triggers on video_metrics
   * (migration 2); latest_video_metrics reads through it. Only the triggers write it.
   */
  video_metrics_latest: {
    video_id: col.key(),
    platform: col.key(),
    metric_id: col.integer(),
    engagement_rate: col.real(),
    timestamp: col.timestamp(),
  },
})

/** What full-text search reads, and the columns a list counts by value (docs/search.md). */
export const metricsSearch = {
  video_metadata: defineSearch(metricsTables.video_metadata, {
    columns: ['title', 'description', 'topic'],
    facets: ['status', 'topic'],
  }),
}

/** VideoMetrics is one snapshot (row of `video_metrics`). Timestamps are ISO-8601 UTC. */
export type VideoMetrics = Row<typeof metricsTables.video_metrics>

/** VideoMetadata is one row of `video_metadata`. */
export type VideoMetadata = Row<typeof metricsTables.video_metadata>

// ── the view and the rows of the store's queries ────────────────────────────

const { created_at: _snapshotCreatedAt, ...snapshot } = metricsTables.video_metrics.columns
const video = metricsTables.video_metadata.columns

/**
 * Row of the view `latest_video_metrics`: the latest snapshot of one video on one platform with
 * the video's metadata (null when the video has none: the view LEFT JOINs it).
 */
export const latestVideoMetrics = defineRow({
  ...snapshot,
  ...pickColumns(video, ['title', 'description', 'topic', 'duration_seconds']),
  status: video.status.nullable(),
  posted_at: video.posted_at,
  video_created_at: video.created_at.nullable(),
})
export type LatestVideoMetrics = Row<typeof latestVideoMetrics>

/** Row of `summarizePlatforms`: totals over the latest snapshot of every video on a platform. */
export const platformSummary = defineRow({
  platform: col.key(),
  videos: col.integer(),
  total_views: col.real(),
  avg_engagement_rate: col.real().nullable(),
})
export type PlatformSummary = Row<typeof platformSummary>

/** The tables and the view as Kysely sees them. */
export type MetricsTables = TablesOf<typeof metricsTables> & {
  latest_video_metrics: StoredOf<typeof latestVideoMetrics.columns>
}
