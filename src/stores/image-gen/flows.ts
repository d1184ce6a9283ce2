import type { Kysely } from 'kysely'
import type { Metadata } from 'sharp'
import {
  ConflictError,
  NotFoundError,
  parseInput,
  ValidationError,
  type Columns,
  type Database,
  type Executor,
  type RowOf,
  type Table,
} from '../../core/index.js'
import {
  bucketPath,
  generatedKey,
  keyFromBucketPath,
  MAX_URL_EXPIRY_SECONDS,
  uploadKey,
  type BlobStore,
} from '../../storage/index.js'
import {
  generatedBatchSchema,
  newJobSchema,
  referenceUploadSchema,
  type GeneratedImageInput,
  type NewGenerationJob,
  type ReferenceUpload,
} from './inputs.js'
import {
  tables,
  type GeneratedImage,
  type GenerationJob,
  type ImageGenTables,
  type ReferenceImage,
} from './tables.js'

/** What a flow needs: the database and the blob store. */
export interface FlowContext {
  db: Database<ImageGenTables>
  blobs: BlobStore
}

/** MIME types of the image formats accepted, by sharp's format name. */
const MIME_TYPES: Record<string, string> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  gif: 'image/gif',
  tiff: 'image/tiff',
  avif: 'image/avif',
  heif: 'image/heif',
}

/** ImageFacts is what genmedia reads from an image file itself. */
export interface ImageFacts {
  width: number
  height: number
  mime_type: string
}

/** asJpeg returns an image's bytes as a JPEG: JPEGs as they are, other formats converted (quality 90). */
export async function asJpeg(bytes: Uint8Array, facts: ImageFacts): Promise<Buffer> {
  if (facts.mime_type === 'image/jpeg') return Buffer.from(bytes)
  const { default: sharp } = await import('sharp')
  return sharp(bytes).jpeg({ quality: 90 }).toBuffer()
}

/**
 * readImage reads width, height and MIME type from the bytes with sharp. Anything that is not
 * a raster image of an accepted format (SVG and PDF included) throws ValidationError naming
 * `field`.
 */
export async function readImage(bytes: Uint8Array, field: string): Promise<ImageFacts> {
  // Loaded on first use, as everywhere: sharp's native module slows every command's start.
  const { default: sharp } = await import('sharp')
  let meta: Metadata
  try {
    meta = await sharp(bytes).metadata()
  } catch (error) {
    throw new ValidationError(`${field} is not an image: ${(error as Error).message}`, field)
  }
  const format = meta.format === 'heif' && meta.compression === 'av1' ? 'avif' : meta.format
  const mime = format ? MIME_TYPES[format] : undefined
  if (!mime || !meta.width || !meta.height) {
    throw new ValidationError(
      `${field} is not an accepted image (${Object.keys(MIME_TYPES).join(', ')}), got ${meta.format ?? 'unknown'}`,
      field,
    )
  }
  return { width: meta.width, height: meta.height, mime_type: mime }
}

/** storedUrl is the URL saved in `gcp_url`: the longest-lived URL the store gives. */
export function storedUrl(blobs: BlobStore, key: string): Promise<string> {
  return blobs.url(key, { expiresIn: MAX_URL_EXPIRY_SECONDS })
}

/** removeBlobs deletes objects written by a flow that then failed; a failing delete is ignored. */
async function removeBlobs(blobs: BlobStore, keys: readonly string[]): Promise<void> {
  await Promise.all(keys.map((key) => blobs.delete(key).catch(() => undefined)))
}

/**
 * withBlobs runs `write` (which puts objects and records their keys in the given array) and
 * then `commit` (the database transaction). If either fails, every object written is deleted
 * and the error is rethrown: no row without its object, no object without its row.
 */
async function withBlobs<T>(
  blobs: BlobStore,
  write: (written: string[]) => Promise<void>,
  commit: () => Promise<T>,
): Promise<T> {
  const written: string[] = []
  try {
    await write(written)
    return await commit()
  } catch (error) {
    await removeBlobs(blobs, written)
    throw error
  }
}

/** The tables whose rows belong to one user (their `user_id`). */
export type OwnedTable = 'sessions' | 'reference_images' | 'generation_jobs' | 'generated_images'

/**
 * ownedRow returns row `id` of `table` when it belongs to `userId`, decoded. Another user's row
 * is answered as a missing one: NotFoundError (`session 7 does not exist`).
 */
