import { z } from 'zod'
import {
  NotFoundError,
  ValidationError,
  routesFor,
  idParams,
  limitQuery,
  ofExisting,
  pageOf,
  pageQuery,
  type ApiRoute,
} from '../../core/index.js'
import type { ImageLibraryRepository } from './repository.js'
import {
  collectionEntrySchema,
  libraryImageList,
  minQualityQuery,
  newCollectionSchema,
  newLibraryImageSchema,
  newUsageSchema,
} from './inputs.js'
import { collectionImage, emotionCoverage, imageLibraryTables as tables } from './tables.js'

export const collectionImageSchema = collectionImage.row

const images = tables.image_library.columns

const memberParams = idParams.extend({ image_id: z.coerce.number().int().positive() })

/** A usage of an image that does not exist: the image in the path is missing (404). */
function missingImage(error: unknown, imageId: number): unknown {
  if (error instanceof ValidationError && error.field === 'image_id') {
    return new NotFoundError(`image ${imageId} does not exist`)
  }
  return error
}

const route = routesFor<ImageLibraryRepository>()

/** The image-library store over HTTP, under /api/image-library. */
export const imageLibraryApi: ApiRoute<ImageLibraryRepository>[] = [
  route.list({
    path: '/images',
    summary: 'Find images by character, emotion, pose, source and minimum quality, by keyset page',
    list: libraryImageList,
    handler: ({ repo }, filter, page, options) => repo.findImages(filter, page, options),
  }),
  route({
    method: 'GET',
    path: '/images/by-path/:file_path',
    summary: 'Get the image stored at a file path (URL-encoded)',
    params: z.object({ file_path: z.string().min(1) }),
    response: tables.image_library.row,
    handler: ({ repo, params }) => repo.getImageByPath(params.file_path),
  }),
  route.get('/images/:id', 'Get one image', tables.image_library.row, (repo, id) =>
    repo.getImage(id),
  ),
  route.create(
    '/images',
    'Add an image with its properties (409 for a known file_path)',
    newLibraryImageSchema,
    tables.image_library.row,
    (repo, body) => repo.addImage(body),
  ),
  route.batch(
    '/images/batch',
    'Add many images, all or nothing',
    'images',
    newLibraryImageSchema,
    'added',
    (repo, images) => repo.addImages(images),
  ),
  route.remove('/images/:id', 'Delete an image with its usage and collection entries', (repo, id) =>
    repo.deleteImage(id),
  ),
  route({
    method: 'GET',
    path: '/images/:id/usage',
    summary: "An image's uses in video scenes, latest recorded first, by keyset page",
    params: idParams,
    query: pageQuery,
    response: pageOf(tables.image_usage.row),
    handler: async ({ repo, params, query }) =>
      ofExisting(await repo.listUsageOfImage(params.id, query), () => repo.getImage(params.id)),
  }),
  route({
    method: 'POST',
    path: '/images/:id/usage',
    summary:
      'Record that an image was shown in a scene of a video (the trigger counts it and sets last_used_at)',
    params: idParams,
    body: newUsageSchema.omit({ image_id: true }),
    response: tables.image_usage.row,
    status: 201,
    handler: ({ repo, params, body }) =>
      repo
        .recordUsage({ ...body, image_id: params.id })
        .catch((error: unknown) => Promise.reject(missingImage(error, params.id))),
  }),
  route({
    method: 'GET',
    path: '/characters/:character/emotions/:emotion/least-used',
    summary: 'The least-used images of a character and emotion, longest unused first among equals',
    params: z.object({ character: images.character.input, emotion: images.emotion.input }),
    query: limitQuery(5).extend({ min_quality: minQualityQuery.optional() }),
    response: z.array(tables.image_library.row),
    handler: ({ repo, params, query }) =>
      repo.listLeastUsed(params.character, params.emotion, query),
  }),
  route({
    method: 'GET',
    path: '/videos/:video_id/usage',
    summary: 'The images a video used, by scene',
    params: z.object({ video_id: tables.image_usage.columns.video_id.input }),
    response: z.array(tables.image_usage.row),
    handler: ({ repo, params }) => repo.listUsageForVideo(params.video_id),
  }),
  route({
    method: 'GET',
    path: '/queries/images-by-character',
    summary: 'Per character and emotion: how many images and how often they were used',
    response: z.array(emotionCoverage.row),
    handler: ({ repo }) => repo.countImagesByCharacter(),
  }),
  route({
    method: 'GET',
    path: '/collections',
    summary: 'List every collection by name',
    response: z.array(tables.image_collections.row),
    handler: ({ repo }) => repo.listCollections(),
  }),
  route.create(
    '/collections',
    'Create an empty collection, optionally of one character (409 for a taken name)',
    newCollectionSchema,
    tables.image_collections.row,
    (repo, body) => repo.createCollection(body),
  ),
  route.get('/collections/:id', 'Get one collection', tables.image_collections.row, (repo, id) =>
    repo.getCollection(id),
  ),
  route.remove(
    '/collections/:id',
    'Delete a collection and its entries (the images stay)',
    (repo, id) => repo.deleteCollection(id),
  ),
  route({
    method: 'GET',
    path: '/collections/:id/images',
    summary: "A collection's images in their order",
    params: idParams,
    response: z.array(collectionImageSchema),
    handler: ({ repo, params }) => repo.listCollectionImages(params.id),
  }),
  route({
    method: 'POST',
    path: '/collections/:id/images',
    summary:
      "Put an image in a collection at sort_order (default: last); 400 for another character's image, 409 if already in it",
    params: idParams,
    body: collectionEntrySchema,
    response: collectionImageSchema,
    status: 201,
    handler: ({ repo, params, body }) =>
      repo.addToCollection(params.id, body.image_id, body.sort_order),
  }),
  route({
    method: 'PUT',
    path: '/collections/:id/order',
    summary: "Set a collection's order: image_ids lists each of its images exactly once",
    params: idParams,
    body: z.strictObject({ image_ids: z.array(tables.collection_images.columns.image_id.input) }),
    response: z.array(collectionImageSchema),
    handler: async ({ repo, params, body }) => {
      await repo.reorderCollection(params.id, body.image_ids)
      return repo.listCollectionImages(params.id)
    },
  }),
  route({
    method: 'DELETE',
    path: '/collections/:id/images/:image_id',
    summary: 'Take an image out of a collection (404 when it is not in it)',
    params: memberParams,
    status: 204,
    handler: ({ repo, params }) => repo.removeFromCollection(params.id, params.image_id),
  }),
]
