import { z } from 'zod'
import {
  insertEach,
  NotFoundError,
  paginate,
  parseInput,
  parseItem,
  tableRows,
  ValidationError,
  type Executor,
  type Page,
  type PageRequest,
  StoreRepository,
} from '../../core/index.js'
import {
  collectionEntrySchema,
  leastUsedSchema,
  libraryImageList,
  newCollectionSchema,
  newLibraryImageSchema,
  newUsageSchema,
  type LeastUsedOptions,
  type NewCollection,
  type NewLibraryImage,
  type NewUsage,
} from './inputs.js'
import {
  collectionImage,
  imageLibraryTables,
  type Character,
  type CollectionImage,
  type EmotionCoverage,
  type ImageCollection,
  type ImageLibraryTables,
  type ImageUsage,
  type LibraryImage,
} from './tables.js'

const {
  image_library: images,
  image_usage: usages,
  image_collections: collections,
} = imageLibraryTables

/**
 * ImageLibraryRepository is the typed API of the image-library store (seed 002,
 * image_library.db): the characters' images with their properties, every use of an image in a
 * video scene (the update_image_usage_stats trigger counts them), and ordered collections.
 * Methods throw ValidationError for bad input (naming the field), NotFoundError for a missing
 * id and ConflictError for a duplicate file path, collection name or collection member.
 */
export class ImageLibraryRepository extends StoreRepository<ImageLibraryTables> {
  readonly #imageRows = tableRows(this.db, images, 'image')
  readonly #usageRows = tableRows(this.db, usages, 'image usage')
  readonly #collectionRows = tableRows(this.db, collections, 'collection')

  // ── images ──────────────────────────────────────────────────────────────

  /** addImage stores one image (unused so far) and returns it as stored. */
  async addImage(input: NewLibraryImage): Promise<LibraryImage> {
    return this.#imageRows.insert(parseInput(newLibraryImageSchema, input))
  }

  /** addImages stores many images in one transaction (all or nothing); returns the count. */
  async addImages(inputs: readonly NewLibraryImage[]): Promise<number> {
    const now = new Date()
    return insertEach(this.db, images, inputs, {
      parse: (input, i) => parseItem(newLibraryImageSchema, input, 'image', i),
      defaults: {
        source: 'generated',
        usage_count: 0,
        tags: [],
        metadata: {},
        timestamp: now,
        created_at: now,
      },
    })
  }

  /** getImage returns the image with `id`, or throws NotFoundError. */
  async getImage(id: number): Promise<LibraryImage> {
    return this.#imageRows.get(id)
  }

  /** getImageByPath returns the image stored at `filePath`, or throws NotFoundError. */
  async getImageByPath(filePath: string): Promise<LibraryImage> {
    const missing = `no image has file_path ${filePath}`
    return images.codec.decode(await this.rowWhere('image_library', 'file_path', filePath, missing))
  }

  /**
   * findImages returns images by character, emotion, pose, source and minimum quality, in the
   * order they were added, one keyset page at a time. With `options.q`, images whose prompt,
   * tags, character, emotion or pose match, best match first; `options.facets` counted over
   * every image the filter and search let through.
   */
  readonly findImages = libraryImageList.reader(this.db)

  /** searchImages finds images by prompt, tags, character, emotion or pose (docs/search.md). */
  readonly searchImages = libraryImageList.searcher(this.db)

  /**
   * listLeastUsed returns the `limit` (default 5) images of a character and emotion used least
   * often, the longest unused first among equals: what a new video should show to vary its
   * images. `min_quality` leaves out weaker images.
   */
  async listLeastUsed(
    character: Character,
    emotion: string,
    options: LeastUsedOptions = {},
  ): Promise<LibraryImage[]> {
    const c = parseInput(images.columns.character.input, character)
    const o = parseInput(leastUsedSchema, options)
    let q = this.k
      .selectFrom('image_library')
      .selectAll()
      .where('character', '=', c)
      .where('emotion', '=', emotion)
    if (o.min_quality !== undefined) q = q.where('quality_score', '>=', o.min_quality)
    // An image is unused (last_used_at NULL) exactly when usage_count is 0, so the NULLs never
    // compete with dates and the engines' different NULL order does not matter.
    const rows = await q
      .orderBy('usage_count')
      .orderBy('last_used_at')
      .orderBy('id')
      .limit(o.limit ?? 5)
      .execute()
    return images.codec.decodeAll(rows)
  }

  /** deleteImage removes an image with its usage and collection entries (cascade). */
  async deleteImage(id: number): Promise<void> {
    return this.#imageRows.remove(id)
  }

  /**
   * countImagesByCharacter returns, per character and emotion, the images and their uses, from
   * image_emotion_totals (kept by triggers with every write of image_library).
   */
  async countImagesByCharacter(): Promise<EmotionCoverage[]> {
    const rows = await this.db.query<EmotionCoverage>(
      `SELECT character, emotion, images, uses
FROM image_emotion_totals
WHERE images > 0
ORDER BY character, emotion`,
    )
    return rows.map((r) => ({ ...r, images: Number(r.images), uses: Number(r.uses) }))
  }

  // ── usage ───────────────────────────────────────────────────────────────

  /**
   * recordUsage records that an image was shown in a scene of a video; the
   * update_image_usage_stats trigger then counts it and sets the image's last_used_at.
   */
  async recordUsage(input: NewUsage): Promise<ImageUsage> {
    const parsed = parseInput(newUsageSchema, input)
    try {
      return await this.#usageRows.insert(parsed)
    } catch (error) {
      throw missingImage(error, parsed.image_id)
    }
  }

  /** listUsageForVideo returns the images a video used, by scene. */
  async listUsageForVideo(videoId: string): Promise<ImageUsage[]> {
    const rows = await this.rowsWhere('image_usage', 'video_id', videoId, ['scene_number', 'id'])
    return usages.codec.decodeAll(rows)
  }

