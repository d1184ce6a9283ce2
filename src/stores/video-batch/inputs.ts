import { z } from 'zod'
import { jsonObject, timestampInput } from '../../core/index.js'
import { IMAGE_STATUSES, VIDEO_STATUSES } from './migrations.js'

/**
 * The input schemas of the video-batch store, shared by the repository and the importer so both
 * refuse the same values with the same messages.
 */

/** statusOf accepts exactly `values`; anything else is refused naming the value and the choices. */
export function statusOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, {
    error: (issue) =>
      `unknown status ${JSON.stringify(issue.input)}; expected one of ${values.join(', ')}`,
  })
}

export const text = z.string().nullable().optional()
export const bytes = z.number().int().min(0).nullable().optional()
export const seconds = z.number().min(0).nullable().optional()
export const id = z.number().int().positive()

/** What `registerUpload` and `deriveImage` accept: an image about to be uploaded (pending). */
export const newUploadSchema = z.strictObject({
  original_filename: z.string().min(1),
  original_path: text,
  file_size_bytes: bytes,
  descriptive_name: text,
  origin_image_id: id.nullable().optional(),
  timestamp: timestampInput.optional(),
  created_at: timestampInput.optional(),
})
export type NewUpload = z.input<typeof newUploadSchema>

/** What `completeUpload` accepts: where the upload went, and how long it took. */
export const uploadResultSchema = z.strictObject({
  upload_url: text,
  uploaded_filename: text,
  uploaded_path: text,
  downloaded_size_bytes: bytes,
  processing_time_seconds: seconds,
  processed_path: text,
  descriptive_name: text,
})
export type UploadResult = z.input<typeof uploadResultSchema>

export const uploadFailureSchema = z.strictObject({
  error_message: z.string().min(1),
  processing_time_seconds: seconds,
})
export type UploadFailure = z.input<typeof uploadFailureSchema>

/** The prompt columns of a prompt set (seed 000: "Prompt variations"). */
export const PROMPT_COLUMNS = [
  'image_prompt',
  'video_prompt',
  'refined_video_prompt',
  'creative_video_prompt_1',
  'creative_video_prompt_2',
  'creative_video_prompt_3',
] as const

const promptFields = Object.fromEntries(PROMPT_COLUMNS.map((c) => [c, text])) as Record<
  (typeof PROMPT_COLUMNS)[number],
  typeof text
>

/** What `addPromptSet` accepts: the image and any of its prompt variations. */
export const newPromptSetSchema = z.strictObject({
  image_id: id,
  ...promptFields,
  source_file: text,
  created_at: timestampInput.optional(),
})
export type NewPromptSet = z.input<typeof newPromptSetSchema>

export const promptPatchSchema = z.strictObject(promptFields)
export type PromptPatch = z.input<typeof promptPatchSchema>

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
} as const

/** What `queueVideo` accepts: the prompt set to generate from and how. */
export const queueVideoSchema = z.strictObject({
  prompt_id: id,
  prompt_type: z.string().min(1).optional(),
  prompt_used: text,
  generation_service: text,
  metadata: jsonObject.optional(),
})
export type QueuedVideo = z.input<typeof queueVideoSchema>

/** What `completeVideo` accepts: the generated file, its size and timing. */
export const videoResultSchema = z.strictObject({
  video_filename: z.string().min(1),
  video_path: text,
  file_size_bytes: bytes,
  generation_time_seconds: seconds,
  generation_service: text,
  metadata: jsonObject.optional(),
})
export type VideoResult = z.input<typeof videoResultSchema>

export const videoFailureSchema = z.strictObject({
  error_message: z.string().min(1),
  generation_time_seconds: seconds,
  metadata: jsonObject.optional(),
})
export type VideoFailure = z.input<typeof videoFailureSchema>

export const imageFilterSchema = z.strictObject({
  status: statusOf(IMAGE_STATUSES).optional(),
  origin_image_id: id.optional(),
})

export const videoFilterSchema = z.strictObject({
  status: statusOf(VIDEO_STATUSES).optional(),
  image_id: id.optional(),
  prompt_id: id.optional(),
})
