import { sql } from 'kysely'
import {
  ConflictError,
  insertEach,
  inspectSchema,
  NotFoundError,
  parseInput,
  parseItem,
  parseTimestamp,
  tableRows,
  ValidationError,
  type IndexInfo,
  type Page,
  type PageRequest,
  StoreRepository,
} from '../../core/index.js'
import { IMAGE_STATUSES } from './migrations.js'
import {
  countSchema,
  creationList,
  creationResultSchema,
  imageList,
  imagePatchSchema,
  newCreationSchema,
  newImageSchema,
  newTrainingSchema,
  trainingList,
  trainingResultSchema,
  type CreationResult,
  type ImagePatch,
  type NewCreationSession,
  type NewImage,
  type NewTrainingSession,
  type TrainingResult,
} from './inputs.js'
import {
  aiArtistTables,
  type AiArtistTables,
  type CreationSession,
  type DailyCreationStatistics,
  type GeneratedImage,
  type QualityTier,
  type TrainingSession,
  type TrainingStatistics,
} from './tables.js'

const {
  generated_images: images,
  training_sessions: trainings,
  creation_sessions: creations,
} = aiArtistTables

/**
 * AiArtistRepository is the typed API of the ai-artist store (seed 004): generated artwork with
 * its scores and curation, LoRA training runs, and automated creation sessions. Every query the
 * seed shows is a method here. Methods throw ValidationError for bad input (naming the field)
 * and NotFoundError for a missing id.
 */
export class AiArtistRepository extends StoreRepository<AiArtistTables> {
  readonly #imageRows = tableRows(this.db, images, 'generated image')
  readonly #trainingRows = tableRows(this.db, trainings, 'training session')
  readonly #creationRows = tableRows(this.db, creations, 'creation session')

  // ── images ──────────────────────────────────────────────────────────────

  /** addImage inserts one generated image and returns it as stored. */
  async addImage(input: NewImage): Promise<GeneratedImage> {
    return this.#imageRows.insert(parseInput(newImageSchema, input))
  }

  /**
   * addImages inserts many images in one transaction through one reused prepared statement (the
   * bulk path for imports and sample data). All or nothing; returns the count.
   */
  async addImages(inputs: readonly NewImage[]): Promise<number> {
    const now = new Date()
    return insertEach(this.db, images, inputs, {
      parse: (input, i) => parseItem(newImageSchema, input, 'image', i),
      defaults: {
        negative_prompt: '',
        generation_params: {},
        status: 'pending',
        is_featured: false,
        tags: [],
        created_at: now,
        updated_at: now,
      },
    })
  }

  /** getImage returns the image with `id`, or throws NotFoundError. */
  async getImage(id: number): Promise<GeneratedImage> {
    return this.#imageRows.get(id)
  }

  /** getImageByFilename returns the image stored under `filename`, or throws NotFoundError. */
  async getImageByFilename(filename: string): Promise<GeneratedImage> {
    const missing = `no generated image has filename ${filename}`
    return images.codec.decode(
      await this.rowWhere('generated_images', 'filename', filename, missing),
    )
  }

  /** updateImage changes the given columns; `updated_at` moves, `created_at` never does. */
  async updateImage(id: number, patch: ImagePatch): Promise<GeneratedImage> {
    const values = parseInput(imagePatchSchema, patch)
    if (Object.keys(values).length === 0) return this.getImage(id)
    // updated_at is set here as well as by the update_timestamp trigger: SQLite's RETURNING
    // shows the row before AFTER triggers ran.
    return this.#imageRows.update(id, { ...values, updated_at: sql`CURRENT_TIMESTAMP` })
  }

  /** curateImage marks an image curated (kept for the gallery). */
  curateImage(id: number): Promise<GeneratedImage> {
    return this.updateImage(id, { status: 'curated' })
  }

  /** rejectImage marks an image rejected; a rejected image is no longer featured. */
  rejectImage(id: number): Promise<GeneratedImage> {
    return this.updateImage(id, { status: 'rejected', is_featured: false })
  }

  /** featureImage sets or clears the gallery's featured flag. */
  featureImage(id: number, featured = true): Promise<GeneratedImage> {
    return this.updateImage(id, { is_featured: featured })
  }

  /** deleteImage removes an image; throws NotFoundError when there is none. */
  async deleteImage(id: number): Promise<void> {
    return this.#imageRows.remove(id)
  }

  /**
   * listImages returns images newest first, filtered, one keyset page at a time: pass the
   * returned `next` as `after` for the following page. With `options.q`, only images whose
   * prompt, negative prompt, tags or file name match, best match first; `options.facets`
   * (`status`, `model_id`) are counted over every image the filter and search let through.
   */
  readonly listImages = imageList.reader(this.db)

  /**
   * searchImages finds images by their prompt, negative prompt, tags or file name (`q`: words,
   * "phrases", prefix*; see docs/search.md), best match first, within `filter`.
   */
  readonly searchImages = imageList.searcher(this.db)

