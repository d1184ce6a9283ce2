import { z } from 'zod'
import { pageLimit } from '../../core/index.js'
import { imageLibraryTables as tables } from './tables.js'

// What the image-library repository accepts, derived from the table declarations: the HTTP API
// validates bodies with the same schemas.

const images = tables.image_library
const { columns } = images

/**
 * What `addImage` accepts: `character`, `emotion` and `file_path` required. The columns the
 * update_image_usage_stats trigger keeps, and created_at, are not written.
 */
export const newLibraryImageSchema = images.insert.omit({
  usage_count: true,
  created_at: true,
  last_used_at: true,
})
export type NewLibraryImage = z.input<typeof newLibraryImageSchema>

/** What `recordUsage` accepts. */
export const newUsageSchema = tables.image_usage.insert
export type NewUsage = z.input<typeof newUsageSchema>

/** What `createCollection` accepts. */
export const newCollectionSchema = tables.image_collections.insert.omit({ created_at: true })
export type NewCollection = z.input<typeof newCollectionSchema>

/** A minimum quality_score, 0.0 to 1.0. */
const minQuality = columns.quality_score.input.optional()

/** What `findImages` filters by. */
export const libraryImageFilterSchema = z.strictObject({
  character: columns.character.input.optional(),
  emotion: z.string().min(1).optional(),
  pose: columns.pose.input.optional(),
  source: columns.source.input.optional(),
  min_quality: minQuality,
})
export type LibraryImageFilter = z.input<typeof libraryImageFilterSchema>

/** The options of `listLeastUsed`. */
export const leastUsedSchema = z.strictObject({
  limit: pageLimit.optional(),
  min_quality: minQuality,
})
export type LeastUsedOptions = z.input<typeof leastUsedSchema>

/** An image put in a collection: `addToCollection`'s image and place (default: last). */
export const collectionEntrySchema = tables.collection_images.insert.pick({
  image_id: true,
  sort_order: true,
})
export type CollectionEntry = z.input<typeof collectionEntrySchema>
