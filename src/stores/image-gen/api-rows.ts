import { z } from 'zod'
import { isoTimestamp } from '../../core/index.js'
import {
  ASPECT_RATIOS,
  CAMERA_ANGLES,
  GENERATION_METHODS,
  JOB_STATUSES,
  SHOT_TYPES,
  STYLES,
} from './migrations.js'

// The image-gen store's rows as its HTTP API answers them: the response schemas of api.ts, from
// which the OpenAPI document is generated.

const rowId = z.number().int()

export const userSchema = z.object({
  id: rowId,
  email: z.string(),
  display_name: z.string().nullable(),
  created_at: isoTimestamp,
})

export const sessionSchema = z.object({
  id: rowId,
  user_id: rowId,
  title: z.string(),
  thumbnail_url: z.string().nullable(),
  generated_count: z.number().int(),
  created_at: isoTimestamp,
  updated_at: isoTimestamp,
})

export const referenceImageSchema = z.object({
  id: rowId,
  user_id: rowId,
  session_id: rowId.nullable(),
  gcp_bucket_path: z.string(),
  gcp_url: z.string(),
  file_name: z.string(),
  file_size: z.number().int(),
  mime_type: z.string(),
  width: z.number().int().nullable(),
  height: z.number().int().nullable(),
  uploaded_at: isoTimestamp,
})

export const generationJobSchema = z.object({
  id: rowId,
  user_id: rowId,
  session_id: rowId.nullable(),
  prompt: z.string(),
  generated_prompt: z.string().nullable(),
  shot_type: z.enum(SHOT_TYPES).nullable(),
  camera_angle: z.enum(CAMERA_ANGLES).nullable(),
  style: z.enum(STYLES).nullable(),
  location: z.string().nullable(),
  lighting: z.string().nullable(),
  weather: z.string().nullable(),
  is_custom_enabled: z.boolean(),
  aspect_ratio: z.enum(ASPECT_RATIOS),
  number_of_shots: z.number().int(),
  model_used: z.string().nullable(),
  status: z.enum(JOB_STATUSES),
  error_message: z.string().nullable(),
  generation_method: z.enum(GENERATION_METHODS).nullable(),
  started_at: isoTimestamp.nullable(),
  completed_at: isoTimestamp.nullable(),
  created_at: isoTimestamp,
  updated_at: isoTimestamp,
})

export const generationJobWithReferencesSchema = generationJobSchema.extend({
  reference_image_urls: z.array(z.string()),
})

export const generatedImageSchema = z.object({
  id: rowId,
  generation_job_id: rowId,
  user_id: rowId,
  session_id: rowId.nullable(),
  gcp_bucket_path: z.string(),
  gcp_url: z.string(),
  thumbnail_url: z.string().nullable(),
  file_name: z.string(),
  file_size: z.number().int(),
  mime_type: z.string(),
  width: z.number().int().nullable(),
  height: z.number().int().nullable(),
  prompt_used: z.string().nullable(),
  generation_index: z.number().int(),
  created_at: isoTimestamp,
})
