import { sql } from 'kysely'
import {
  claimNext,
  ConflictError,
  parseInput,
  tableRows,
  ValidationError,
  type UpdateValues,
} from '../../core/index.js'
import { IMAGE_STATUSES, LEGACY_PLACEHOLDER, VIDEO_STATUSES } from './migrations.js'
import {
  claimAgeSchema,
  newPromptSetSchema,
  newUploadSchema,
  promptPatchSchema,
  PROMPT_TYPE_COLUMNS,
  queueVideoSchema,
  uploadFailureSchema,
  uploadResultSchema,
  videoBatchImageList,
  videoFailureSchema,
  videoBatchVideoList,
  videoResultSchema,
  type NewPromptSet,
  type NewUpload,
  type PromptPatch,
  type QueuedVideo,
  type UploadFailure,
  type UploadResult,
  type VideoFailure,
  type VideoResult,
} from './inputs.js'
import { VideoBatchQueries } from './queries.js'
import {
  videoBatchTables,
  type Image,
  type PromptSet,
  type Video,
  type VideoBatchImageStatus,
  type VideoBatchTables,
} from './tables.js'

const { images, prompts, videos } = videoBatchTables

/**
 * describeFilename is the human-readable name the seed extracts from a file name:
 * `sunset_beach-01.jpg` → `Sunset Beach 01`.
 */
export function describeFilename(filename: string): string {
  const base = filename.replace(/^.*[\\/]/, '').replace(/\.[^.]+$/, '')
  const words = base.split(/[\s_-]+/).filter(Boolean)
  return words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join(' ') || filename
}

/**
 * VideoBatchRepository is the typed API of the video-batch store (seed 000): image uploads,
 * the prompt sets written for them, and the videos generated from those prompts, with image
 * lineage. Every query of the seed's Common Queries is a method here (inherited from
 * VideoBatchQueries). Methods throw ValidationError for bad input (naming the field),
 * NotFoundError for a missing id and ConflictError for a step the row's status does not allow.
 */
export class VideoBatchRepository extends VideoBatchQueries {
  readonly #imageRows = tableRows(this.db, images, 'image')
  readonly #promptRows = tableRows(this.db, prompts, 'prompt set')
  readonly #videoRows = tableRows(this.db, videos, 'video')

  // ── images ──────────────────────────────────────────────────────────────