  /** countImagesByStatus returns how many images each status has (every status present). */
  async countImagesByStatus(): Promise<Record<string, number>> {
    // From the totals the triggers keep (migration 3), not a count of every image.
    return this.countPerValue('image_quality_totals', 'status', IMAGE_STATUSES, 'images')
  }

  // ── the seed's common queries ───────────────────────────────────────────

  /** Seed: "Get Recent High-Quality Images" — curated, final_score ≥ minScore, newest first. */
  async listRecentHighQuality(minScore = 7.0, limit = 10): Promise<GeneratedImage[]> {
    const rows = await this.k
      .selectFrom('generated_images')
      .selectAll()
      .where('status', '=', 'curated')
      .where('final_score', '>=', minScore)
      .orderBy('created_at', 'desc')
      .limit(limit)
      .execute()
    return images.codec.decodeAll(rows)
  }

  /** Seed: "Get Uncurated Images for Processing" — pending, oldest first. */
  async listUncurated(limit = 100): Promise<Pick<GeneratedImage, 'id' | 'filename' | 'prompt'>[]> {
    return this.k
      .selectFrom('generated_images')
      .select(['id', 'filename', 'prompt'])
      .where('status', '=', 'pending')
      .orderBy('created_at', 'asc')
      .limit(limit)
      .execute()
  }

  /** Seed's EXPLAIN example: the top curated images by final score. */
  async listTopCurated(limit = 10): Promise<GeneratedImage[]> {
    const rows = await this.k
      .selectFrom('generated_images')
      .selectAll()
      .where('status', '=', 'curated')
      .orderBy('final_score', 'desc')
      .limit(limit)
      .execute()
    return images.codec.decodeAll(rows)
  }

  /**
   * Seed: "Quality Distribution" of curated images by tier (the seed's tiers: QUALITY_TIER), by
   * tier name. Read from image_quality_totals, which triggers keep with every write of
   * generated_images, instead of reading every curated image.
   */
  async getQualityDistribution(): Promise<QualityTier[]> {
    const rows = await this.db.query<QualityTier>(`SELECT
    quality_tier,
    images AS count,
    CASE WHEN scored = 0 THEN NULL ELSE score_sum / scored END AS avg_score
FROM image_quality_totals
WHERE status = 'curated' AND images > 0
ORDER BY quality_tier`)
    return rows.map((r) => ({ ...r, count: Number(r.count) }))
  }

  // ── training sessions ───────────────────────────────────────────────────

  /** startTraining records a LoRA training run as `running`. */
  async startTraining(input: NewTrainingSession): Promise<TrainingSession> {
    return this.#trainingRows.insert({ ...parseInput(newTrainingSchema, input), status: 'running' })
  }

