import { z } from 'zod'
import {
  idParams,
  limitQuery,
  ofExisting,
  NotFoundError,
  pageOf,
  pageQuery,
  routesFor,
  ValidationError,
  type ApiRoute,
} from '../../core/index.js'
import {
  claimAgeSchema,
  newPromptSetSchema,
  newUploadSchema,
  promptPatchSchema,
  queueVideoSchema,
  uploadFailureSchema,
  uploadResultSchema,
  videoBatchImageList,
  videoFailureSchema,
  videoBatchVideoList,
  videoResultSchema,
} from './inputs.js'
import { IMAGE_STATUSES, VIDEO_STATUSES } from './migrations.js'
import type { VideoBatchRepository } from './repository.js'
import {
  completedVideoRow,
  generatedImageRow,
  imageChainRow,
  legacyPromptRow,
  originalImageRow,
  uploadedImageRow,
  videoBatchTables as tables,
  videoStatisticsRow,
} from './tables.js'

/** A whole number the route reports as at least `min`: a count, a lineage depth. */
const atLeast = (min: number) => z.number().int().min(min)

const lineageEntrySchema = tables.images.row.extend({ depth: atLeast(1) })

const imageLineageSchema = z.strictObject({
  image: tables.images.row,
  ancestors: z.array(lineageEntrySchema).describe('parent first, up to the original'),
  descendants: z.array(lineageEntrySchema).describe('children first'),
})

const countsOf = <T extends readonly [string, ...string[]]>(statuses: T) =>
  z.strictObject(
    Object.fromEntries(statuses.map((s) => [s, atLeast(0)])) as Record<T[number], z.ZodNumber>,
  )

const firstRows = limitQuery(100)

const route = routesFor<VideoBatchRepository>()

/** Throws a 400 naming `field` when the row a body refers to does not exist. */
async function referenced<T>(field: string, find: () => Promise<T>): Promise<T> {
  try {
    return await find()
  } catch (error) {
    if (error instanceof NotFoundError) throw new ValidationError(error.message, field)
    throw error
  }
}

const imageRoutes = [
  route.list({
    path: '/images',
    summary: 'List images newest first, by status or origin image, by keyset page',
    list: videoBatchImageList,
    handler: ({ repo }, filter, page, options) => repo.listImages(filter, page, options),
  }),
  route.get('/images/:id', 'Get one image', tables.images.row, (repo, id) => repo.getImage(id)),
  route({
    method: 'GET',
    path: '/images/by-filename/:filename',
    summary: 'Images whose original or uploaded file name is :filename (an empty list if none)',
    params: z.object({ filename: z.string().min(1) }),
    response: z.array(tables.images.row),
    handler: ({ repo, params }) => repo.findImagesByFilename(params.filename),
  }),
  route.create(
    '/images',
    'Register an image about to be uploaded (pending)',
    newUploadSchema,
    tables.images.row,
    (repo, body) => repo.registerUpload(body),
  ),
  route({
    method: 'POST',
    path: '/images/:id/complete',
    summary: 'Mark a pending upload success, with its URLs and timing (409 if not pending)',
    params: idParams,
    body: uploadResultSchema.optional(),
    response: tables.images.row,
    handler: ({ repo, params, body }) => repo.completeUpload(params.id, body ?? {}),
  }),
  route({
    method: 'POST',
    path: '/images/:id/fail',
    summary: 'Mark a pending upload failed, with its error and timing (409 if not pending)',
    params: idParams,
    body: uploadFailureSchema,
    response: tables.images.row,
    handler: ({ repo, params, body }) => repo.failUpload(params.id, body),
  }),
  route({
    method: 'POST',
    path: '/images/:id/retry',
    summary: 'Put a failed upload back to pending, clearing its error (409 if not failed)',
    params: idParams,
    response: tables.images.row,
    handler: ({ repo, params }) => repo.retryUpload(params.id),
  }),
  route({
    method: 'POST',
    path: '/images/:id/derive',
    summary: 'Register an image generated from image :id (pending, origin_image_id = :id)',
    params: idParams,
    body: newUploadSchema.omit({ origin_image_id: true }),
    response: tables.images.row,
    status: 201,
    handler: ({ repo, params, body }) => repo.deriveImage(params.id, body),
  }),
  route.get(
    '/images/:id/lineage',
    'An image with its whole ancestry and all its descendants, each with its depth',
    imageLineageSchema,
    (repo, id) => repo.getImageLineage(id),
  ),
  route({
    method: 'GET',
    path: '/images/:id/prompts',
    summary: "An image's prompt sets, oldest first",
    params: idParams,
    response: z.array(tables.prompts.row),
    handler: async ({ repo, params }) =>
      ofExisting(await repo.listPromptSetsForImage(params.id), () => repo.getImage(params.id)),
  }),
  route({
    method: 'POST',
    path: '/images/legacy-placeholder',
    summary: 'Get the legacy placeholder image, creating it when first needed (idempotent)',
    response: tables.images.row,
    handler: ({ repo }) => repo.getLegacyPlaceholder(),
  }),
]

