import { z } from 'zod'
import {
  routesFor,
  idParams,
  isoTimestamp,
  jsonObject,
  pageOf,
  pageQuery,
  type ApiRoute,
} from '../../core/index.js'
import { IMAGE_STATUSES, TRAINING_STATUSES } from './migrations.js'
import type { AiArtistRepository } from './repository.js'
import {
  imagePatchSchema,
  newCreationSchema,
  newImageSchema,
  newTrainingSchema,
  trainingResultSchema,
} from './schemas.js'

const score = z.number().nullable()

export const generatedImageSchema = z.object({
  id: z.number().int(),
  filename: z.string(),
  prompt: z.string(),
  negative_prompt: z.string().nullable(),
  source_url: z.string().nullable(),
  source_query: z.string().nullable(),
  model_id: z.string(),
  generation_params: jsonObject,
  seed: z.number().int().nullable(),
  aesthetic_score: score,
  clip_score: score,
  technical_score: score,
  final_score: score,
  diversity_score: score,
  created_at: isoTimestamp,
  updated_at: isoTimestamp,
  status: z.enum(IMAGE_STATUSES),
  is_featured: z.boolean(),
  tags: z.array(z.string()),
})

export const trainingSessionSchema = z.object({
  id: z.number().int(),
  name: z.string(),
  model_path: z.string(),
  config: jsonObject,
  dataset_size: z.number().int().nullable(),
  final_loss: z.number().nullable(),
  training_time_seconds: z.number().nullable(),
  metrics: jsonObject,
  started_at: isoTimestamp,
  completed_at: isoTimestamp.nullable(),
  status: z.enum(TRAINING_STATUSES),
})

export const creationSessionSchema = z.object({
  id: z.number().int(),
  theme: z.string().nullable(),
  images_created: z.number().int(),
  images_kept: z.number().int(),
  avg_score: z.number().nullable(),
  started_at: isoTimestamp,
  completed_at: isoTimestamp.nullable(),
})

const imageListQuery = pageQuery.extend({
  status: z.enum(IMAGE_STATUSES).optional(),
  model_id: z.string().optional(),
  min_score: z.coerce.number().min(0).max(10).optional(),
  tag: z.string().optional(),
  featured: z.stringbool().optional(),
  created_after: z.string().optional(),
  created_before: z.string().optional(),
})

const limitQuery = (fallback: number) =>
  z.object({ limit: z.coerce.number().int().min(1).max(500).default(fallback) })

const route = routesFor<AiArtistRepository>()

