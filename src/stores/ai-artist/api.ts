import { z } from 'zod'
import { routesFor, idParams, limitQuery, type ApiRoute } from '../../core/index.js'
import type { AiArtistRepository } from './repository.js'
import { loadThumbnail, THUMBNAIL_CACHE_CONTROL, THUMBNAIL_SIZE } from './thumbnails.js'
import {
  creationList,
  creationResultSchema,
  countSchema,
  imageList,
  imagePatchSchema,
  newCreationSchema,
  newImageSchema,
  newTrainingSchema,
  trainingList,
  trainingResultSchema,
} from './inputs.js'
import {
  dailyCreationStatistics,
  qualityTier,
  aiArtistTables as tables,
  trainingStatistics,
  uncuratedImage,
} from './tables.js'

const route = routesFor<AiArtistRepository>()

/** The ai-artist store over HTTP, under /api/ai-artist. */
export const aiArtistApi: ApiRoute<AiArtistRepository>[] = [
  route.list({
    path: '/images',
    summary:
      'List images newest first (best match first with q), filtered, by keyset page, with facet counts',
    list: imageList,
    handler: ({ repo }, filter, page, options) => repo.listImages(filter, page, options),
  }),
  route.get('/images/:id', 'Get one image', tables.generated_images.row, (repo, id) =>
    repo.getImage(id),
  ),
  route.create(
    '/images',
    'Add a generated image',
    newImageSchema,
    tables.generated_images.row,
    (repo, body) => repo.addImage(body),
  ),
  route({
    method: 'PATCH',
    path: '/images/:id',
    summary: 'Change columns of an image',
    params: idParams,
    body: imagePatchSchema,
    response: tables.generated_images.row,
    handler: ({ repo, params, body }) => repo.updateImage(params.id, body),
  }),
  route({
    method: 'GET',
    path: '/images/:id/thumbnail',
    summary: `A ${THUMBNAIL_SIZE}px WebP thumbnail of an image (made once, then cached)`,
    params: idParams,
    produces: 'image/webp',
    handler: async ({ repo, params, blobs, log }) => {
      const image = await repo.getImage(params.id)
      const bytes = await loadThumbnail(blobs(), image, (error) =>
        log.warn({ err: error, id: image.id }, 'original image unreadable; using a placeholder'),
      )
      return { bytes, cacheControl: THUMBNAIL_CACHE_CONTROL }
    },
  }),
  route.remove('/images/:id', 'Delete an image', (repo, id) => repo.deleteImage(id)),
  route({
    method: 'POST',
    path: '/images/:id/curate',
    summary: 'Mark an image curated',
    params: idParams,
    response: tables.generated_images.row,
    handler: ({ repo, params }) => repo.curateImage(params.id),
  }),
  route({
    method: 'POST',
    path: '/images/:id/reject',
    summary: 'Mark an image rejected (no longer featured)',
    params: idParams,
    response: tables.generated_images.row,
    handler: ({ repo, params }) => repo.rejectImage(params.id),
  }),
  route({
    method: 'POST',
    path: '/images/:id/feature',
    summary: 'Feature an image in the gallery (or clear it with {"featured": false})',
    params: idParams,
    body: z.object({ featured: z.boolean().optional() }).optional(),
    response: tables.generated_images.row,
    handler: ({ repo, params, body }) => repo.featureImage(params.id, body?.featured ?? true),
  }),
  route({
    method: 'GET',
    path: '/queries/recent-high-quality',
    summary: 'Seed: recent high-quality images (curated, final_score ≥ min_score)',
    query: limitQuery(10).extend({ min_score: z.coerce.number().min(0).max(10).default(7) }),
    response: z.array(tables.generated_images.row),
    handler: ({ repo, query }) => repo.listRecentHighQuality(query.min_score, query.limit),
  }),
  route({
    method: 'GET',
    path: '/queries/uncurated',
    summary: 'Seed: uncurated images for processing, oldest first',
    query: limitQuery(100),
    response: z.array(uncuratedImage.row),
    handler: ({ repo, query }) => repo.listUncurated(query.limit),
  }),
  route({
    method: 'GET',
    path: '/queries/top-curated',
    summary: 'Curated images by final score',
    query: limitQuery(10),
    response: z.array(tables.generated_images.row),
    handler: ({ repo, query }) => repo.listTopCurated(query.limit),
  }),
  route({
    method: 'GET',
    path: '/queries/quality-distribution',
    summary: 'Seed: quality distribution of curated images',
    response: z.array(qualityTier.row),
    handler: ({ repo }) => repo.getQualityDistribution(),
  }),
  route({
    method: 'GET',
    path: '/queries/status-counts',
    summary: 'Images per curation status',
    response: z.record(z.string(), z.number()),
    handler: ({ repo }) => repo.countImagesByStatus(),
  }),
  route.list({
    path: '/training-sessions',
    summary: 'List training runs newest first',
    list: trainingList,
    handler: ({ repo }, filter, page) => repo.listTrainingSessions(filter, page),
  }),
  route.get(
    '/training-sessions/:id',
    'Get one training run',
    tables.training_sessions.row,
    (repo, id) => repo.getTraining(id),
  ),
  route.create(
    '/training-sessions',
    'Start a training run',
    newTrainingSchema,
    tables.training_sessions.row,
    (repo, body) => repo.startTraining(body),
  ),
  route({
    method: 'POST',
    path: '/training-sessions/:id/complete',
    summary: 'Complete a running training run with its loss and metrics (409 if not running)',
    params: idParams,
    body: trainingResultSchema,
    response: tables.training_sessions.row,
    handler: ({ repo, params, body }) => repo.completeTraining(params.id, body),
  }),
  route({
    method: 'POST',
    path: '/training-sessions/:id/fail',
    summary: 'Fail a running training run (409 if not running)',
    params: idParams,
    body: z.object({ error: z.string().min(1) }),
    response: tables.training_sessions.row,
    handler: ({ repo, params, body }) => repo.failTraining(params.id, body.error),
  }),
  route({
    method: 'GET',
    path: '/queries/training-statistics',
    summary: 'Seed: training session statistics',
    response: z.array(trainingStatistics.row),
    handler: ({ repo }) => repo.getTrainingSessionStatistics(),
  }),
  route.list({
    path: '/creation-sessions',
    summary: 'List creation sessions newest first',
    list: creationList,
    handler: ({ repo }, _filter, page) => repo.listCreationSessions(page),
  }),
  route.get(
    '/creation-sessions/:id',
    'Get one creation session',
    tables.creation_sessions.row,
    (repo, id) => repo.getCreationSession(id),
  ),
  route.create(
    '/creation-sessions',
    'Start a creation session',
    newCreationSchema,
    tables.creation_sessions.row,
    (repo, body) => repo.startCreationSession(body),
  ),
  route({
    method: 'POST',
    path: '/creation-sessions/:id/record',
    summary: 'Add images created and kept to a creation session',
    params: idParams,
    body: z.object({ created: countSchema, kept: countSchema }),
    response: tables.creation_sessions.row,
    handler: ({ repo, params, body }) => repo.recordCreation(params.id, body),
  }),
  route({
    method: 'POST',
    path: '/creation-sessions/:id/complete',
    summary: 'Complete a creation session with its average score',
    params: idParams,
    body: creationResultSchema.pick({ avg_score: true }),
    response: tables.creation_sessions.row,
    handler: ({ repo, params, body }) => repo.completeCreationSession(params.id, body),
  }),
  route({
    method: 'GET',
    path: '/queries/daily-creation-statistics',
    summary: 'Seed: daily creation statistics',
    response: z.array(dailyCreationStatistics.row),
    handler: ({ repo }) => repo.getDailyCreationStatistics(),
  }),
]
