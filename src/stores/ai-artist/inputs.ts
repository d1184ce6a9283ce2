import { z } from 'zod'
import {
  defineList,
  filterOn,
  parseTimestamp,
  timestampInput,
  type FilterOf,
} from '../../core/index.js'
import { aiArtistSearch, aiArtistTables } from './tables.js'

// What the ai-artist repository accepts, derived from the table declarations: the HTTP API
// validates bodies with the same schemas.

const images = aiArtistTables.generated_images.insert

/** What `addImage` accepts: columns of `generated_images`; `filename`, `prompt`, `model_id` required. */
export const newImageSchema = images.omit({ updated_at: true })
export type NewImage = z.input<typeof newImageSchema>

/** What `updateImage` accepts: any column but id, created_at and updated_at. */
export const imagePatchSchema = images.omit({ created_at: true, updated_at: true }).partial()
export type ImagePatch = z.input<typeof imagePatchSchema>

const score = z.number().min(0).max(10)

/**
 * `listImages`: newest first, by status, model, minimum final score, tag, featured flag and
 * creation time (from `created_after`, before `created_before`); searchable.
 */
export const imageList = defineList({
  order: { sortColumn: 'created_at', direction: 'desc' },
  search: aiArtistSearch.generated_images,
  filter: {
    status: filterOn.equal('status', images.shape.status),
    model_id: filterOn.equal('model_id', z.string()),
    min_score: filterOn.atLeast('final_score', score, z.coerce.number().min(0).max(10)),
    tag: filterOn.custom(z.string(), z.string(), (q, tag, db) =>
      q.where(db.dialect.jsonArrayContains('tags', tag)),
    ),
    featured: filterOn.equal('is_featured', z.boolean(), z.stringbool()),
    created_after: filterOn.custom(timestampInput, z.string(), (q, t) =>
      q.where('created_at', '>=', parseTimestamp(t, 'created_after')),
    ),
    created_before: filterOn.custom(timestampInput, z.string(), (q, t) =>
      q.where('created_at', '<', parseTimestamp(t, 'created_before')),
    ),
  },
})
export type ImageFilter = FilterOf<typeof imageList>

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

/** `listTrainingSessions`: newest first, optionally of one status. */
export const trainingList = defineList({
  table: aiArtistTables.training_sessions,
  order: { sortColumn: 'started_at', direction: 'desc' },
  filter: {
    status: filterOn.equal('status', aiArtistTables.training_sessions.insert.shape.status),
  },
})
export type TrainingFilter = FilterOf<typeof trainingList>

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

/** `listCreationSessions`: newest first. */
export const creationList = defineList({
  table: aiArtistTables.creation_sessions,
  order: { sortColumn: 'started_at', direction: 'desc' },
})

/** A count added to a creation session. */
export const countSchema = z.number().int().min(0)
