import type { SelectQueryBuilder, Updateable } from 'kysely'
import {
  claimNext,
  ConflictError,
  NotFoundError,
  parseInput,
  tableRows,
  type Database,
  type ListOptions,
  type ListPage,
  type Page,
  type PageRequest,
  type Columns,
  type RowOf,
  type Table,
  StoreRepository,
} from '../../core/index.js'
import {
  keyFromBucketPath,
  openBlobStore,
  type BlobStore,
  type UrlOptions,
} from '../../storage/index.js'
import {
  assertOwnedSession,
  createGenerationJob,
  deleteImage,
  deleteJob,
  deleteUser,
  ownedRow,
  recordGeneratedImages,
  uploadReferenceImage,
  type FlowContext,
  type OwnedTable,
} from './flows.js'
import {
  completionSchema,
  failureSchema,
  generatedImageList,
  generatedPromptSchema,
  idSchema,
  jobList,
  newSessionSchema,
  newUserSchema,
  referenceImageList,
  sessionList,
  titleSchema,
  userIdSchema,
  userList,
  type GeneratedImageInput,
  type JobCompletion,
  type JobFilter,
  type NewGenerationJob,
  type NewSession,
  type NewUser,
  type ReferenceUpload,
} from './inputs.js'
import {
  tables,
  type GeneratedImage,
  type GenerationJob,
  type GenerationJobWithReferences,
  type ImageGenTables,
  type JobStatus,
  type ReferenceImage,
  type Session,
  type User,
} from './tables.js'

const {
  users,
  sessions,
  reference_images: references,
  generation_jobs: jobs,
  generated_images: images,
} = tables

/**
 * ImageGenRepository is the typed API of the image-gen store (seed 001): users, their sessions,
 * uploaded reference images, generation jobs and generated images, with the images' bytes in a
 * BlobStore (by default the one GENMEDIA_STORAGE_URL names, opened on first use).
 *
 * Every operation but `createUser`/`getUser*` and the worker's `claimNextJob` takes the acting
 * user's id first and only ever sees that user's rows: another user's id gives NotFoundError,
 * exactly as a missing one. Bad input throws ValidationError naming the field; a job in the
 * wrong state throws ConflictError.
 */
export class ImageGenRepository extends StoreRepository<ImageGenTables> {
  readonly #userRows = tableRows(this.db, users, 'user')
  readonly #sessionRows = tableRows(this.db, sessions, 'session')
  #blobs: BlobStore | undefined

  constructor(db: Database<ImageGenTables>, blobs?: BlobStore) {
    super(db)
    this.#blobs = blobs
  }

  /** The blob store holding the images' bytes. */
  get blobs(): BlobStore {
    this.#blobs ??= openBlobStore()
    return this.#blobs
  }

