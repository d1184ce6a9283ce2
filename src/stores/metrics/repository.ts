import { sql } from 'kysely'
import {
  ConflictError,
  insertEach,
  pageLimit,
  parseInput,
  parseItem,
  parseTimestamp,
  tableRows,
  type Page,
  type PageRequest,
  StoreRepository,
} from '../../core/index.js'
import { VIDEO_STATUSES } from './migrations.js'
import {
  newSnapshotSchema,
  newVideoSchema,
  snapshotHistoryList,
  videoLifecycleStatusSchema,
  videoList,
  videoPatchSchema,
  type NewSnapshot,
  type NewVideo,
  type SnapshotHistoryFilter,
  type VideoPatch,
} from './inputs.js'
import {
  latestVideoMetrics,
  metricsTables,
  type LatestVideoMetrics,
  type MetricsTables,
  type PlatformSummary,
  type VideoLifecycleStatus,
  type VideoMetadata,
  type VideoMetrics,
} from './tables.js'

const { video_metrics: snapshots, video_metadata: videos } = metricsTables

/**
 * computeEngagementRate is (likes + comments + shares + saves) / views: 0 when there are no
 * views, and clamped to 0..1 (a post can gather more interactions than views, e.g. saves
 * counted from shares; the seed defines the rate within 0.0 to 1.0).
 */
export function computeEngagementRate(c: {
  views?: number
  likes?: number
  comments?: number
  shares?: number
  saves?: number
}): number {
  const views = c.views ?? 0
  if (views <= 0) return 0
  const interactions = (c.likes ?? 0) + (c.comments ?? 0) + (c.shares ?? 0) + (c.saves ?? 0)
  return Math.min(1, Math.max(0, interactions / views))
}

/**
 * MetricsRepository is the typed API of the metrics store (seed 002, metrics.db): snapshots of
 * each video's performance per platform, the videos' metadata and status lifecycle, and the
 * latest_video_metrics view. Methods throw ValidationError for bad input (naming the field),
 * NotFoundError for a missing video and ConflictError for a duplicate or a backwards move.
 */