export async function ownedRow<Cs extends Columns, T extends OwnedTable>(
  executor: Executor<ImageGenTables>,
  table: Table<Cs, T>,
  noun: string,
  userId: number,
  id: number,
): Promise<RowOf<Cs>> {
  const row = await owned(executor, table.name, userId, id).selectAll().executeTakeFirst()
  if (!row) throw new NotFoundError(`${noun} ${id} does not exist`)
  return table.codec.decode(row)
}

/** assertOwnedSession throws NotFoundError unless session `id` belongs to `userId`. */
export async function assertOwnedSession(
  executor: Executor<ImageGenTables>,
  userId: number,
  id: number,
): Promise<void> {
  const row = await owned(executor, 'sessions', userId, id).select('id').executeTakeFirst()
  if (!row) throw new NotFoundError(`session ${id} does not exist`)
}

/**
 * owned selects from `table` the row `id` (or the rows of the ids `id`) that belong to
 * `userId`; the caller picks the columns.
 */
function owned(
  executor: Executor<ImageGenTables>,
  table: OwnedTable,
  userId: number,
  id: number | readonly number[],
) {
  const k: Kysely<ImageGenTables> = executor
  return k
    .selectFrom(table)
    .where('id', typeof id === 'number' ? '=' : 'in', id)
    .where('user_id', '=', userId)
}

/**
 * uploadReferenceImage is the seed's flow 1: the bytes go to
 * `uploads/{user_id}/{timestamp}_{filename}`, width/height/MIME type are read from the image,
 * the row is inserted and returned with its URL. A failed insert deletes the object again.
 */
export async function uploadReferenceImage(
  ctx: FlowContext,
  userId: number,
  input: ReferenceUpload,
): Promise<ReferenceImage> {
  const upload = parseInput(referenceUploadSchema, input)
  if (upload.session_id) await assertOwnedSession(ctx.db.kysely, userId, upload.session_id)
  const facts = await readImage(upload.file, 'file')
  const at = new Date()
  const key = uploadKey(userId, upload.file_name, at)
  return withBlobs(
    ctx.blobs,
    async (written) => {
      await ctx.blobs.put(key, upload.file, facts.mime_type)
      written.push(key)
    },
    async () => {
      const row = await ctx.db.run(async (k) =>
        k
          .insertInto('reference_images')
          .values({
            user_id: userId,
            session_id: upload.session_id ?? null,
            gcp_bucket_path: bucketPath(ctx.blobs.bucket, key),
            gcp_url: await storedUrl(ctx.blobs, key),
            file_name: upload.file_name,
            file_size: upload.file.byteLength,
            ...facts,
            uploaded_at: at,
          })
          .returningAll()
          .executeTakeFirstOrThrow(),
      )
      return tables.reference_images.codec.decode(row)
    },
  )
}

/**
 * sessionImagesTurn waits, inside the transaction `trx` that inserts images of session
 * `sessionId`, for the session's turn (PostgreSQL: a transaction lock per session; SQLite's
 * write lock already serialises writers) and returns the time the images are created at. The
 * seed's trigger makes a session's thumbnail its first image committed; the seed's thumbnail
 * query, its first by `created_at`. With one writer of a session's images at a time, stamped
 * once its turn came, the two agree however many workers complete jobs at once.
 */
export async function sessionImagesTurn(
  db: Database,
  trx: Executor,
  sessionId: number | null,
): Promise<Date> {
  const lock =
    sessionId == null
      ? undefined
      : db.dialect.transactionLock(`genmedia-session-images:${sessionId}`)
  if (lock) await db.query(lock, [], trx)
  return new Date()
}

/**
 * recordGeneratedImages is the seed's "upload to generated/{job_id}/… → insert into
 * generated_images" for a job in `processing`: every image is stored as JPEG under
 * `generated/{job_id}/{index}_{timestamp}.jpg`, then all rows are inserted in one transaction
 * (the session triggers bump the count and set the thumbnail). All or nothing: on any failure
 * the objects written are deleted and no row remains. Throws NotFoundError for another user's
 * job, ConflictError when the job is not processing or an index is taken, ValidationError when
 * a file is not an image or the job would exceed its number_of_shots.
 */
