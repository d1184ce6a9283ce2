import { z } from 'zod'
import { jsonObject, timestampInput } from '../../core/index.js'
import { IMAGE_STATUSES } from './migrations.js'

// What the ai-artist repository accepts, as zod schemas: the HTTP API validates bodies with the
// same ones.

const score = (max: number) => z.number().min(0).max(max).nullable().optional()

/** What `addImage` accepts: columns of `generated_images`; `filename`, `prompt`, `model_id` required. */
export const newImageSchema = z.strictObject({
  filename: z.string().min(1),
  prompt: z.string().min(1),
  negative_prompt: z.string().nullable().optional(),
  source_url: z.string().nullable().optional(),
  source_query: z.string().nullable().optional(),
  model_id: z.string().min(1),
  generation_params: jsonObject.optional(),
  seed: z.number().int().nullable().optional(),
  aesthetic_score: score(10),
  clip_score: score(1),
  technical_score: score(1),
  final_score: score(10),
  diversity_score: z.number().nullable().optional(),
  status: z.enum(IMAGE_STATUSES).optional(),
  is_featured: z.boolean().optional(),
  tags: z.array(z.string()).optional(),
  created_at: timestampInput.optional(),
})
export type NewImage = z.input<typeof newImageSchema>

/** What `updateImage` accepts: any column but id, created_at and updated_at. */
export const imagePatchSchema = newImageSchema.omit({ created_at: true }).partial()
export type ImagePatch = z.input<typeof imagePatchSchema>

export const imageFilterSchema = z.strictObject({
  status: z.enum(IMAGE_STATUSES).optional(),
  model_id: z.string().optional(),
  min_score: z.number().min(0).max(10).optional(),
  tag: z.string().optional(),
  featured: z.boolean().optional(),
  created_after: timestampInput.optional(),
  created_before: timestampInput.optional(),
})

export const newTrainingSchema = z.strictObject({
  name: z.string().min(1),
  model_path: z.string().min(1),
  config: jsonObject.optional(),
  dataset_size: z.number().int().min(0).nullable().optional(),
  started_at: timestampInput.optional(),
})
export type NewTrainingSession = z.input<typeof newTrainingSchema>

export const trainingResultSchema = z.strictObject({
  final_loss: z.number().nullable().optional(),
  training_time_seconds: z.number().min(0).nullable().optional(),
  metrics: jsonObject.optional(),
  completed_at: timestampInput.optional(),
})
export type TrainingResult = z.input<typeof trainingResultSchema>

export const newCreationSchema = z.strictObject({
  theme: z.string().nullable().optional(),
  started_at: timestampInput.optional(),
})