  /** listUsageOfImage returns an image's uses, latest recorded first, by keyset page. */
  async listUsageOfImage(imageId: number, page: PageRequest = {}): Promise<Page<ImageUsage>> {
    const q = this.k.selectFrom('image_usage').selectAll().where('image_id', '=', imageId)
    return paginate(q, { sortColumn: 'id', direction: 'desc', ...page }, usages)
  }

  // ── collections ─────────────────────────────────────────────────────────

  /** createCollection creates an empty collection; a taken name throws ConflictError. */
  async createCollection(input: NewCollection): Promise<ImageCollection> {
    return this.#collectionRows.insert(parseInput(newCollectionSchema, input))
  }

  /** getCollection returns the collection with `id`, or throws NotFoundError. */
  async getCollection(
    id: number,
    executor?: Executor<ImageLibraryTables>,
  ): Promise<ImageCollection> {
    return this.#collectionRows.get(id, executor)
  }

  /** listCollections returns every collection by name. */
  async listCollections(): Promise<ImageCollection[]> {
    const rows = await this.k.selectFrom('image_collections').selectAll().orderBy('name').execute()
    return collections.codec.decodeAll(rows)
  }

  /** deleteCollection removes a collection and its entries (the images stay). */
  async deleteCollection(id: number): Promise<void> {
    return this.#collectionRows.remove(id)
  }

  /**
   * addToCollection puts an image in a collection at `sortOrder` (default: after the last).
   * An image of another character than the collection's throws ValidationError('image_id'); an
   * image already in it throws ConflictError.
   */
  async addToCollection(
    collectionId: number,
    imageId: number,
    sortOrder?: number,
  ): Promise<CollectionImage> {
    const order = parseInput(collectionEntrySchema.shape.sort_order, sortOrder)
    return this.db.transaction(async (trx) => {
      const collection = await this.getCollection(collectionId, trx)
      const image = await trx
        .selectFrom('image_library')
        .select('character')
        .where('id', '=', imageId)
        .executeTakeFirst()
      if (!image) throw new ValidationError(`image_id ${imageId} does not exist`, 'image_id')
      if (collection.character && image.character !== collection.character) {
        throw new ValidationError(
          `image ${imageId} shows ${image.character}; collection ${collection.name} holds ${collection.character} only`,
          'image_id',
        )
      }
      const next = await trx
        .selectFrom('collection_images')
        .select((eb) => eb.fn.max('sort_order').as('last'))
        .where('collection_id', '=', collectionId)
        .executeTakeFirst()
      const last = next?.last === null || next?.last === undefined ? -1 : Number(next.last)
      await trx
        .insertInto('collection_images')
        .values({ collection_id: collectionId, image_id: imageId, sort_order: order ?? last + 1 })
        .execute()
      const members = await this.#members(trx, collectionId, imageId)
      return members[0]!
    })
  }

  /**
   * reorderCollection sets the order of a collection to `imageIds` (which must be exactly its
   * images), in one transaction.
   */
  async reorderCollection(collectionId: number, imageIds: readonly number[]): Promise<void> {
    const ids = parseInput(z.array(z.number().int()), imageIds)
    await this.db.transaction(async (trx) => {
      await this.getCollection(collectionId, trx)
      const current = await trx
        .selectFrom('collection_images')
        .select('image_id')
        .where('collection_id', '=', collectionId)
        .execute()
      const have = new Set(current.map((r) => r.image_id))
      if (
        ids.length !== have.size ||
        new Set(ids).size !== ids.length ||
        ids.some((id) => !have.has(id))
      ) {
        throw new ValidationError(
          `image_ids must list each image of collection ${collectionId} exactly once`,
          'image_ids',
        )
      }
      for (const [position, imageId] of ids.entries()) {
        await trx
          .updateTable('collection_images')
          .set({ sort_order: position })
          .where('collection_id', '=', collectionId)
          .where('image_id', '=', imageId)
          .execute()
      }
    })
  }

  /** removeFromCollection takes an image out of a collection; NotFoundError when it is not in it. */
  async removeFromCollection(collectionId: number, imageId: number): Promise<void> {
    const result = await this.k
      .deleteFrom('collection_images')
      .where('collection_id', '=', collectionId)
      .where('image_id', '=', imageId)
      .executeTakeFirst()
    if (Number(result.numDeletedRows) === 0) {
      throw new NotFoundError(`image ${imageId} is not in collection ${collectionId}`)
    }
  }

  /** listCollectionImages returns a collection's images in their order. */
  async listCollectionImages(collectionId: number): Promise<CollectionImage[]> {
    await this.getCollection(collectionId)
    return this.#members(this.k, collectionId)
  }

  async #members(
    executor: Executor<ImageLibraryTables>,
    collectionId: number,
    imageId?: number,
  ): Promise<CollectionImage[]> {
    let q = executor
      .selectFrom('collection_images as ci')
      .innerJoin('image_library as i', 'i.id', 'ci.image_id')
      .selectAll('i')
      .select('ci.sort_order')
      .where('ci.collection_id', '=', collectionId)
    if (imageId !== undefined) q = q.where('ci.image_id', '=', imageId)
    const rows = await q.orderBy('ci.sort_order').orderBy('ci.image_id').execute()
    return collectionImage.codec.decodeAll(rows)
  }
}

/** missingImage names image_id in the error a usage of an unknown image raises. */
function missingImage(error: unknown, imageId: number): unknown {
  if (error instanceof ValidationError && /does not exist/.test(error.message)) {
    return new ValidationError(`image_id ${imageId} does not exist`, 'image_id', { cause: error })
  }
  return error
}