export async function recordGeneratedImages(
  ctx: FlowContext,
  userId: number,
  jobId: number,
  inputs: readonly GeneratedImageInput[],
): Promise<GeneratedImage[]> {
  const { images: parsed } = parseInput(generatedBatchSchema, { images: inputs })
  const job = await readProcessingJob(ctx.db, userId, jobId)
  const existing = await ctx.db.kysely
    .selectFrom('generated_images')
    .select('generation_index')
    .where('generation_job_id', '=', jobId)
    .execute()
  const taken = new Set(existing.map((r) => r.generation_index))
  if (taken.size + parsed.length > job.number_of_shots) {
    throw new ValidationError(
      `images: job ${jobId} asked for ${job.number_of_shots} shots, has ${taken.size} and would get ${parsed.length} more`,
      'images',
    )
  }
  // Indices are settled before any object is written, so that no key of an image already
  // stored is ever overwritten (and then deleted by a rollback).
  let next = Math.max(0, ...taken)
  const indices = parsed.map((image, i) => {
    const index = image.generation_index ?? ++next
    if (taken.has(index)) {
      throw new ConflictError(`images.${i}.generation_index ${index} of job ${jobId} is taken`)
    }
    taken.add(index)
    next = Math.max(next, index)
    return index
  })
  const at = new Date()
  const rows = await Promise.all(
    parsed.map(async (image, i) => {
      const facts = await readImage(image.file, `images.${i}.file`)
      const jpeg = await asJpeg(image.file, facts)
      const key = generatedKey(jobId, indices[i]!, at)
      return {
        key,
        jpeg,
        values: {
          generation_job_id: jobId,
          user_id: userId,
          session_id: job.session_id,
          gcp_bucket_path: bucketPath(ctx.blobs.bucket, key),
          gcp_url: '',
          thumbnail_url: image.thumbnail_url ?? null,
          file_name: key.slice(key.lastIndexOf('/') + 1),
          file_size: jpeg.byteLength,
          mime_type: 'image/jpeg',
          width: facts.width,
          height: facts.height,
          prompt_used: image.prompt_used ?? job.generated_prompt ?? job.prompt,
          generation_index: indices[i]!,
        },
      }
    }),
  )
  return withBlobs(
    ctx.blobs,
    async (written) => {
      for (const row of rows) {
        await ctx.blobs.put(row.key, row.jpeg, 'image/jpeg')
        written.push(row.key)
        row.values.gcp_url = await storedUrl(ctx.blobs, row.key)
      }
    },
    () =>
      ctx.db.transaction(async (trx) => {
        const still = await trx
          .selectFrom('generation_jobs')
          .select('status')
          .where('id', '=', jobId)
          .executeTakeFirst()
        if (still?.status !== 'processing') {
          throw new ConflictError(
            `generation job ${jobId} is ${still?.status ?? 'gone'}, not processing`,
          )
        }
        const createdAt = await sessionImagesTurn(ctx.db, trx, job.session_id)
        const out: GeneratedImage[] = []
        for (const row of rows) {
          const stored = await trx
            .insertInto('generated_images')
            .values({ ...row.values, created_at: createdAt })
            .returningAll()
            .executeTakeFirstOrThrow()
          out.push(tables.generated_images.codec.decode(stored))
        }
        // A concurrent recorder of the same job may have added images meanwhile.
        const count = await trx
          .selectFrom('generated_images')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('generation_job_id', '=', jobId)
          .executeTakeFirstOrThrow()
        if (Number(count.n) > job.number_of_shots) {
          throw new ConflictError(
            `generation job ${jobId} would get ${count.n} images, more than its ${job.number_of_shots} shots`,
          )
        }
        return out
      }),
  )
}

async function readProcessingJob(db: Database<ImageGenTables>, userId: number, jobId: number) {
  const job = await db.kysely
    .selectFrom('generation_jobs')
    .select(['status', 'session_id', 'number_of_shots', 'prompt', 'generated_prompt'])
    .where('id', '=', jobId)
    .where('user_id', '=', userId)
    .executeTakeFirst()
  if (!job) throw new NotFoundError(`generation job ${jobId} does not exist`)
  if (job.status !== 'processing') {
    throw new ConflictError(`generation job ${jobId} is ${job.status}, not processing`)
  }
  return job
}

/**
 * createGenerationJob is the start of the seed's flow 2, in one transaction: picks the given
 * session (NotFoundError if it is not the user's) or creates one titled `session_title`, inserts
 * the job as `pending` with every prompt-panel parameter, and links the reference images (each
 * must be the user's, else NotFoundError). Returns the job.
 */