  /**
   * registerUpload records an image about to be uploaded, as `pending`. `descriptive_name`
   * defaults to a name made from the file name. An `origin_image_id` must exist.
   */
  async registerUpload(input: NewUpload): Promise<Image> {
    const parsed = parseInput(newUploadSchema, input)
    return this.#imageRows.insert({
      descriptive_name: describeFilename(parsed.original_filename),
      ...parsed,
      status: 'pending',
    })
  }

  /** deriveImage registers an image generated from `originId` (image-to-image lineage). */
  async deriveImage(originId: number, input: Omit<NewUpload, 'origin_image_id'>): Promise<Image> {
    await this.getImage(originId)
    return this.registerUpload({ ...input, origin_image_id: originId })
  }

  /** completeUpload marks a pending upload `success` with where it went and how long it took. */
  async completeUpload(id: number, result: UploadResult = {}): Promise<Image> {
    const values = parseInput(uploadResultSchema, result)
    return this.#moveImage(id, 'pending', { ...values, status: 'success', error_message: null })
  }

  /** failUpload marks a pending upload `failed` with its error. */
  async failUpload(id: number, failure: UploadFailure): Promise<Image> {
    const values = parseInput(uploadFailureSchema, failure)
    return this.#moveImage(id, 'pending', { ...values, status: 'failed' })
  }

  /** retryUpload puts a failed upload back to `pending`, clearing its error. */
  async retryUpload(id: number): Promise<Image> {
    return this.#moveImage(id, 'failed', { status: 'pending', error_message: null })
  }

  async #moveImage(
    id: number,
    from: VideoBatchImageStatus,
    values: UpdateValues<VideoBatchTables['images'], Image>,
  ): Promise<Image> {
    // updated_at is set here, not only by the trigger: SQLite's RETURNING shows the row before
    // AFTER triggers.
    const row = await this.#imageRows.updateWhere(
      id,
      { status: from },
      { ...values, updated_at: new Date() },
    )
    if (row) return row
    const current = await this.getImage(id)
    throw new ConflictError(`image ${id} is ${current.status}, not ${from}`)
  }

  /** getImage returns the image with `id`, or throws NotFoundError. */
  async getImage(id: number): Promise<Image> {
    return this.#imageRows.get(id)
  }

  /** findImagesByFilename returns the images whose original or uploaded file name is `filename`. */
  async findImagesByFilename(filename: string): Promise<Image[]> {
    const rows = await this.k
      .selectFrom('images')
      .selectAll()
      .where((eb) =>
        eb.or([eb('original_filename', '=', filename), eb('uploaded_filename', '=', filename)]),
      )
      .orderBy('id')
      .execute()
    return images.codec.decodeAll(rows)
  }

  /**
   * listImages returns images newest first (by id), filtered, one keyset page at a time. With
   * `options.q`, images whose descriptive name or file names match, best match first;
   * `options.facets` (`status`) counted over every image the filter and search let through.
   */
  readonly listImages = videoBatchImageList.reader(this.db)

  /** searchImages finds images by descriptive name or file names (docs/search.md). */
  readonly searchImages = videoBatchImageList.searcher(this.db)

  /** countImagesByStatus returns how many images each status has (every status present). */
  async countImagesByStatus(): Promise<Record<string, number>> {
    return this.countPerValue('images', 'status', IMAGE_STATUSES)
  }

  /**
   * getLegacyPlaceholder returns the legacy placeholder image (seed 000: "Special Records"),
   * creating it when first needed. Idempotent and safe with concurrent callers: a unique index
   * allows one `legacy` image, and a caller that loses the race reads the winner's row.
   */
  async getLegacyPlaceholder(): Promise<Image> {
    const find = () =>
      this.k.selectFrom('images').selectAll().where('status', '=', 'legacy').executeTakeFirst()
    const existing = await find()
    if (existing) return images.codec.decode(existing)
    try {
      return await this.#imageRows.insert({ ...LEGACY_PLACEHOLDER })
    } catch (error) {
      const winner = error instanceof ConflictError ? await find() : undefined
      if (!winner) throw error
      return images.codec.decode(winner)
    }
  }

  // ── prompts ─────────────────────────────────────────────────────────────

  /**
   * addPromptSet records the prompt variations written for an image. Throws ValidationError
   * naming `image_id` when there is no such image.
   */
  async addPromptSet(input: NewPromptSet): Promise<PromptSet> {
    const parsed = parseInput(newPromptSetSchema, input)
    const image = await this.k
      .selectFrom('images')
      .select('id')
      .where('id', '=', parsed.image_id)
      .executeTakeFirst()
    if (!image) {
      throw new ValidationError(`image_id ${parsed.image_id} is no image of this store`, 'image_id')
    }
    return this.#promptRows.insert(parsed)
  }

  /** addLegacyPromptSet records a prompt set that has no reference image: it points at the legacy placeholder. */
  async addLegacyPromptSet(input: Omit<NewPromptSet, 'image_id'>): Promise<PromptSet> {
    const placeholder = await this.getLegacyPlaceholder()
    return this.addPromptSet({ ...input, image_id: placeholder.id })
  }

  /** updatePromptSet changes the given prompt columns; `updated_at` moves. */
  async updatePromptSet(id: number, patch: PromptPatch): Promise<PromptSet> {
    const values = parseInput(promptPatchSchema, patch)
    if (Object.keys(values).length === 0) return this.getPromptSet(id)
    // updated_at is set here, not only by the trigger: SQLite's RETURNING shows the row before
    // AFTER triggers.
    return this.#promptRows.update(id, { ...values, updated_at: new Date() })
  }

  /** getPromptSet returns the prompt set with `id`, or throws NotFoundError. */
  async getPromptSet(id: number): Promise<PromptSet> {
    return this.#promptRows.get(id)
  }

  /** listPromptSetsForImage returns an image's prompt sets, oldest first. */
  async listPromptSetsForImage(imageId: number): Promise<PromptSet[]> {
    return prompts.codec.decodeAll(await this.rowsWhere('prompts', 'image_id', imageId, ['id']))
  }

  // ── videos ──────────────────────────────────────────────────────────────

  /**
   * queueVideo queues a video for a prompt set, as `pending`, for the prompt set's image.
   * `prompt_type` defaults to `base`; `prompt_used` defaults to the prompt column the type names
   * (base → video_prompt, refined → refined_video_prompt, creative_N → creative_video_prompt_N).
   * A video with no prompt to generate from is refused (ValidationError): a type that names no
   * column, or a column the prompt set leaves empty, needs `prompt_used`.
   */
  async queueVideo(input: QueuedVideo): Promise<Video> {
    const v = parseInput(queueVideoSchema, input)
    const prompt = await this.getPromptSet(v.prompt_id)
    const promptType = v.prompt_type ?? 'base'
    const promptUsed = v.prompt_used ?? promptOfType(prompt, promptType)
    return this.#videoRows.insert({
      image_id: prompt.image_id,
      prompt_id: prompt.id,
      prompt_type: promptType,
      prompt_used: promptUsed,
      generation_service: v.generation_service ?? null,
      metadata: v.metadata ?? null,
      status: 'pending',
    })
  }

  /**
   * claimNextVideo atomically claims the oldest queued video for `worker` (sets `claimed_at`,
   * `claimed_by`; the status stays `pending`, the seed's set has no "processing"). Two workers
   * never get the same video. Returns undefined when the queue is empty.
   */
  async claimNextVideo(worker: string): Promise<Video | undefined> {
    const row = await claimNext(this.db, {
      table: 'videos',
      // Literals, not parameters: the partial index idx_videos_claimable serves only them.
      where: () => sql<boolean>`status = 'pending' AND claimed_at IS NULL`,
      orderBy: ['id'],
      set: { claimed_at: new Date(), claimed_by: worker },
    })
    return row ? videos.codec.decode(row) : undefined
  }

  /** releaseVideo returns a claimed, still pending video to the queue. */
  async releaseVideo(id: number): Promise<Video> {
    return this.#moveVideo(id, { claimed_at: null, claimed_by: null })
  }

  /**
   * releaseStaleClaims returns to the queue every pending video claimed more than
   * `olderThanSeconds` ago (its worker is presumed dead). Returns how many were released.
   */
  async releaseStaleClaims(olderThanSeconds: number): Promise<number> {
    parseInput(claimAgeSchema, olderThanSeconds, 'older_than_seconds')
    const before = new Date(Date.now() - olderThanSeconds * 1000)
    const result = await this.db.run((k) =>
      k
        .updateTable('videos')
        .set({ claimed_at: null, claimed_by: null })
        .where(sql<boolean>`status = 'pending' AND claimed_at IS NOT NULL`)
        .where('claimed_at', '<', before)
        .executeTakeFirst(),
    )
    return Number(result.numUpdatedRows)
  }

  /**
   * completeVideo marks a pending video `completed` with its file, size and timing.
   * `generation_time_seconds` defaults to the time since it was claimed (or queued); given
   * `metadata` is merged into the stored metadata.
   */
  async completeVideo(id: number, result: VideoResult): Promise<Video> {
    const r = parseInput(videoResultSchema, result)
    return this.#finishVideo(id, { ...r, status: 'completed', error_message: null })
  }

  /** failVideo marks a pending video `failed` with its error and timing. */
  async failVideo(id: number, failure: VideoFailure): Promise<Video> {
    return this.#finishVideo(id, { ...parseInput(videoFailureSchema, failure), status: 'failed' })
  }

  /**
   * #finishVideo ends a pending video with `values`: its generation time, unless they give one,
   * is the time since it was claimed (or queued), and their metadata is merged into the stored.
   */
  async #finishVideo(
    id: number,
    values: UpdateValues<VideoBatchTables['videos'], Video> & {
      metadata?: Record<string, unknown>
    },
  ): Promise<Video> {
    const current = await this.getVideo(id)
    return this.#moveVideo(id, {
      ...values,
      generation_time_seconds: values.generation_time_seconds ?? secondsSince(current),
      metadata: mergeMetadata(current.metadata, values.metadata),
    })
  }

  async #moveVideo(
    id: number,
    values: UpdateValues<VideoBatchTables['videos'], Video>,
  ): Promise<Video> {
    const row = await this.#videoRows.updateWhere(id, { status: 'pending' }, values)
    if (row) return row
    const current = await this.getVideo(id)
    throw new ConflictError(`video ${id} is ${current.status}, not pending`)
  }

  /** getVideo returns the video with `id`, or throws NotFoundError. */
  async getVideo(id: number): Promise<Video> {
    return this.#videoRows.get(id)
  }

  /** listVideos returns videos newest first (by id), filtered, one keyset page at a time. */
  readonly listVideos = videoBatchVideoList.reader(this.db)

  /** countVideosByStatus returns how many videos each status has (every status present). */
  async countVideosByStatus(): Promise<Record<string, number>> {
    // From the totals the triggers keep (migrations 5 and 7), not a count of every video.
    return this.countPerValue('video_status_totals', 'status', VIDEO_STATUSES, 'videos')
  }
}

