import { z } from 'zod'
import { timestampInput } from '../../core/index.js'
import { aiArtistTables } from './tables.js'

// What the ai-artist repository accepts, derived from the table declarations: the HTTP API
// validates bodies with the same schemas.

const images = aiArtistTables.generated_images.insert

/** What `addImage` accepts: columns of `generated_images`; `filename`, `prompt`, `model_id` required. */
export const newImageSchema = images.omit({ updated_at: true })
export type NewImage = z.input<typeof newImageSchema>

/** What `updateImage` accepts: any column but id, created_at and updated_at. */
export const imagePatchSchema = images.omit({ created_at: true, updated_at: true }).partial()
export type ImagePatch = z.input<typeof imagePatchSchema>

/** What `listImages` filters by. */
export const imageFilterSchema = z.strictObject({
  status: images.shape.status,
  model_id: z.string().optional(),
  min_score: z.number().min(0).max(10).optional(),
  tag: z.string().optional(),
  featured: z.boolean().optional(),
  created_after: timestampInput.optional(),
  created_before: timestampInput.optional(),
})
export type ImageFilter = z.input<typeof imageFilterSchema>

/** What `startTraining` accepts. */
export const newTrainingSchema = aiArtistTables.training_sessions.insert.pick({
  name: true,
  model_path: true,
  config: true,
  dataset_size: true,
  started_at: true,
})
export type NewTrainingSession = z.input<typeof newTrainingSchema>

/** What `completeTraining` records. */
export const trainingResultSchema = aiArtistTables.training_sessions.insert.pick({
  final_loss: true,
  training_time_seconds: true,
  metrics: true,
  completed_at: true,
})
export type TrainingResult = z.input<typeof trainingResultSchema>

/** What `listTrainingSessions` filters by. */
export const trainingFilterSchema = z.strictObject({
  status: aiArtistTables.training_sessions.insert.shape.status,
})
export type TrainingFilter = z.input<typeof trainingFilterSchema>

/** What `startCreationSession` accepts. */
export const newCreationSchema = aiArtistTables.creation_sessions.insert.pick({
  theme: true,
  started_at: true,
})
export type NewCreationSession = z.input<typeof newCreationSchema>

/** What `completeCreationSession` records. */
export const creationResultSchema = aiArtistTables.creation_sessions.insert.pick({
  avg_score: true,
  completed_at: true,
})
export type CreationResult = z.input<typeof creationResultSchema>

/** A count added to a creation session. */
export const countSchema = z.number().int().min(0)
