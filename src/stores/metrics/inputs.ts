import { z } from 'zod'
import { defineList, filterOn, inputOf, inputWithout, type FilterOf } from '../../core/index.js'
import { metricsSearch, metricsTables } from './tables.js'

// What the metrics repository accepts, derived from the table declarations: the HTTP API
// validates bodies with the same schemas.

const { video_metrics: snapshots, video_metadata: videos } = metricsTables

/** What `recordSnapshot` accepts; engagement_rate is computed, never given. */
export const newSnapshotSchema = inputWithout(snapshots, ['engagement_rate', 'created_at'])
export type NewSnapshot = z.input<typeof newSnapshotSchema>

/** What `addVideo` accepts: `video_id` required; a new video starts as `draft` unless told. */
export const newVideoSchema = videos.insert
export type NewVideo = z.input<typeof newVideoSchema>

/** What `updateVideo` accepts: the descriptive columns (status moves through setVideoStatus). */
export const videoPatchSchema = inputOf(videos, [
  'title',
  'description',
  'topic',
  'script_path',
  'audio_path',
  'video_path',
  'duration_seconds',
])
export type VideoPatch = z.input<typeof videoPatchSchema>

/** A value the lists filter by (matched exactly, as given). */
const filterValue = z.string().min(1)

/** What `setVideoStatus` moves a video to. */
export const videoLifecycleStatusSchema = videos.insert.shape.status.unwrap()

/** `listVideos`: newest first, by status or topic; searchable. */
export const videoList = defineList({
  order: { sortColumn: 'created_at', direction: 'desc' },
  search: metricsSearch.video_metadata,
  filter: {
    status: filterOn.equal('status', videos.insert.shape.status),
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