/** The ai-artist store over HTTP, under /api/ai-artist. */
export const aiArtistApi: ApiRoute<AiArtistRepository>[] = [
  route({
    method: 'GET',
    path: '/images',
    summary: 'List images newest first, filtered, by keyset page',
    query: imageListQuery,
    response: pageOf(generatedImageSchema),
    handler: ({ repo, query: { after, limit, ...filter } }) =>
      repo.listImages(filter, { after, limit }),
  }),
  route({
    method: 'GET',
    path: '/images/:id',
    summary: 'Get one image',
    params: idParams,
    response: generatedImageSchema,
    handler: ({ repo, params }) => repo.getImage(params.id),
  }),
  route({
    method: 'POST',
    path: '/images',
    summary: 'Add a generated image',
    body: newImageSchema,
    response: generatedImageSchema,
    status: 201,
    handler: ({ repo, body }) => repo.addImage(body),
  }),
  route({
    method: 'PATCH',
    path: '/images/:id',
    summary: 'Change columns of an image',
    params: idParams,
    body: imagePatchSchema,
    response: generatedImageSchema,
    handler: ({ repo, params, body }) => repo.updateImage(params.id, body),
  }),
  route({
    method: 'DELETE',
    path: '/images/:id',
    summary: 'Delete an image',
    params: idParams,
    status: 204,
    handler: ({ repo, params }) => repo.deleteImage(params.id),
  }),
  route({
    method: 'POST',
    path: '/images/:id/curate',
    summary: 'Mark an image curated',
    params: idParams,
    response: generatedImageSchema,
    handler: ({ repo, params }) => repo.curateImage(params.id),
  }),
  route({
    method: 'POST',
    path: '/images/:id/reject',
    summary: 'Mark an image rejected (no longer featured)',
    params: idParams,
    response: generatedImageSchema,
    handler: ({ repo, params }) => repo.rejectImage(params.id),
  }),
  route({
    method: 'POST',
    path: '/images/:id/feature',
    summary: 'Feature an image in the gallery (or clear it with {"featured": false})',
    params: idParams,
    body: z.object({ featured: z.boolean().optional() }).optional(),
    response: generatedImageSchema,
    handler: ({ repo, params, body }) => repo.featureImage(params.id, body?.featured ?? true),
  }),
  route({
    method: 'GET',
    path: '/queries/recent-high-quality',
    summary: 'Seed: recent high-quality images (curated, final_score ≥ min_score)',
    query: limitQuery(10).extend({ min_score: z.coerce.number().min(0).max(10).default(7) }),
    response: z.array(generatedImageSchema),
    handler: ({ repo, query }) => repo.listRecentHighQuality(query.min_score, query.limit),
  }),
  route({
    method: 'GET',
    path: '/queries/uncurated',
    summary: 'Seed: uncurated images for processing, oldest first',
    query: limitQuery(100),
    response: z.array(z.object({ id: z.number(), filename: z.string(), prompt: z.string() })),
    handler: ({ repo, query }) => repo.listUncurated(query.limit),
  }),
  route({
    method: 'GET',
    path: '/queries/top-curated',
    summary: 'Curated images by final score',
    query: limitQuery(10),
    response: z.array(generatedImageSchema),
    handler: ({ repo, query }) => repo.listTopCurated(query.limit),
  }),
  route({
    method: 'GET',
    path: '/queries/quality-distribution',
    summary: 'Seed: quality distribution of curated images',
    response: z.array(
      z.object({ quality_tier: z.string(), count: z.number(), avg_score: z.number().nullable() }),
    ),
    handler: ({ repo }) => repo.getQualityDistribution(),
  }),
  route({
    method: 'GET',
    path: '/queries/status-counts',
    summary: 'Images per curation status',
    response: z.record(z.string(), z.number()),
    handler: ({ repo }) => repo.countImagesByStatus(),
  }),
  route({
    method: 'GET',
    path: '/training-sessions',
    summary: 'List training runs newest first',
    query: pageQuery.extend({ status: z.enum(TRAINING_STATUSES).optional() }),
    response: pageOf(trainingSessionSchema),
    handler: ({ repo, query: { after, limit, ...filter } }) =>
      repo.listTrainingSessions(filter, { after, limit }),
  }),
  route({
    method: 'GET',
    path: '/training-sessions/:id',
    summary: 'Get one training run',
    params: idParams,
    response: trainingSessionSchema,
    handler: ({ repo, params }) => repo.getTraining(params.id),
  }),
  route({
    method: 'POST',
    path: '/training-sessions',
    summary: 'Start a training run',
    body: newTrainingSchema,
    response: trainingSessionSchema,
    status: 201,
    handler: ({ repo, body }) => repo.startTraining(body),
  }),
  route({
    method: 'POST',
    path: '/training-sessions/:id/complete',
    summary: 'Complete a running training run with its loss and metrics (409 if not running)',
    params: idParams,
    body: trainingResultSchema,
    response: trainingSessionSchema,
    handler: ({ repo, params, body }) => repo.completeTraining(params.id, body),
  }),
  route({
    method: 'POST',
    path: '/training-sessions/:id/fail',
    summary: 'Fail a running training run (409 if not running)',
    params: idParams,
    body: z.object({ error: z.string().min(1) }),
    response: trainingSessionSchema,
    handler: ({ repo, params, body }) => repo.failTraining(params.id, body.error),
  }),
  route({
    method: 'GET',
    path: '/queries/training-statistics',
    summary: 'Seed: training session statistics',
    response: z.array(
      z.object({
        name: z.string(),
        dataset_size: z.number().nullable(),
        final_loss: z.number().nullable(),
        training_hours: z.number().nullable(),
        status: z.string(),
      }),
    ),
    handler: ({ repo }) => repo.getTrainingSessionStatistics(),
  }),
  route({
    method: 'GET',
    path: '/creation-sessions',
    summary: 'List creation sessions newest first',
    query: pageQuery,
    response: pageOf(creationSessionSchema),
    handler: ({ repo, query }) => repo.listCreationSessions(query),
  }),
  route({
    method: 'GET',
    path: '/creation-sessions/:id',
    summary: 'Get one creation session',
    params: idParams,
    response: creationSessionSchema,
    handler: ({ repo, params }) => repo.getCreationSession(params.id),
  }),
  route({
    method: 'POST',
    path: '/creation-sessions',
    summary: 'Start a creation session',
    body: newCreationSchema,
    response: creationSessionSchema,
    status: 201,
    handler: ({ repo, body }) => repo.startCreationSession(body),
  }),
  route({
    method: 'POST',
    path: '/creation-sessions/:id/record',
    summary: 'Add images created and kept to a creation session',
    params: idParams,
    body: z.object({ created: z.number().int().min(0), kept: z.number().int().min(0) }),
    response: creationSessionSchema,
    handler: ({ repo, params, body }) => repo.recordCreation(params.id, body),
  }),
  route({
    method: 'POST',
    path: '/creation-sessions/:id/complete',
    summary: 'Complete a creation session with its average score',
    params: idParams,
    body: z.object({ avg_score: z.number().min(0).max(10).nullable().optional() }),
    response: creationSessionSchema,
    handler: ({ repo, params, body }) => repo.completeCreationSession(params.id, body),
  }),
  route({
    method: 'GET',
    path: '/queries/daily-creation-statistics',
    summary: 'Seed: daily creation statistics',
    response: z.array(
      z.object({
        date: z.string(),
        sessions: z.number(),
        total_created: z.number(),
        total_kept: z.number(),
        avg_quality: z.number().nullable(),
      }),
    ),
    handler: ({ repo }) => repo.getDailyCreationStatistics(),
  }),
]
