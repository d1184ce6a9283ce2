import { z } from 'zod'
import { defineList, filterOn, type FilterOf } from '../../core/index.js'
import { metricsSearch, metricsTables } from './tables.js'

// What the metrics repository accepts, derived from the table declarations: the HTTP API
// validates bodies with the same schemas.

/** What `recordSnapshot` accepts; engagement_rate is computed, never given. */
export const newSnapshotSchema = metricsTables.video_metrics.insert.omit({
  engagement_rate: true,
  created_at: true,
})
export type NewSnapshot = z.input<typeof newSnapshotSchema>

const videos = metricsTables.video_metadata.insert

/** What `addVideo` accepts: `video_id` required; a new video starts as `draft` unless told. */
export const newVideoSchema = videos
export type NewVideo = z.input<typeof newVideoSchema>

/** What `updateVideo` accepts: the descriptive columns (status moves through setVideoStatus). */
export const videoPatchSchema = videos.pick({
  title: true,
  description: true,
  topic: true,
  script_path: true,
  audio_path: true,
  video_path: true,
  duration_seconds: true,
})
export type VideoPatch = z.input<typeof videoPatchSchema>

/** A value the lists filter by (matched exactly, as given). */
const filterValue = z.string().min(1)

/** What `setVideoStatus` moves a video to. */
export const videoLifecycleStatusSchema = videos.shape.status.unwrap()

/** `listVideos`: newest first, by status or topic; searchable. */
export const videoList = defineList({
  order: { sortColumn: 'created_at', direction: 'desc' },
  search: metricsSearch.video_metadata,
  filter: {
    status: filterOn.equal('status', videos.shape.status),
    topic: filterOn.equal('topic', filterValue),
  },
})
export type VideoMetadataFilter = FilterOf<typeof videoList>

/** `getVideoHistory`: a video's snapshots oldest first, on one platform or all. */
export const snapshotHistoryList = defineList({
  table: metricsTables.video_metrics,
  order: { sortColumn: 'timestamp', direction: 'asc' },
  filter: { platform: filterOn.equal('platform', filterValue) },
})
export type SnapshotHistoryFilter = FilterOf<typeof snapshotHistoryList>