const promptRoutes = [
  route.get('/prompts/:id', 'Get one prompt set', tables.prompts.row, (repo, id) =>
    repo.getPromptSet(id),
  ),
  route.create(
    '/prompts',
    'Record the prompt set written for an image (400 naming image_id if no such image)',
    newPromptSetSchema,
    tables.prompts.row,
    (repo, body) => repo.addPromptSet(body),
  ),
  route({
    method: 'POST',
    path: '/prompts/legacy',
    summary: 'Record a prompt set without a reference image (it points at the legacy placeholder)',
    body: newPromptSetSchema.omit({ image_id: true }),
    response: tables.prompts.row,
    status: 201,
    handler: ({ repo, body }) => repo.addLegacyPromptSet(body),
  }),
  route({
    method: 'PATCH',
    path: '/prompts/:id',
    summary: 'Change prompt columns of a prompt set',
    params: idParams,
    body: promptPatchSchema,
    response: tables.prompts.row,
    handler: ({ repo, params, body }) => repo.updatePromptSet(params.id, body),
  }),
]

const videoRoutes = [
  route.list({
    path: '/videos',
    summary: 'List videos newest first, by status, image or prompt set, by keyset page',
    list: videoBatchVideoList,
    handler: ({ repo }, filter, page) => repo.listVideos(filter, page),
  }),
  route.get('/videos/:id', 'Get one video', tables.videos.row, (repo, id) => repo.getVideo(id)),
  route({
    method: 'POST',
    path: '/videos',
    summary: 'Queue a video for a prompt set (pending; 400 naming prompt_id if no such set)',
    body: queueVideoSchema,
    response: tables.videos.row,
    status: 201,
    handler: async ({ repo, body }) => {
      await referenced('prompt_id', () => repo.getPromptSet(body.prompt_id))
      return repo.queueVideo(body)
    },
  }),
  route({
    method: 'POST',
    path: '/videos/claim',
    summary:
      'Worker: atomically claim the oldest unclaimed pending video: {"video": …}, {"video": null} when the queue is empty',
    body: z.strictObject({ worker: z.string().min(1).max(200) }),
    // Nothing to claim is an answer, not an error: the same on every claim route (docs/api.md).
    response: z.object({ video: tables.videos.row.nullable() }),
    handler: async ({ repo, body }) => ({
      video: (await repo.claimNextVideo(body.worker)) ?? null,
    }),
  }),
  route({
    method: 'POST',
    path: '/videos/:id/complete',
    summary: 'Mark a pending video completed with its file, size, timing (409 if not pending)',
    params: idParams,
    body: videoResultSchema,
    response: tables.videos.row,
    handler: ({ repo, params, body }) => repo.completeVideo(params.id, body),
  }),
  route({
    method: 'POST',
    path: '/videos/:id/fail',
    summary: 'Mark a pending video failed with its error and timing (409 if not pending)',
    params: idParams,
    body: videoFailureSchema,
    response: tables.videos.row,
    handler: ({ repo, params, body }) => repo.failVideo(params.id, body),
  }),
  route({
    method: 'POST',
    path: '/videos/:id/release',
    summary: 'Return a claimed, still pending video to the queue (409 if not pending)',
    params: idParams,
    response: tables.videos.row,
    handler: ({ repo, params }) => repo.releaseVideo(params.id),
  }),
  route({
    method: 'POST',
    path: '/videos/release-stale',
    summary: 'Return to the queue every pending video claimed more than older_than_seconds ago',
    body: z.strictObject({ older_than_seconds: claimAgeSchema.min(0) }),
    response: z.strictObject({ released: atLeast(0) }),
    handler: async ({ repo, body }) => ({
      released: await repo.releaseStaleClaims(body.older_than_seconds),
    }),
  }),
]