export async function createGenerationJob(
  ctx: FlowContext,
  uid: number,
  input: NewGenerationJob,
): Promise<GenerationJob> {
  const { session_id, session_title, reference_image_ids, ...fields } = parseInput(
    newJobSchema,
    input,
  )
  const refIds = [...new Set(reference_image_ids ?? [])]
  const row = await ctx.db.transaction(async (trx) => {
    let sessionId = session_id
    if (sessionId === undefined) {
      const created = await trx
        .insertInto('sessions')
        .values({ user_id: uid, ...(session_title ? { title: session_title } : {}) })
        .returning('id')
        .executeTakeFirstOrThrow()
      sessionId = created.id
    } else {
      await assertOwnedSession(trx, uid, sessionId)
    }
    if (refIds.length > 0) {
      const found = await owned(trx, 'reference_images', uid, refIds).select('id').execute()
      const ownIds = new Set(found.map((r) => r.id))
      const missing = refIds.find((r) => !ownIds.has(r))
      if (missing !== undefined) {
        throw new NotFoundError(`reference image ${missing} does not exist`)
      }
    }
    const job = await trx
      .insertInto('generation_jobs')
      .values({ ...fields, user_id: uid, session_id: sessionId, status: 'pending' })
      .returningAll()
      .executeTakeFirstOrThrow()
    if (refIds.length > 0) {
      await trx
        .insertInto('generation_job_reference_images')
        .values(refIds.map((r) => ({ generation_job_id: job.id, reference_image_id: r })))
        .execute()
    }
    return job
  })
  return tables.generation_jobs.codec.decode(row)
}

// ── deletions: rows first, then their objects ─────────────────────────────

/** A row that refers to an object of the blob store. */
type StoredObject = { gcp_bucket_path: string }

/**
 * deleteWithObjects runs `remove` in one transaction: it deletes rows and returns those of the
 * images that go with them, or undefined when the row asked for does not exist (NotFoundError
 * `missing`). The images' objects are deleted after the commit: a failure there leaves an
 * unreferenced object (reported by the error; sweepOrphanBlobs removes it), never a row whose
 * object is gone.
 */
async function deleteWithObjects(
  ctx: FlowContext,
  missing: string,
  remove: (trx: Executor<ImageGenTables>) => Promise<readonly StoredObject[] | undefined>,
): Promise<void> {
  const removed = await ctx.db.transaction(async (trx) => {
    const rows = await remove(trx)
    if (!rows) throw new NotFoundError(missing)
    return rows
  })
  for (const { gcp_bucket_path } of removed) {
    await ctx.blobs.delete(keyFromBucketPath(ctx.blobs.bucket, gcp_bucket_path))
  }
}

/** deleteUser removes the user with every row of theirs (CASCADE), then their objects. */
export function deleteUser(ctx: FlowContext, uid: number): Promise<void> {
  return deleteWithObjects(ctx, `user ${uid} does not exist`, async (trx) => {
    const refs = await trx
      .selectFrom('reference_images')
      .select('gcp_bucket_path')
      .where('user_id', '=', uid)
      .execute()
    const gens = await trx
      .selectFrom('generated_images')
      .select('gcp_bucket_path')
      .where('user_id', '=', uid)
      .execute()
    const result = await trx.deleteFrom('users').where('id', '=', uid).executeTakeFirst()
    return Number(result.numDeletedRows) === 0 ? undefined : [...refs, ...gens]
  })
}

/** deleteJob removes a job with its generated images and links, then the images' objects. */
export function deleteJob(ctx: FlowContext, uid: number, jid: number): Promise<void> {
  return deleteWithObjects(ctx, `generation job ${jid} does not exist`, async (trx) => {
    const gens = await trx
      .selectFrom('generated_images')
      .select('gcp_bucket_path')
      .where('generation_job_id', '=', jid)
      .where('user_id', '=', uid)
      .execute()
    const result = await trx
      .deleteFrom('generation_jobs')
      .where('id', '=', jid)
      .where('user_id', '=', uid)
      .executeTakeFirst()
    return Number(result.numDeletedRows) === 0 ? undefined : gens
  })
}

/**
 * deleteImage removes one image row of the user's (a reference image with its links to jobs; a
 * generated image, which the deletion trigger counts out of its session), then its object.
 */
export function deleteImage(
  ctx: FlowContext,
  table: 'reference_images' | 'generated_images',
  noun: string,
  uid: number,
  id: number,
): Promise<void> {
  return deleteWithObjects(ctx, `${noun} ${id} does not exist`, async (trx) => {
    const rows = await trx
      .deleteFrom(table)
      .where('id', '=', id)
      .where('user_id', '=', uid)
      .returning('gcp_bucket_path')
      .execute()
    return rows.length === 0 ? undefined : rows
  })
}