  get #ctx(): FlowContext {
    return { db: this.db, blobs: this.blobs }
  }

  // ── users ───────────────────────────────────────────────────────────────

  /** createUser adds a user; a taken email throws ConflictError. */
  async createUser(input: NewUser): Promise<User> {
    return this.#userRows.insert(parseInput(newUserSchema, input))
  }

  /** getUser returns the user with `userId`, or throws NotFoundError. */
  async getUser(userId: number): Promise<User> {
    return this.#userRows.get(parseInput(userIdSchema, userId))
  }

  /** listUsers returns every user in id order, one keyset page at a time (for admins). */
  async listUsers(page: PageRequest = {}): Promise<Page<User>> {
    return userList.page(this.db, {}, page)
  }

  async getUserByEmail(email: string): Promise<User> {
    const normalised = String(email).trim().toLowerCase()
    return users.codec.decode(
      await this.rowWhere('users', 'email', normalised, `no user has email ${email}`),
    )
  }

  /** deleteUser removes the user with every row of theirs (CASCADE), then their objects. */
  async deleteUser(userId: number): Promise<void> {
    return deleteUser(this.#ctx, parseInput(userIdSchema, userId))
  }

  // ── sessions ────────────────────────────────────────────────────────────

  /** createSession opens a session (title default "New Session"). */
  async createSession(userId: number, input: NewSession = {}): Promise<Session> {
    const uid = parseInput(userIdSchema, userId)
    const values = parseInput(newSessionSchema, input)
    return this.#sessionRows.insert({ user_id: uid, ...values })
  }

  async getSession(userId: number, sessionId: number): Promise<Session> {
    return this.#owned(sessions, 'session', userId, sessionId)
  }

  async renameSession(userId: number, sessionId: number, title: string): Promise<Session> {
    const values = parseInput(titleSchema, { title })
    const row = await this.db.run((k) =>
      k
        .updateTable('sessions')
        .set(values)
        .where('id', '=', parseInput(idSchema, sessionId))
        .where('user_id', '=', parseInput(userIdSchema, userId))
        .returningAll()
        .executeTakeFirst(),
    )
    if (!row) throw new NotFoundError(`session ${sessionId} does not exist`)
    return sessions.codec.decode(row)
  }

  /**
   * deleteSession removes a session. Its jobs, generated images and reference images stay, no
   * longer in a session (session_id SET NULL): deleting a folder of history loses no image.
   */
  async deleteSession(userId: number, sessionId: number): Promise<void> {
    const result = await this.k
      .deleteFrom('sessions')
      .where('id', '=', parseInput(idSchema, sessionId))
      .where('user_id', '=', parseInput(userIdSchema, userId))
      .executeTakeFirst()
    if (Number(result.numDeletedRows) === 0) {
      throw new NotFoundError(`session ${sessionId} does not exist`)
    }
  }

  /**
   * listSessions is the seed's "Get all sessions for a user with thumbnail": the user's
   * sessions, most recently active (updated_at) first, with thumbnail and count, one keyset page
   * at a time (pass `next` as `after`).
   */
  async listSessions(userId: number, page: PageRequest = {}): Promise<Page<Session>> {
    return sessionList.page(this.db, {}, page, {}, this.#ofUser(userId))
  }

  /**
   * listSessionImages is the seed's "Get all generated images for a session", in generation
   * order (generation_index, then created_at). NotFoundError for another user's session.
   */
  async listSessionImages(userId: number, sessionId: number): Promise<GeneratedImage[]> {
    const uid = parseInput(userIdSchema, userId)
    const sid = parseInput(idSchema, sessionId)
    await assertOwnedSession(this.k, uid, sid)
    const rows = await this.k
      .selectFrom('generated_images as gi')
      .selectAll('gi')
      .where('gi.session_id', '=', sid)
      .orderBy('gi.generation_index', 'asc')
      .orderBy('gi.created_at', 'asc')
      .orderBy('gi.id', 'asc')
      .execute()
    return images.codec.decodeAll(rows)
  }

  // ── reference images ────────────────────────────────────────────────────

  /**
   * uploadReferenceImage is the seed's flow 1: stores the bytes under
   * `uploads/{user_id}/{timestamp}_{filename}`, reads width, height and MIME type from the image
   * (ValidationError naming `file` for anything that is not one), inserts the row and returns it
   * with its URL. A failure leaves neither object nor row.
   */
  uploadReferenceImage(userId: number, input: ReferenceUpload): Promise<ReferenceImage> {
    return uploadReferenceImage(this.#ctx, parseInput(userIdSchema, userId), input)
  }

  async getReferenceImage(userId: number, id: number): Promise<ReferenceImage> {
    return this.#owned(references, 'reference image', userId, id)
  }

  /** listReferenceImages returns the user's uploads, newest first, one keyset page at a time. */
  async listReferenceImages(userId: number, page: PageRequest = {}): Promise<Page<ReferenceImage>> {
    return referenceImageList.page(this.db, {}, page, {}, this.#ofUser(userId))
  }

  /** deleteReferenceImage removes the row (and its links to jobs), then the object. */
  async deleteReferenceImage(userId: number, id: number): Promise<void> {
    const [rid, uid] = [parseInput(idSchema, id), parseInput(userIdSchema, userId)]
    return deleteImage(this.#ctx, 'reference_images', 'reference image', uid, rid)
  }

  /** referenceImageUrl signs a fresh URL for a reference image (stored URLs may expire). */
  async referenceImageUrl(userId: number, id: number, options?: UrlOptions): Promise<string> {
    return this.#freshUrl(await this.getReferenceImage(userId, id), options)
  }

  // ── generation jobs ─────────────────────────────────────────────────────

  /**
   * createGenerationJob is the start of the seed's flow 2, in one transaction: picks the given
   * session (NotFoundError if it is not the user's) or creates one, inserts the job as
   * `pending` with every prompt-panel parameter, and links the reference images (each must be
   * the user's). Returns the job.
   */
  createGenerationJob(userId: number, input: NewGenerationJob): Promise<GenerationJob> {
    return createGenerationJob(this.#ctx, parseInput(userIdSchema, userId), input)
  }

  async getJob(userId: number, jobId: number): Promise<GenerationJob> {
    return this.#owned(jobs, 'generation job', userId, jobId)
  }

  /**
   * getJobWithReferenceImages is the seed's "Get generation job with all reference images":
   * the job with the URLs of its reference images in the order they were linked.
   */
  async getJobWithReferenceImages(
    userId: number,
    jobId: number,
  ): Promise<GenerationJobWithReferences> {
    const job = await this.getJob(userId, jobId)
    const refs = await this.k
      .selectFrom('generation_job_reference_images as gjri')
      .innerJoin('reference_images as ri', 'ri.id', 'gjri.reference_image_id')
      .select('ri.gcp_url')
      .where('gjri.generation_job_id', '=', job.id)
      .orderBy('gjri.id')
      .execute()
    return { ...job, reference_image_urls: refs.map((r) => r.gcp_url) }
  }

  /**
   * listJobs returns the user's jobs, newest first, optionally of one status, by keyset pages.
   * With `options.q`, only jobs whose prompt or generated prompt match, best match first;
   * `options.facets` are counted over the user's jobs the filter and search let through.
   */
  async listJobs(
    userId: number,
    filter: JobFilter = {},
    page: PageRequest = {},
    options: ListOptions = {},
  ): Promise<ListPage<GenerationJob>> {
    return jobList.page(this.db, filter, page, options, this.#ofUser(userId))
  }

  /** searchJobs finds the user's jobs by prompt or generated prompt (docs/search.md). */
  searchJobs(
    userId: number,
    q: string,
    filter: JobFilter = {},
    page: PageRequest = {},
  ): Promise<ListPage<GenerationJob>> {
    return this.listJobs(userId, filter, page, { q })
  }

  /**
   * listGeneratedImages returns the user's generated images newest first by keyset pages; with
   * `options.q`, those whose prompt or file name match, best match first; `options.facets`
   * (`mime_type`) counted over the user's images the search lets through.
   */
  async listGeneratedImages(
    userId: number,
    page: PageRequest = {},
    options: ListOptions = {},
  ): Promise<ListPage<GeneratedImage>> {
    return generatedImageList.page(this.db, {}, page, options, this.#ofUser(userId))
  }

  /** searchImages finds the user's generated images by prompt or file name (docs/search.md). */
  searchImages(
    userId: number,
    q: string,
    page: PageRequest = {},
  ): Promise<ListPage<GeneratedImage>> {
    return this.listGeneratedImages(userId, page, { q })
  }

  /** recordGeneratedPrompt stores the AI-enhanced prompt of a pending or processing job. */
  async recordGeneratedPrompt(
    userId: number,
    jobId: number,
    generatedPrompt: string,
  ): Promise<GenerationJob> {
    const { generated_prompt } = parseInput(generatedPromptSchema, {
      generated_prompt: generatedPrompt,
    })
    return this.#transition(userId, jobId, ['pending', 'processing'], { generated_prompt })
  }

  /** startJob moves one pending job of the user to `processing` (a worker without a queue). */
  startJob(userId: number, jobId: number): Promise<GenerationJob> {
    return this.#transition(userId, jobId, ['pending'], {
      status: 'processing',
      started_at: new Date(),
    })
  }

  /**
   * claimNextJob is the worker's side: atomically takes the oldest pending job of any user and
   * marks it `processing` (two workers never get the same job), or returns undefined when none
   * is pending. The job's `user_id` is the user the worker then acts for.
   */
  async claimNextJob(): Promise<GenerationJob | undefined> {
    const row = await claimNext(this.db, {
      table: 'generation_jobs',
      where: (eb) => eb('status', '=', 'pending'),
      orderBy: ['id'],
      set: { status: 'processing', started_at: new Date() },
    })
    return row ? jobs.codec.decode(row) : undefined
  }

  /**
   * recordGeneratedImages stores images of a processing job (objects and rows, all or
   * nothing); see flows.ts. Returns the rows in generation order.
   */
  recordGeneratedImages(
    userId: number,
    jobId: number,
    inputs: readonly GeneratedImageInput[],
  ): Promise<GeneratedImage[]> {
    return recordGeneratedImages(
      this.#ctx,
      parseInput(userIdSchema, userId),
      parseInput(idSchema, jobId),
      inputs,
    )
  }

  /** recordGeneratedImage stores one image of a processing job. */
  async recordGeneratedImage(
    userId: number,
    jobId: number,
    input: GeneratedImageInput,
  ): Promise<GeneratedImage> {
    const [image] = await this.recordGeneratedImages(userId, jobId, [input])
    return image!
  }

  /** completeJob marks a processing job `completed`, optionally with the model and method used. */
  async completeJob(
    userId: number,
    jobId: number,
    completion: JobCompletion = {},
  ): Promise<GenerationJob> {
    const values = parseInput(completionSchema, completion)
    return this.#transition(userId, jobId, ['processing'], {
      ...values,
      status: 'completed',
      completed_at: new Date(),
    })
  }

  /** failJob marks a pending or processing job `failed` with its error message. */
  async failJob(userId: number, jobId: number, errorMessage: string): Promise<GenerationJob> {
    const { error_message } = parseInput(failureSchema, { error_message: errorMessage })
    return this.#transition(userId, jobId, ['pending', 'processing'], {
      status: 'failed',
      error_message,
      completed_at: new Date(),
    })
  }

  /** deleteJob removes a job with its generated images and links, then the images' objects. */
  async deleteJob(userId: number, jobId: number): Promise<void> {
    return deleteJob(this.#ctx, parseInput(userIdSchema, userId), parseInput(idSchema, jobId))
  }

  async #transition(
    userId: number,
    jobId: number,
    from: readonly JobStatus[],
    set: Updateable<ImageGenTables['generation_jobs']>,
  ): Promise<GenerationJob> {
    const uid = parseInput(userIdSchema, userId)
    const jid = parseInput(idSchema, jobId)
    const row = await this.db.run((k) =>
      k
        .updateTable('generation_jobs')
        .set(set)
        .where('id', '=', jid)
        .where('user_id', '=', uid)
        .where('status', 'in', from)
        .returningAll()
        .executeTakeFirst(),
    )
    if (row) return jobs.codec.decode(row)
    const current = await this.getJob(uid, jid)
    throw new ConflictError(`generation job ${jid} is ${current.status}, not ${from.join(' or ')}`)
  }

  // ── generated images ────────────────────────────────────────────────────

  async getGeneratedImage(userId: number, id: number): Promise<GeneratedImage> {
    return this.#owned(images, 'generated image', userId, id)
  }

  /**
   * deleteGeneratedImage removes an image row (the deletion trigger counts the session down and
   * moves its thumbnail to the next image, or clears it), then its object.
   */
  async deleteGeneratedImage(userId: number, id: number): Promise<void> {
    const [gid, uid] = [parseInput(idSchema, id), parseInput(userIdSchema, userId)]
    return deleteImage(this.#ctx, 'generated_images', 'generated image', uid, gid)
  }

  /** generatedImageUrl signs a fresh URL for a generated image (stored URLs may expire). */
  async generatedImageUrl(userId: number, id: number, options?: UrlOptions): Promise<string> {
    return this.#freshUrl(await this.getGeneratedImage(userId, id), options)
  }

  /** #owned reads one row of the user's (another user's is answered as a missing one). */
  async #owned<Cs extends Columns, T extends OwnedTable>(
    table: Table<Cs, T>,
    noun: string,
    userId: number,
    id: number,
  ): Promise<RowOf<Cs>> {
    const rowId = parseInput(idSchema, id)
    return ownedRow(this.k, table, noun, parseInput(userIdSchema, userId), rowId)
  }

  /** #ofUser narrows a list to the rows of the user `userId`. */
  #ofUser(userId: number) {
    return <Q extends SelectQueryBuilder<any, any, any>>(q: Q) =>
      q.where('user_id', '=', parseInput(userIdSchema, userId)) as Q
  }

  /** #freshUrl signs a URL for a stored image's object. */
  #freshUrl(image: { gcp_bucket_path: string }, options?: UrlOptions): Promise<string> {
    return this.blobs.url(keyFromBucketPath(this.blobs.bucket, image.gcp_bucket_path), options)
  }
}