function secondsSince(video: Video): number {
  const start = Date.parse(video.claimed_at ?? video.created_at)
  return Math.max(0, Math.round((Date.now() - start) / 10) / 100)
}

function mergeMetadata(
  stored: Record<string, unknown> | null,
  given: Record<string, unknown> | undefined,
): Record<string, unknown> | null {
  if (!given) return stored
  return { ...(stored ?? {}), ...given }
}

/**
 * promptOfType is the prompt a `prompt_type` reads from a prompt set (PROMPT_TYPE_COLUMNS), or a
 * ValidationError naming the field to give when there is none: a worker must never claim a video
 * with nothing to generate from.
 */
function promptOfType(prompt: PromptSet, promptType: string): string {
  const column = PROMPT_TYPE_COLUMNS[promptType as keyof typeof PROMPT_TYPE_COLUMNS]
  if (!column) {
    const known = Object.keys(PROMPT_TYPE_COLUMNS).join(', ')
    throw new ValidationError(
      `prompt_type: "${promptType}" names no prompt of the set (${known}); give prompt_used`,
      'prompt_type',
    )
  }
  const text = prompt[column]
  if (text === null || text === undefined || text === '') {
    throw new ValidationError(
      `prompt_used: prompt set ${prompt.id} has no ${column} for prompt_type "${promptType}"; give prompt_used`,
      'prompt_used',
    )
  }
  return text
}