  /**
   * completeTraining records a run's loss, time and metrics and marks it completed. The time
   * defaults to the seconds since it started. Throws NotFoundError for an unknown id and
   * ValidationError when the run is not running.
   */
  async completeTraining(id: number, result: TrainingResult = {}): Promise<TrainingSession> {
    const r = parseInput(trainingResultSchema, result)
    const completedAt = r.completed_at ? parseTimestamp(r.completed_at, 'completed_at') : new Date()
    return this.#finishTraining(id, 'completed', completedAt, () => ({
      final_loss: r.final_loss ?? null,
      training_time_seconds: r.training_time_seconds,
      metrics: r.metrics,
    }))
  }

  /** failTraining marks a running run failed; `error` is kept in its metrics. */
  async failTraining(id: number, error: string): Promise<TrainingSession> {
    return this.#finishTraining(id, 'failed', new Date(), (current) => ({
      metrics: { ...current.metrics, error },
    }))
  }

  async #finishTraining(
    id: number,
    status: 'completed' | 'failed',
    completedAt: Date,
    valuesFor: (current: TrainingSession) => {
      final_loss?: number | null
      training_time_seconds?: number | null
      metrics?: Record<string, unknown>
    },
  ): Promise<TrainingSession> {
    const current = await this.getTraining(id)
    if (current.status !== 'running') {
      throw new ConflictError(`training session ${id} is ${current.status}, not running`)
    }
    const values = valuesFor(current)
    const started = current.started_at === null ? NaN : Date.parse(current.started_at)
    const seconds =
      values.training_time_seconds ??
      (Number.isNaN(started) ? null : Math.max(0, (completedAt.getTime() - started) / 1000))
    const row = await this.#trainingRows.updateWhere(
      id,
      { status: 'running' },
      { ...values, training_time_seconds: seconds, completed_at: completedAt, status },
    )
    if (!row) throw new NotFoundError(`training session ${id} is no longer running`)
    return row
  }

  /** getTraining returns the training session with `id`, or throws NotFoundError. */
  async getTraining(id: number): Promise<TrainingSession> {
    return this.#trainingRows.get(id)
  }

  /** listTrainingSessions returns runs newest first, optionally of one status. */
  readonly listTrainingSessions = trainingList.reader(this.db)

  /** Seed: "Training Session Statistics", newest first. */
  async getTrainingSessionStatistics(): Promise<TrainingStatistics[]> {
    return this.db.query<TrainingStatistics>(`SELECT
    name,
    dataset_size,
    final_loss,
    training_time_seconds / 3600.0 as training_hours,
    status
FROM training_sessions
ORDER BY started_at DESC`)
  }

  // ── creation sessions ───────────────────────────────────────────────────

  /** startCreationSession opens an automated creation batch. */
  async startCreationSession(input: NewCreationSession = {}): Promise<CreationSession> {
    return this.#creationRows.insert(parseInput(newCreationSchema, input))
  }

  /**
   * recordCreation adds to a session's counts of images created and kept (atomically, so
   * concurrent workers may report into one session). A total past 2^53 − 1, the largest whole
   * number read back exactly, is refused (ValidationError naming the count) and nothing changes.
   */
  async recordCreation(
    id: number,
    counts: { created: number; kept: number },
  ): Promise<CreationSession> {
    const created = parseInput(countSchema, counts.created)
    const kept = parseInput(countSchema, counts.kept)
    const row = await this.db.run((k) =>
      k
        .updateTable('creation_sessions')
        .set((eb) => ({
          images_created: eb('images_created', '+', created),
          images_kept: eb('images_kept', '+', kept),
        }))
        .where('id', '=', this.#creationRows.key(id))
        .where((eb) =>
          eb.and([
            eb(
              eb.fn.coalesce('images_created', eb.lit(0)),
              '<=',
              Number.MAX_SAFE_INTEGER - created,
            ),
            eb(eb.fn.coalesce('images_kept', eb.lit(0)), '<=', Number.MAX_SAFE_INTEGER - kept),
          ]),
        )
        .returningAll()
        .executeTakeFirst(),
    )
    if (row) return creations.codec.decode(row)
    const current = await this.#creationRows.get(id)
    const field =
      (current.images_created ?? 0) > Number.MAX_SAFE_INTEGER - created ? 'created' : 'kept'
    throw new ValidationError(`${field} would take the session's total past 2^53 - 1`, field)
  }

  /**
   * completeCreationSession closes a session with its average score; without one, the average
   * final score of the images created since the session started is used.
   */
  async completeCreationSession(id: number, result: CreationResult = {}): Promise<CreationSession> {
    const r = parseInput(creationResultSchema, result)
    const session = await this.getCreationSession(id)
    const completedAt = r.completed_at ? parseTimestamp(r.completed_at, 'completed_at') : new Date()
    let avg = r.avg_score
    if (avg === undefined) {
      const [row] = await this.k
        .selectFrom('generated_images')
        .select((eb) => eb.fn.avg<number>('final_score').as('avg'))
        .where('created_at', '>=', parseTimestamp(session.started_at, 'started_at'))
        .where('created_at', '<=', completedAt)
        .execute()
      avg = row?.avg === null || row?.avg === undefined ? null : Number(row.avg)
    }
    return this.#creationRows.update(id, { avg_score: avg, completed_at: completedAt })
  }

  /** getCreationSession returns the creation session with `id`, or throws NotFoundError. */
  async getCreationSession(id: number): Promise<CreationSession> {
    return this.#creationRows.get(id)
  }

  async listCreationSessions(page: PageRequest = {}): Promise<Page<CreationSession>> {
    return creationList.page(this.db, {}, page)
  }

  /** Seed: "Daily Creation Statistics", newest day first. */
  async getDailyCreationStatistics(): Promise<DailyCreationStatistics[]> {
    const rows = await this.db.query<DailyCreationStatistics>(`SELECT
    DATE(started_at) as date,
    COUNT(*) as sessions,
    SUM(images_created) as total_created,
    SUM(images_kept) as total_kept,
    ROUND(AVG(avg_score), 2) as avg_quality
FROM creation_sessions
GROUP BY DATE(started_at)
ORDER BY date DESC`)
    return rows.map((r) => ({
      ...r,
      total_created: Number(r.total_created),
      total_kept: Number(r.total_kept),
    }))
  }

  // ── the seed's monitoring queries ───────────────────────────────────────

  /** Seed: "Database Size", in megabytes (the file on SQLite, the schema on PostgreSQL). */
  async getDatabaseSize(): Promise<{ size_mb: number }> {
    return { size_mb: (await this.db.sizeBytes()) / 1024 / 1024 }
  }

  /** Seed: "Table Statistics": each table with its row count. */
  async getTableStatistics(): Promise<{ name: string; row_count: number }[]> {
    const out = []
    // The seed's tables; image_quality_totals is genmedia's summary of generated_images.
    const { generated_images, training_sessions, creation_sessions } = aiArtistTables
    for (const { name } of [generated_images, training_sessions, creation_sessions]) {
      const [row] = await this.k
        .selectFrom(name)
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .execute()
      out.push({ name, row_count: Number(row?.n ?? 0) })
    }
    return out
  }

  /** Seed: "Index Usage": the indexes of `generated_images` and their columns. */
  async getIndexUsage(): Promise<IndexInfo[]> {
    const schema = await inspectSchema(this.db)
    return schema.indexes.filter((i) => i.table === 'generated_images')
  }
}
