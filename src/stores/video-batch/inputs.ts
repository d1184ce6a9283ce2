import { z } from 'zod'
import { defineList, filterOn, type FilterOf } from '../../core/index.js'
import { PROMPT_COLUMNS } from './migrations.js'
import { videoBatchSearch, videoBatchTables } from './tables.js'

// What the video-batch repository accepts, derived from the table declarations: the HTTP API
// validates bodies with the same schemas. Names are the store's own (the package exports every
// store's names together).

const images = videoBatchTables.images.insert
const prompts = videoBatchTables.prompts.insert
const videos = videoBatchTables.videos.insert

/** required is a nullable column's input as a step needs it: given, and not null. */
function required<T extends z.ZodType>(field: z.ZodOptional<z.ZodNullable<T>>): T {
  return field.unwrap().unwrap()
}

/** What `registerUpload` and `deriveImage` accept: an image about to be uploaded (pending). */
export const newUploadSchema = images.pick({
  original_filename: true,
  original_path: true,
  file_size_bytes: true,
  descriptive_name: true,
  origin_image_id: true,
  timestamp: true,
  created_at: true,
})
export type NewUpload = z.input<typeof newUploadSchema>

/** What `completeUpload` accepts: where the upload went, and how long it took. */
export const uploadResultSchema = images.pick({
  upload_url: true,
  uploaded_filename: true,
  uploaded_path: true,
  downloaded_size_bytes: true,
  processing_time_seconds: true,
  processed_path: true,
  descriptive_name: true,
})
export type UploadResult = z.input<typeof uploadResultSchema>

/** What `failUpload` accepts: the error (required) and how long the attempt took. */
export const uploadFailureSchema = images
  .pick({ error_message: true, processing_time_seconds: true })
  .extend({ error_message: required(images.shape.error_message) })
export type UploadFailure = z.input<typeof uploadFailureSchema>

type PromptColumn = (typeof PROMPT_COLUMNS)[number]

const promptMask = Object.fromEntries(PROMPT_COLUMNS.map((c) => [c, true])) as Record<
  PromptColumn,
  true
>

/** What `updatePromptSet` accepts: any of the prompt variations. */
export const promptPatchSchema = prompts.pick(promptMask)
export type PromptPatch = z.input<typeof promptPatchSchema>

/** What `addPromptSet` accepts: the image and any of its prompt variations. */
export const newPromptSetSchema = prompts.pick({
  image_id: true,
  ...promptMask,
  source_file: true,
  created_at: true,
})
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
export const queueVideoSchema = videos
  .pick({
    prompt_id: true,
    prompt_type: true,
    prompt_used: true,
    generation_service: true,
    metadata: true,
  })
  .extend({ prompt_id: required(videos.shape.prompt_id) })
export type QueuedVideo = z.input<typeof queueVideoSchema>

/** What `completeVideo` accepts: the generated file, its size and timing. */
export const videoResultSchema = videos
  .pick({
    video_filename: true,
    video_path: true,
    file_size_bytes: true,
    generation_time_seconds: true,
    generation_service: true,
    metadata: true,
  })
  .extend({ video_filename: required(videos.shape.video_filename) })
export type VideoResult = z.input<typeof videoResultSchema>

/** What `failVideo` accepts: the error (required), timing and metadata. */
export const videoFailureSchema = videos
  .pick({ error_message: true, generation_time_seconds: true, metadata: true })
  .extend({ error_message: required(videos.shape.error_message) })
export type VideoFailure = z.input<typeof videoFailureSchema>

/** A row id as a query string gives it. */
const idQuery = z.coerce.number().int().positive()

/** `listImages`: newest first (by id), by status or origin image; searchable. */
export const videoBatchImageList = defineList({
  order: { sortColumn: 'id', direction: 'desc' },
  search: videoBatchSearch.images,
  filter: {
    status: filterOn.equal('status', images.shape.status),
    origin_image_id: filterOn.equal(
      'origin_image_id',
      required(images.shape.origin_image_id),
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
    status: filterOn.equal('status', videos.shape.status),
    image_id: filterOn.equal('image_id', videos.shape.image_id, idQuery),
    prompt_id: filterOn.equal('prompt_id', required(videos.shape.prompt_id), idQuery),
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
