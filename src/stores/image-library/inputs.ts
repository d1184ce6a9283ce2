import { z } from 'zod'
import {
  defineList,
  filterOn,
  inputOf,
  inputWithout,
  pageLimit,
  type FilterOf,
} from '../../core/index.js'
import { imageLibrarySearch, imageLibraryTables as tables } from './tables.js'

// What the image-library repository accepts, derived from the table declarations: the HTTP API
// validates bodies with the same schemas.

const images = tables.image_library
const { columns } = images

/**
 * What `addImage` accepts: `character`, `emotion` and `file_path` required. The columns the
 * update_image_usage_stats trigger keeps, and created_at, are not written.
 */
export const newLibraryImageSchema = inputWithout(images, [
  'usage_count',
  'created_at',
  'last_used_at',
])
export type NewLibraryImage = z.input<typeof newLibraryImageSchema>

/** What `recordUsage` accepts. */
export const newUsageSchema = tables.image_usage.insert
export type NewUsage = z.input<typeof newUsageSchema>

/** What `createCollection` accepts. */
export const newCollectionSchema = inputWithout(tables.image_collections, ['created_at'])
export type NewCollection = z.input<typeof newCollectionSchema>

/** A minimum quality_score, 0.0 to 1.0 (a query string's text read as a number). */
const minQuality = columns.quality_score.input.optional()
export const minQualityQuery = z.coerce.number().min(0).max(1)

/**
 * `findImages`: in the order they were added, by character, emotion, pose, source and minimum
 * quality; searchable.
 */
export const libraryImageList = defineList({
  order: { sortColumn: 'id', direction: 'asc' },
  search: imageLibrarySearch.image_library,
  filter: {
    character: filterOn.equal('character', columns.character.input),
    emotion: filterOn.equal('emotion', z.string().min(1)),
    pose: filterOn.equal('pose', columns.pose.input),
    source: filterOn.equal('source', columns.source.input),
    min_quality: filterOn.atLeast('quality_score', columns.quality_score.input, minQualityQuery),
  },
})
export type LibraryImageFilter = FilterOf<typeof libraryImageList>

/** The options of `listLeastUsed`. */
export const leastUsedSchema = z.strictObject({
  limit: pageLimit.optional(),
  min_quality: minQuality,
})
export type LeastUsedOptions = z.input<typeof leastUsedSchema>

/** An image put in a collection: `addToCollection`'s image and place (default: last). */
export const collectionEntrySchema = inputOf(tables.collection_images, ['image_id', 'sort_order'])
export type CollectionEntry = z.input<typeof collectionEntrySchema>
