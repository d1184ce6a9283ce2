import { z } from 'zod'
import { defineList, filterOn, inputOf, type FilterOf } from '../../core/index.js'
import { PROMPT_COLUMNS } from './migrations.js'
import { videoBatchSearch, videoBatchTables } from './tables.js'

// What the video-batch repository accepts, derived from the table declarations: the HTTP API
// validates bodies with the same schemas. Names are the store's own (the package exports every
// store's names together).

const { images, prompts, videos } = videoBatchTables

/** What `registerUpload` and `deriveImage` accept: an image about to be uploaded (pending). */
export const newUploadSchema = inputOf(images, [
  'original_filename',
  'original_path',
  'file_size_bytes',
  'descriptive_name',
  'origin_image_id',
  'timestamp',
  'created_at',
])
export type NewUpload = z.input<typeof newUploadSchema>

/** What `completeUpload` accepts: where the upload went, and how long it took. */
export const uploadResultSchema = inputOf(images, [
  'upload_url',
  'uploaded_filename',
  'uploaded_path',
  'downloaded_size_bytes',
  'processing_time_seconds',
  'processed_path',
  'descriptive_name',
])
export type UploadResult = z.input<typeof uploadResultSchema>

/** What `failUpload` accepts: the error (required) and how long the attempt took. */
export const uploadFailureSchema = inputOf(images, ['error_message', 'processing_time_seconds'], {
  required: ['error_message'],
})
export type UploadFailure = z.input<typeof uploadFailureSchema>

type PromptColumn = (typeof PROMPT_COLUMNS)[number]

/** What `updatePromptSet` accepts: any of the prompt variations. */
export const promptPatchSchema = inputOf(prompts, PROMPT_COLUMNS)
export type PromptPatch = z.input<typeof promptPatchSchema>

/** What `addPromptSet` accepts: the image and any of its prompt variations. */
export const newPromptSetSchema = inputOf(prompts, [
  'image_id',
  ...PROMPT_COLUMNS,
  'source_file',
  'created_at',
])
export type NewPromptSet = z.input<typeof newPromptSetSchema>

/**
 * The prompt column each `prompt_type` reads when `queueVideo` gets no `prompt_used` (genmedia's
 * convention; other types need `prompt_used`).
 */
export const PROMPT_TYPE_COLUMNS = {
  base: 'video_prompt',
  refined: 'refined_video_prompt',
  creative_1: 'creative_video_prompt_1',
  creative_2: 'creative_video_prompt_2',
  creative_3: 'creative_video_prompt_3',
  image: 'image_prompt',
} as const satisfies Record<string, PromptColumn>

/** What `queueVideo` accepts: the prompt set to generate from and how. */
export const queueVideoSchema = inputOf(
  videos,
  ['prompt_id', 'prompt_type', 'prompt_used', 'generation_service', 'metadata'],
  { required: ['prompt_id'] },
)
export type QueuedVideo = z.input<typeof queueVideoSchema>

/** What `completeVideo` accepts: the generated file, its size and timing. */
export const videoResultSchema = inputOf(
  videos,
  [
    'video_filename',
    'video_path',
    'file_size_bytes',
    'generation_time_seconds',
    'generation_service',
    'metadata',
  ],
  { required: ['video_filename'] },
)
export type VideoResult = z.input<typeof videoResultSchema>

/** What `failVideo` accepts: the error (required), timing and metadata. */
export const videoFailureSchema = inputOf(
  videos,
  ['error_message', 'generation_time_seconds', 'metadata'],
  { required: ['error_message'] },
)
export type VideoFailure = z.input<typeof videoFailureSchema>

/** A row id as a query string gives it. */
const idQuery = z.coerce.number().int().positive()

/** `listImages`: newest first (by id), by status or origin image; searchable. */
export const videoBatchImageList = defineList({
  order: { sortColumn: 'id', direction: 'desc' },
  search: videoBatchSearch.images,
  filter: {
    status: filterOn.equal('status', images.insert.shape.status),
    origin_image_id: filterOn.equal(
      'origin_image_id',
      images.columns.origin_image_id.input,
      idQuery,
    ),
  },
})
// Prefixed: other stores export an ImageFilter too.
export type VideoBatchImageFilter = FilterOf<typeof videoBatchImageList>

/** `listVideos`: newest first (by id), by status, image or prompt set. */
export const videoBatchVideoList = defineList({
  table: videoBatchTables.videos,
  order: { sortColumn: 'id', direction: 'desc' },
  filter: {
    status: filterOn.equal('status', videos.insert.shape.status),
    image_id: filterOn.equal('image_id', videos.insert.shape.image_id, idQuery),
    prompt_id: filterOn.equal('prompt_id', videos.columns.prompt_id.input, idQuery),
  },
})
export type VideoFilter = FilterOf<typeof videoBatchVideoList>

const CENTURY_SECONDS = 100 * 365 * 86_400

/**
 * How long ago a stale claim was made, in seconds (`releaseStaleClaims`; negative: every claim
 * up to that far in the future): within 100 years, past which the time is not one both engines
 * store. The HTTP API takes 0 or more.
 */
export const claimAgeSchema = z.number().min(-CENTURY_SECONDS).max(CENTURY_SECONDS)
