import type { ColumnType, Generated } from 'kysely'
import type { VIDEO_STATUSES } from './migrations.js'

export type VideoLifecycleStatus = (typeof VIDEO_STATUSES)[number]

type Timestamp = ColumnType<string, Date | undefined, Date>
type Count = ColumnType<number, number | undefined, number>

/** The tables and view as stored (what Kysely sees). Rows returned to callers are decoded. */
export interface MetricsTables {
  video_metrics: {
    id: Generated<number>
    video_id: string
    platform: string
    views: Count
    likes: Count
    comments: Count
    shares: Count
    saves: Count
    watch_time_seconds: Count
    engagement_rate: Count
    timestamp: Timestamp
    created_at: Timestamp
  }
  video_metadata: {
    id: Generated<number>
    video_id: string
    title: string | null
    description: string | null
    topic: string | null
    script_path: string | null
    audio_path: string | null
    video_path: string | null
    duration_seconds: number | null
    created_at: Timestamp
    posted_at: ColumnType<string | null, Date | null | undefined, Date | null>
    status: ColumnType<VideoLifecycleStatus, VideoLifecycleStatus | undefined, VideoLifecycleStatus>
  }
  latest_video_metrics: LatestVideoMetrics
}

/** VideoMetrics is one snapshot (row of `video_metrics`). Timestamps are ISO-8601 UTC. */
export interface VideoMetrics {
  id: number
  video_id: string
  platform: string
  views: number
  likes: number
  comments: number
  shares: number
  saves: number
  watch_time_seconds: number
  /** (likes + comments + shares + saves) / views, 0 when views is 0, clamped to 0..1. */
  engagement_rate: number
  timestamp: string
  created_at: string
}

/** VideoMetadata is one row of `video_metadata`. */
export interface VideoMetadata {
  id: number
  video_id: string
  title: string | null
  description: string | null
  topic: string | null
  script_path: string | null
  audio_path: string | null
  video_path: string | null
  duration_seconds: number | null
  created_at: string
  posted_at: string | null
  status: VideoLifecycleStatus
}

/**
 * LatestVideoMetrics is one row of the view `latest_video_metrics`: the latest snapshot of one
 * video on one platform with the video's metadata (null when the video has none).
 */
export interface LatestVideoMetrics {
  id: number
  video_id: string
  platform: string
  views: number
  likes: number
  comments: number
  shares: number
  saves: number
  watch_time_seconds: number
  engagement_rate: number
  timestamp: string
  title: string | null
  description: string | null
  topic: string | null
  duration_seconds: number | null
  status: VideoLifecycleStatus | null
  posted_at: string | null
  video_created_at: string | null
}

/** Row of `summarizePlatforms`: totals over the latest snapshot of every video on a platform. */
export interface PlatformSummary {
  platform: string
  videos: number
  total_views: number
  avg_engagement_rate: number | null
}