export class MetricsRepository extends StoreRepository<MetricsTables> {
  readonly #snapshotRows = tableRows(this.db, snapshots, 'snapshot')
  readonly #videoRows = tableRows(
    this.db,
    videos,
    (videoId: string) => `video ${videoId} has no metadata`,
    'video_id',
  )

  // ── snapshots ───────────────────────────────────────────────────────────

  /**
   * recordSnapshot stores one metrics snapshot of a video on a platform with its engagement
   * rate computed from the counts. A second snapshot of the same video, platform and timestamp
   * throws ConflictError.
   */
  async recordSnapshot(input: NewSnapshot): Promise<VideoMetrics> {
    const parsed = parseInput(newSnapshotSchema, input)
    return this.#snapshotRows.insert({ ...parsed, engagement_rate: computeEngagementRate(parsed) })
  }

  /**
   * recordSnapshots stores many snapshots in one transaction through one reused prepared
   * statement (imports, sample data): all or nothing. Returns the number stored.
   */
  async recordSnapshots(inputs: readonly NewSnapshot[]): Promise<number> {
    const now = new Date()
    return insertEach(this.db, snapshots, inputs, {
      parse: (input, i) => {
        const parsed = parseItem(newSnapshotSchema, input, 'snapshot', i)
        return { ...parsed, engagement_rate: computeEngagementRate(parsed) }
      },
      defaults: {
        views: 0,
        likes: 0,
        comments: 0,
        shares: 0,
        saves: 0,
        watch_time_seconds: 0,
        timestamp: now,
        created_at: now,
      },
    })
  }

  /**
   * getVideoHistory returns a video's snapshots oldest first (on one platform or all), one
   * keyset page at a time.
   */
  async getVideoHistory(
    videoId: string,
    filter: SnapshotHistoryFilter = {},
    page: PageRequest = {},
  ): Promise<Page<VideoMetrics>> {
    return snapshotHistoryList.page(this.db, filter, page, {}, (q) =>
      q.where('video_id', '=', videoId),
    )
  }

  /** getLatestMetrics returns a video's latest snapshot on each platform, by platform name. */
  async getLatestMetrics(videoId: string): Promise<LatestVideoMetrics[]> {
    const rows = await this.rowsWhere('latest_video_metrics', 'video_id', videoId, ['platform'])
    return latestVideoMetrics.codec.decodeAll(rows)
  }

  /**
   * listTopVideos returns the `limit` (default 10) videos with the highest engagement rate on a
   * platform, each by its latest snapshot, best first.
   */
  async listTopVideos(platform: string, limit = 10): Promise<LatestVideoMetrics[]> {
    const rows = await this.k
      .selectFrom('latest_video_metrics')
      .selectAll()
      .where('platform', '=', platform)
      .orderBy('engagement_rate', 'desc')
      .orderBy('video_id')
      .limit(parseInput(pageLimit, limit))
      .execute()
    return latestVideoMetrics.codec.decodeAll(rows)
  }

  /** summarizePlatforms totals the latest snapshot of every video per platform. */
  async summarizePlatforms(): Promise<PlatformSummary[]> {
    const rows = await this.db.query<PlatformSummary>(
      `SELECT platform, COUNT(*) AS videos, SUM(views) AS total_views, ROUND(AVG(engagement_rate), 4) AS avg_engagement_rate
FROM latest_video_metrics
GROUP BY platform
ORDER BY platform`,
    )
    return rows.map((r) => ({
      ...r,
      videos: Number(r.videos),
      total_views: Number(r.total_views),
      avg_engagement_rate: r.avg_engagement_rate === null ? null : Number(r.avg_engagement_rate),
    }))
  }

  // ── videos ──────────────────────────────────────────────────────────────

  /** addVideo stores a video's metadata; a known video_id throws ConflictError. */
  async addVideo(input: NewVideo): Promise<VideoMetadata> {
    return this.#videoRows.insert(parseInput(newVideoSchema, input))
  }

  /** getVideo returns a video's metadata, or throws NotFoundError. */
  async getVideo(videoId: string): Promise<VideoMetadata> {
    return this.#videoRows.get(videoId)
  }

  /** updateVideo changes a video's descriptive columns (title, paths, duration, …). */
  async updateVideo(videoId: string, patch: VideoPatch): Promise<VideoMetadata> {
    return this.#videoRows.update(videoId, parseInput(videoPatchSchema, patch))
  }

  /**
   * setVideoStatus moves a video forward in its lifecycle draft → rendered → posted → archived
   * (steps may be skipped; setting the current status again is a no-op). Moving backwards throws
   * ConflictError. Reaching `posted` sets posted_at (to `postedAt`, default now) unless it is
   * already set. The check and the change are one statement, so concurrent moves cannot undo
   * each other.
   */
  async setVideoStatus(
    videoId: string,
    status: VideoLifecycleStatus,
    postedAt?: string | Date,
  ): Promise<VideoMetadata> {
    const target = parseInput(videoLifecycleStatusSchema, status)
    const allowedFrom = VIDEO_STATUSES.slice(0, VIDEO_STATUSES.indexOf(target) + 1)
    const when = postedAt === undefined ? new Date() : parseTimestamp(postedAt, 'posted_at')
    const row = await this.db.run((k) =>
      k
        .updateTable('video_metadata')
        .set({
          status: target,
          ...(target === 'posted' ? { posted_at: sql<Date>`COALESCE(posted_at, ${when})` } : {}),
        })
        .where('video_id', '=', this.#videoRows.key(videoId))
        .where('status', 'in', allowedFrom)
        .returningAll()
        .executeTakeFirst(),
    )
    if (row) return videos.codec.decode(row)
    const current = await this.getVideo(videoId)
    throw new ConflictError(
      `video ${videoId} is ${current.status}; it cannot go back to ${target} (draft → rendered → posted → archived)`,
    )
  }

  /**
   * listVideos returns videos newest first, optionally of one status or topic, by keyset page.
   * With `options.q`, videos whose title, description or topic match, best match first;
   * `options.facets` (`status`, `topic`) counted over every video the filter and search let through.
   */
  readonly listVideos = videoList.reader(this.db)

  /** searchVideos finds videos by title, description or topic (docs/search.md), best first. */
  readonly searchVideos = videoList.searcher(this.db)
}
