import { z } from 'zod'
import {
  col,
  timestamps,
  sameColumns,
  defineRow,
  pickColumns,
  defineTables,
  summaryColumns,
  jobColumns,
  jobTableColumns,
  type Row,
  type TablesOf,
  defineSearch,
} from '../../core/index.js'
import { IMAGE_STATUSES, PROMPT_COLUMNS, VIDEO_STATUSES, videoStatusTotals } from './migrations.js'

/** statusOf accepts exactly `values`; anything else is refused naming the value and the choices. */
function statusOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, {
    error: (issue) =>
      `unknown status ${JSON.stringify(issue.input)}; expected one of ${values.join(', ')}`,
  })
}

/**
 * Where an image's upload or a video's generation stands (seed 000): its status, one of
 * `values` (the seed's CHECK), 'pending' by default, and the error of a failed one.
 */
const outcome = <const T extends readonly [string, ...string[]]>(values: T) => ({
  status: col
    .enum(values)
    .defaulted()
    .check(() => statusOf(values)),
  error_message: col.given(),
})

/**
 * The video-batch store's tables (seed 000 and genmedia's additions), each column once, as the
 * migrations create them. Named apart from other stores' `tables`: the package exports every
 * store's names together.
 */
export const videoBatchTables = defineTables({
  images: {
    id: col.id(),
    timestamp: col.timestamp().defaulted(),
    original_filename: col.key().check((s) => s.min(1)),
    original_path: col.text().nullable(),
    file_size_bytes: col.count(),
    upload_url: col.text().nullable(),
    uploaded_filename: col.key().nullable(),
    uploaded_path: col.text().nullable(),
    downloaded_size_bytes: col.count(),
    processing_time_seconds: col.measure(),
    ...outcome(IMAGE_STATUSES),
    descriptive_name: col.key().nullable(),
    processed_path: col.text().nullable(),
    ...timestamps,
    origin_image_id: col.reference().nullable(),
  },
  prompts: {
    id: col.id(),
    image_id: col.reference(),
    ...sameColumns(PROMPT_COLUMNS, col.text().nullable()),
    ...timestamps,
    /** The prompt JSON file it was imported from (genmedia's import identity), or null. */
    source_file: col.key().nullable(),
  },
  videos: {
    id: col.id(),
    image_id: col.reference(),
    prompt_id: col.reference().nullable(),
    video_filename: col.given(),
    video_path: col.text().nullable(),
    prompt_used: col.text().nullable(),
    // 'base' by default; genmedia never writes it NULL.
    prompt_type: col
      .text()
      .nullable({ inWrites: false })
      .defaulted()
      .check((s) => s.min(1)),
    generation_service: col.text().nullable(),
    generation_time_seconds: col.measure(),
    file_size_bytes: col.count(),
    ...outcome(VIDEO_STATUSES),
    created_at: col.timestamp().defaulted(),
    // Written as an object or left NULL; inputs give an object (merged into the stored one).
    metadata: col.object().nullable({ inWrites: false }),
    /** When a worker claimed it for generation (genmedia's claim), or null while queued. */
    claimed_at: col.timestamp().nullable(),
    claimed_by: col.text().nullable(),
    /** The import identity of a video read from a generation log, or null. */
    source_key: col.key().nullable(),
    /** The job runtime's lease, attempts, retry time, cancellation, progress and provider. */
    ...jobColumns,
  },
  /** Every attempt of a video's generation and how it ended; per-provider limits (docs/worker.md). */
  ...jobTableColumns,
  /**
   * Per video status, the totals behind getVideoStatistics; kept by triggers (migrations 5 and
   * 7), a row per status and writing connection (`shard`): a status's totals are its rows' sums.
   */
  video_status_totals: summaryColumns(
    videoStatusTotals,
    { status: col.enum(VIDEO_STATUSES) },
    'sharded',
  ),
})

/**
 * What full-text search reads (docs/search.md): images by their descriptive name and file
 * names, prompt sets by every prompt variation; the columns a list counts by value.
 */
export const videoBatchSearch = {
  images: defineSearch(videoBatchTables.images, {
    columns: ['descriptive_name', 'original_filename', 'uploaded_filename'],
    facets: ['status'],
  }),
  prompts: defineSearch(videoBatchTables.prompts, { columns: PROMPT_COLUMNS }),
}

/** The tables as Kysely sees them. */
export type VideoBatchTables = TablesOf<typeof videoBatchTables>

// Prefixed: other stores export an ImageStatus too.
export type VideoBatchImageStatus = (typeof IMAGE_STATUSES)[number]
export type VideoStatus = (typeof VIDEO_STATUSES)[number]

/** Image is one row of `images`, decoded. Timestamps are ISO-8601 UTC on both engines. */
export type Image = Row<typeof videoBatchTables.images>
/** PromptSet is one row of `prompts`: the prompt variations recorded for an image. */
export type PromptSet = Row<typeof videoBatchTables.prompts>
/** Video is one row of `videos`, decoded: `metadata` is parsed JSON. */
export type Video = Row<typeof videoBatchTables.videos>

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

// ── the rows of the seed's Common Queries ─────────────────────────────────

const image = videoBatchTables.images.columns
const prompt = videoBatchTables.prompts.columns
const video = videoBatchTables.videos.columns

/** Row of the seed's "Get all completed videos with their prompts". */
export const completedVideoRow = defineRow({
  video_id: col.integer(),
  descriptive_name: image.descriptive_name,
  video_prompt: prompt.video_prompt,
  ...pickColumns(video, ['video_filename', 'generation_time_seconds', 'status']),
})
export type CompletedVideoRow = Row<typeof completedVideoRow>

/** Row of the seed's "Get prompts without reference images (legacy)". */
export const legacyPromptRow = defineRow({
  id: col.integer(),
  video_prompt: prompt.video_prompt,
  descriptive_name: image.descriptive_name,
})
export type LegacyPromptRow = Row<typeof legacyPromptRow>

/** Row of the seed's "Get video generation statistics". */
export const videoStatisticsRow = defineRow({
  status: col.enum(VIDEO_STATUSES),
  count: col.integer(),
  avg_time: col.real().nullable(),
  avg_size: col.real().nullable(),
})
export type VideoStatisticsRow = Row<typeof videoStatisticsRow>

/** Row of the seed's "Get images with upload metadata". */
export const uploadedImageRow = defineRow({
  id: col.integer(),
  ...pickColumns(image, [
    'descriptive_name',
    'upload_url',
    'file_size_bytes',
    'processing_time_seconds',
    'status',
  ]),
})
export type UploadedImageRow = Row<typeof uploadedImageRow>

/** Row of the seed's "Get generated images with their origin images". */
export const generatedImageRow = defineRow({
  id: col.integer(),
  generated_image: col.text().nullable(),
  origin_image: col.text().nullable(),
  generation_date: col.timestamp(),
})
export type GeneratedImageRow = Row<typeof generatedImageRow>

/** Row of the seed's "Get image generation chains". */
export const imageChainRow = defineRow({
  original_image_id: col.integer(),
  original_image: col.text().nullable(),
  derivatives_count: col.integer(),
})
export type ImageChainRow = Row<typeof imageChainRow>

/** Row of the seed's "Get all original images". */
export const originalImageRow = defineRow({
  id: col.integer(),
  ...pickColumns(image, ['descriptive_name', 'upload_url', 'status', 'created_at']),
})
export type OriginalImageRow = Row<typeof originalImageRow>
