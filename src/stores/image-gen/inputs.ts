import { z } from 'zod'
import { defineList, filterOn, inputOf, type FilterOf } from '../../core/index.js'
import { MAX_SHOTS } from './migrations.js'
import { imageGenSearch, tables } from './tables.js'

// What the image-gen repository accepts, derived from the table declarations: the HTTP API
// validates bodies with the same schemas.

/** The largest image file accepted, in bytes (25 MiB). */
export const MAX_IMAGE_BYTES = 25 * 1024 * 1024

/** The id of a row (a user, a session, a job, an image). */
export const idSchema = z.number().int().positive()
export const userIdSchema = idSchema

const bytes = z
  .custom<Uint8Array>((v) => v instanceof Uint8Array, {
    message: 'must be the file bytes (a Buffer or Uint8Array)',
  })
  .refine((b) => b.byteLength > 0, 'is empty')
  .refine((b) => b.byteLength <= MAX_IMAGE_BYTES, `is larger than ${MAX_IMAGE_BYTES} bytes`)

const { users, sessions, reference_images, generation_jobs, generated_images } = tables

/** What `createUser` accepts: the email (trimmed, lower-cased) and an optional display name. */
export const newUserSchema = inputOf(users, ['email', 'display_name'])
export type NewUser = z.input<typeof newUserSchema>

/** What `createSession` accepts: an optional title (default "New Session"). */
export const newSessionSchema = inputOf(sessions, ['title'])
export type NewSession = z.input<typeof newSessionSchema>

/** What `renameSession` accepts. */
export const titleSchema = z.strictObject({ title: sessions.columns.title.input })

/** What `uploadReferenceImage` accepts. */
export const referenceUploadSchema = z.strictObject({
  /** The image bytes; width, height and MIME type are read from them. */
  file: bytes,
  ...inputOf(reference_images, ['file_name', 'session_id']).shape,
})
export type ReferenceUpload = z.input<typeof referenceUploadSchema>

/** What `createGenerationJob` accepts: the prompt panel's fields. */
export const newJobSchema = z.strictObject({
  /** An existing session of the user; without it a new session is created. */
  session_id: idSchema.optional(),
  /** The title of the new session when no `session_id` is given (default "New Session"). */
  session_title: newSessionSchema.shape.title,
  ...inputOf(generation_jobs, [
    'prompt',
    'shot_type',
    'camera_angle',
    'style',
    'location',
    'lighting',
    'weather',
    'is_custom_enabled',
    'aspect_ratio',
    'number_of_shots',
    'model_used',
    'generation_method',
  ]).shape,
  /** Reference images of the same user to link to the job. */
  reference_image_ids: z.array(idSchema).max(50).optional(),
})
export type NewGenerationJob = z.input<typeof newJobSchema>

/** One generated image handed to `recordGeneratedImages`. */
export const generatedImageInputSchema = z.strictObject({
  /** The image bytes; stored as JPEG (converted when they are another format). */
  file: bytes,
  ...inputOf(generated_images, ['prompt_used', 'thumbnail_url']).shape,
  /** Default: the next free index of the job. */
  generation_index: generated_images.columns.generation_index.input.optional(),
})
export type GeneratedImageInput = z.input<typeof generatedImageInputSchema>

/** A batch of generated images: at least one, at most MAX_SHOTS, indices distinct. */
export const generatedBatchSchema = z.strictObject({
  images: z
    .array(generatedImageInputSchema)
    .min(1)
    .max(MAX_SHOTS)
    .refine((list) => {
      const given = list.flatMap((i) => (i.generation_index ? [i.generation_index] : []))
      return new Set(given).size === given.length
    }, 'generation_index values must be distinct'),
})

/** What `completeJob` records: the model and method used, when known. */
export const completionSchema = inputOf(generation_jobs, ['model_used', 'generation_method'])
export type JobCompletion = z.input<typeof completionSchema>

/** `listUsers`: every user in id order (for admins). */
export const userList = defineList({ table: users, order: { sortColumn: 'id', direction: 'asc' } })

/** `listSessions`: a user's sessions, most recently active first. */
export const sessionList = defineList({
  table: sessions,
  order: { sortColumn: 'updated_at', direction: 'desc' },
})

/** `listReferenceImages`: a user's uploads, newest first. */
export const referenceImageList = defineList({
  table: reference_images,
  order: { sortColumn: 'uploaded_at', direction: 'desc' },
})

/** `listJobs`: a user's jobs, newest first, optionally of one status; searchable. */
export const jobList = defineList({
  order: { sortColumn: 'created_at', direction: 'desc' },
  search: imageGenSearch.generation_jobs,
  filter: { status: filterOn.equal('status', generation_jobs.insert.shape.status) },
})
export type JobFilter = FilterOf<typeof jobList>

/** `listGeneratedImages`: a user's generated images, newest first; searchable. */
export const generatedImageList = defineList({
  order: { sortColumn: 'created_at', direction: 'desc' },
  search: imageGenSearch.generated_images,
})

/** What `recordGeneratedPrompt` records. */
export const generatedPromptSchema = z.strictObject({
  generated_prompt: generation_jobs.columns.generated_prompt.input,
})

/** What `failJob` records. */
export const failureSchema = z.strictObject({
  error_message: generation_jobs.columns.error_message.input,
})
