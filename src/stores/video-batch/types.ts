import type { ColumnType, Generated } from 'kysely'
import type { IMAGE_STATUSES, VIDEO_STATUSES } from './migrations.js'

export type ImageStatus = (typeof IMAGE_STATUSES)[number]
export type VideoStatus = (typeof VIDEO_STATUSES)[number]

type Timestamp = ColumnType<string, Date | undefined, Date>
type NullableTimestamp = ColumnType<string | null, Date | null | undefined, Date | null>
type Json = ColumnType<string | null, string | null | undefined, string | null>

/** The tables as stored (what Kysely sees). Rows returned to callers are decoded: see below. */
export interface VideoBatchTables {
  images: {
    id: Generated<number>
    timestamp: Timestamp
    original_filename: string
    original_path: string | null
    file_size_bytes: number | null
    upload_url: string | null
    uploaded_filename: string | null
    uploaded_path: string | null
    downloaded_size_bytes: number | null
    processing_time_seconds: number | null
    status: ColumnType<ImageStatus, ImageStatus | undefined, ImageStatus>
    error_message: string | null
    descriptive_name: string | null
    processed_path: string | null
    created_at: Timestamp
    updated_at: Timestamp
    origin_image_id: number | null
  }
  prompts: {
    id: Generated<number>
    image_id: number
    image_prompt: string | null
    video_prompt: string | null
    refined_video_prompt: string | null
    creative_video_prompt_1: string | null
    creative_video_prompt_2: string | null
    creative_video_prompt_3: string | null
    created_at: Timestamp
    updated_at: Timestamp
    source_file: string | null
  }
  videos: {
    id: Generated<number>
    image_id: number
    prompt_id: number | null
    video_filename: string | null
    video_path: string | null
    prompt_used: string | null
    prompt_type: ColumnType<string | null, string | null | undefined, string | null>
    generation_service: string | null
    generation_time_seconds: number | null
    file_size_bytes: number | null
    status: ColumnType<VideoStatus, VideoStatus | undefined, VideoStatus>
    error_message: string | null
    created_at: Timestamp
    metadata: Json
    claimed_at: NullableTimestamp
    claimed_by: string | null
    source_key: string | null
  }
}

/** Image is one row of `images`, decoded. Timestamps are ISO-8601 UTC on both engines. */
export interface Image {
  id: number
  timestamp: string
  original_filename: string
  original_path: string | null
  file_size_bytes: number | null
  upload_url: string | null
  uploaded_filename: string | null
  uploaded_path: string | null
  downloaded_size_bytes: number | null
  processing_time_seconds: number | null
  status: ImageStatus
  error_message: string | null
  descriptive_name: string | null
  processed_path: string | null
  created_at: string
  updated_at: string
  origin_image_id: number | null
}

/** PromptSet is one row of `prompts`: the prompt variations recorded for an image. */
export interface PromptSet {
  id: number
  image_id: number
  image_prompt: string | null
  video_prompt: string | null
  refined_video_prompt: string | null
  creative_video_prompt_1: string | null
  creative_video_prompt_2: string | null
  creative_video_prompt_3: string | null
  created_at: string
  updated_at: string
  /** The prompt JSON file it was imported from (genmedia's import identity), or null. */
  source_file: string | null
}

/** Video is one row of `videos`, decoded: `metadata` is parsed JSON. */
export interface Video {
  id: number
  image_id: number
  prompt_id: number | null
  video_filename: string | null
  video_path: string | null
  prompt_used: string | null
  prompt_type: string | null
  generation_service: string | null
  generation_time_seconds: number | null
  file_size_bytes: number | null
  status: VideoStatus
  error_message: string | null
  created_at: string
  metadata: Record<string, unknown> | null
  /** When a worker claimed it for generation (genmedia's claim), or null while queued. */
  claimed_at: string | null
  claimed_by: string | null
  /** The import identity of a video read from a generation log, or null. */
  source_key: string | null
}

/** LineageEntry is an image in another's ancestry or descendants, `depth` steps away (1 = parent or child). */
export interface LineageEntry extends Image {
  depth: number
}

/** ImageLineage is an image with its whole ancestry (nearest first) and all its descendants. */
export interface ImageLineage {
  image: Image
  ancestors: LineageEntry[]
  descendants: LineageEntry[]
}

/** Row of the seed's "Get all completed videos with their prompts". */
export interface CompletedVideoRow {
  video_id: number
  descriptive_name: string | null
  video_prompt: string | null
  video_filename: string | null
  generation_time_seconds: number | null
  status: VideoStatus
}

/** Row of the seed's "Get prompts without reference images (legacy)". */
export interface LegacyPromptRow {
  id: number
  video_prompt: string | null
  descriptive_name: string | null
}

/** Row of the seed's "Get video generation statistics". */
export interface VideoStatisticsRow {
  status: VideoStatus
  count: number
  avg_time: number | null
  avg_size: number | null
}

/** Row of the seed's "Get images with upload metadata". */
export interface UploadedImageRow {
  id: number
  descriptive_name: string | null
  upload_url: string | null
  file_size_bytes: number | null
  processing_time_seconds: number | null
  status: ImageStatus
}

/** Row of the seed's "Get generated images with their origin images". */
export interface GeneratedImageRow {
  id: number
  generated_image: string | null
  origin_image: string | null
  generation_date: string
}

/** Row of the seed's "Get image generation chains". */
export interface ImageChainRow {
  original_image_id: number
  original_image: string | null
  derivatives_count: number
}

/** Row of the seed's "Get all original images". */
export interface OriginalImageRow {
  id: number
  descriptive_name: string | null
  upload_url: string | null
  status: ImageStatus
  created_at: string
}

export interface ImageFilter {
  status?: ImageStatus
  origin_image_id?: number
}

export interface VideoFilter {
  status?: VideoStatus
  image_id?: number
  prompt_id?: number
}
