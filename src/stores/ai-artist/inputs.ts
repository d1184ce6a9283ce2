import { z } from 'zod'
import {
  defineList,
  filterOn,
  inputOf,
  inputWithout,
  parseTimestamp,
  timestampInput,
  type FilterOf,
} from '../../core/index.js'
import { aiArtistSearch, aiArtistTables } from './tables.js'

// What the ai-artist repository accepts, derived from the table declarations: the HTTP API
// validates bodies with the same schemas.

const {
  generated_images: images,
  training_sessions: trainings,
  creation_sessions: creations,
} = aiArtistTables

/** What `addImage` accepts: columns of `generated_images`; `filename`, `prompt`, `model_id` required. */
export const newImageSchema = inputWithout(images, ['updated_at'])
export type NewImage = z.input<typeof newImageSchema>

/** What `updateImage` accepts: any column but id, created_at and updated_at. */
export const imagePatchSchema = inputWithout(images, ['created_at', 'updated_at']).partial()
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
    status: filterOn.equal('status', images.insert.shape.status),
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
export const newTrainingSchema = inputOf(trainings, [
  'name',
  'model_path',
  'config',
  'dataset_size',
  'started_at',
])
export type NewTrainingSession = z.input<typeof newTrainingSchema>

/** What `completeTraining` records. */
export const trainingResultSchema = inputOf(trainings, [
  'final_loss',
  'training_time_seconds',
  'metrics',
  'completed_at',
])
export type TrainingResult = z.input<typeof trainingResultSchema>

/** `listTrainingSessions`: newest first, optionally of one status. */
export const trainingList = defineList({
  table: trainings,
  order: { sortColumn: 'started_at', direction: 'desc' },
  filter: {
    status: filterOn.equal('status', trainings.insert.shape.status),
  },
})
export type TrainingFilter = FilterOf<typeof trainingList>

/** What `startCreationSession` accepts. */
export const newCreationSchema = inputOf(creations, ['theme', 'started_at'])
export type NewCreationSession = z.input<typeof newCreationSchema>

/** What `completeCreationSession` records. */
export const creationResultSchema = inputOf(creations, ['avg_score', 'completed_at'])
export type CreationResult = z.input<typeof creationResultSchema>

/** `listCreationSessions`: newest first. */
export const creationList = defineList({
  table: creations,
  order: { sortColumn: 'started_at', direction: 'desc' },
})

/** A count added to a creation session. */
export const countSchema = z.number().int().min(0)
