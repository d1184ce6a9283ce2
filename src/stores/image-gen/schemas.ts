import { z } from 'zod'
import { createCodec } from '../../core/index.js'
import { hasControlCharacter } from '../../storage/index.js'
import {
  ASPECT_RATIOS,
  CAMERA_ANGLES,
  GENERATION_METHODS,
  JOB_STATUSES,
  MAX_SHOTS,
  SHOT_TYPES,
  STYLES,
} from './migrations.js'
import type { GeneratedImage, GenerationJob, ReferenceImage, Session, User } from './types.js'

/** The largest image file accepted, in bytes (25 MiB). */
export const MAX_IMAGE_BYTES = 25 * 1024 * 1024

const id = z.number().int().positive()
const text = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .refine((s) => !hasControlCharacter(s), 'must not contain control characters')
const optionalText = (max: number) => text(max).nullable().optional()
const bytes = z
  .custom<Uint8Array>((v) => v instanceof Uint8Array, {
    message: 'must be the file bytes (a Buffer or Uint8Array)',
  })
  .refine((b) => b.byteLength > 0, 'is empty')
  .refine((b) => b.byteLength <= MAX_IMAGE_BYTES, `is larger than ${MAX_IMAGE_BYTES} bytes`)

export const userIdSchema = id
export const idSchema = id

export const newUserSchema = z.strictObject({
  email: z.string().trim().toLowerCase().pipe(z.email()),
  display_name: optionalText(200),
})
export type NewUser = z.input<typeof newUserSchema>

export const newSessionSchema = z.strictObject({ title: text(200).optional() })
export type NewSession = z.input<typeof newSessionSchema>

export const titleSchema = z.strictObject({ title: text(200) })

/** What `uploadReferenceImage` accepts. */
export const referenceUploadSchema = z.strictObject({
  /** The image bytes; width, height and MIME type are read from them. */
  file: bytes,
  /** The file's name as the user gave it (kept in `file_name`; sanitised in the key). */
  file_name: text(255),
  session_id: id.nullable().optional(),
})
export type ReferenceUpload = z.input<typeof referenceUploadSchema>

/** What `createGenerationJob` accepts: the prompt panel's fields. */
export const newJobSchema = z.strictObject({
  /** An existing session of the user; without it a new session is created. */
  session_id: id.optional(),
  /** The title of the new session when no `session_id` is given (default "New Session"). */
  session_title: text(200).optional(),
  prompt: text(10_000),
  shot_type: z.enum(SHOT_TYPES).nullable().optional(),
  camera_angle: z.enum(CAMERA_ANGLES).nullable().optional(),
  style: z.enum(STYLES).nullable().optional(),
  location: optionalText(500),
  lighting: optionalText(500),
  weather: optionalText(500),
  is_custom_enabled: z.boolean().optional(),
  aspect_ratio: z.enum(ASPECT_RATIOS).optional(),
  number_of_shots: z.number().int().min(1).max(MAX_SHOTS).optional(),
  model_used: optionalText(200),
  generation_method: z.enum(GENERATION_METHODS).nullable().optional(),
  /** Reference images of the same user to link to the job. */
  reference_image_ids: z.array(id).max(50).optional(),
})
export type NewGenerationJob = z.input<typeof newJobSchema>

/** One generated image handed to `recordGeneratedImages`. */
export const generatedImageInputSchema = z.strictObject({
  /** The image bytes; stored as JPEG (converted when they are another format). */
  file: bytes,
  prompt_used: optionalText(10_000),
  thumbnail_url: optionalText(2_000),
  /** Default: the next free index of the job. */
  generation_index: z.number().int().min(1).max(MAX_SHOTS).optional(),
})
export type GeneratedImageInput = z.input<typeof generatedImageInputSchema>

export const completionSchema = z.strictObject({
  model_used: optionalText(200),
  generation_method: z.enum(GENERATION_METHODS).nullable().optional(),
})
export type JobCompletion = z.input<typeof completionSchema>

export const jobFilterSchema = z.strictObject({ status: z.enum(JOB_STATUSES).optional() })
export type JobFilter = z.input<typeof jobFilterSchema>

export const users = createCodec<User>({ timestamp: ['created_at'] })
export const sessions = createCodec<Session>({ timestamp: ['created_at', 'updated_at'] })
export const references = createCodec<ReferenceImage>({ timestamp: ['uploaded_at'] })
export const jobs = createCodec<GenerationJob>({
  boolean: ['is_custom_enabled'],
  timestamp: ['started_at', 'completed_at', 'created_at', 'updated_at'],
})
export const images = createCodec<GeneratedImage>({ timestamp: ['created_at'] })

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
export const generatedPromptSchema = z.strictObject({ generated_prompt: text(10_000) })
export const failureSchema = z.strictObject({ error_message: text(10_000) })