const queryRoutes = [
  route({
    method: 'GET',
    path: '/queries/status-counts',
    summary: 'How many images and videos each status has (every status present)',
    response: z.strictObject({
      images: countsOf(IMAGE_STATUSES),
      videos: countsOf(VIDEO_STATUSES),
    }),
    handler: async ({ repo }) => ({
      images: await repo.countImagesByStatus(),
      videos: await repo.countVideosByStatus(),
    }),
  }),
  route({
    method: 'GET',
    path: '/queries/completed-videos-with-prompts',
    summary: 'Seed: completed videos with their prompts, slowest generation first',
    query: firstRows,
    response: z.array(completedVideoRow.row),
    handler: ({ repo, query }) => repo.listCompletedVideosWithPrompts(query.limit),
  }),
  route({
    method: 'GET',
    path: '/queries/legacy-prompts',
    summary: 'Seed: prompts without reference images (legacy), by keyset page',
    query: pageQuery,
    response: pageOf(legacyPromptRow.row),
    handler: ({ repo, query }) => repo.listLegacyPrompts(query),
  }),
  route({
    method: 'GET',
    path: '/queries/video-statistics',
    summary: 'Seed: video generation statistics (count, mean time, mean size per status)',
    response: z.array(videoStatisticsRow.row),
    handler: ({ repo }) => repo.getVideoStatistics(),
  }),
  route({
    method: 'GET',
    path: '/queries/uploaded-images',
    summary: 'Seed: images with upload metadata (successful uploads, slowest first)',
    query: firstRows,
    response: z.array(uploadedImageRow.row),
    handler: ({ repo, query }) => repo.listUploadedImages(query.limit),
  }),
  route({
    method: 'GET',
    path: '/queries/generated-images-with-origins',
    summary: 'Seed: generated images with their origin images, newest first, by keyset page',
    query: pageQuery,
    response: pageOf(generatedImageRow.row),
    handler: ({ repo, query }) => repo.listGeneratedImagesWithOrigins(query),
  }),
  route({
    method: 'GET',
    path: '/queries/image-chains',
    summary: 'Seed: image generation chains (images with derivatives, most first)',
    response: z.array(imageChainRow.row.extend({ derivatives_count: atLeast(1) })),
    handler: ({ repo }) => repo.getImageChains(),
  }),
  route({
    method: 'GET',
    path: '/queries/original-images',
    summary: 'Seed: original (not derived) successful images, newest first, by keyset page',
    query: pageQuery,
    response: pageOf(originalImageRow.row),
    handler: ({ repo, query }) => repo.listOriginalImages(query),
  }),
]

/** The video-batch store over HTTP, under /api/video-batch. */
export const videoBatchApi: ApiRoute<VideoBatchRepository>[] = [
  ...imageRoutes,
  ...promptRoutes,
  ...videoRoutes,
  ...queryRoutes,
]
