import { readFile } from 'node:fs/promises'
import { isAbsolute, resolve } from 'node:path'
import type { Insertable, Kysely } from 'kysely'
import { z } from 'zod'
import {
  parseInput,
  ValidationError,
  type Completion,
  type JobPipeline,
  type JobTable,
  STATUS_ENDS,
} from '../../core/index.js'
import { bucketPath, generatedKey, keyFromBucketPath, type BlobStore } from '../../storage/index.js'
import { asJpeg, readImage, sessionImagesTurn, storedUrl } from './flows.js'
import { MAX_IMAGE_BYTES } from './inputs.js'
import type { ImageGenRepository } from './repository.js'
import { tables, type GenerationJob, type ImageGenTables } from './tables.js'

/**
 * generation_jobs as the job runtime sees it (seed 001's statuses unchanged): queued is
 * `pending` without a lease; running is `processing` with one; retrying is `pending` with
 * attempts made (and a `run_after`); cancelled is `failed` with `cancelled_at` set.
 */
export const generationJobTable: JobTable = {
  table: 'generation_jobs',
  queued: "status = 'pending' AND lease_owner IS NULL",
  active: "status IN ('pending', 'processing')",
  ...STATUS_ENDS,
  claimSet: (now) => ({ status: 'processing', started_at: now }),
  releaseSet: () => ({ status: 'pending' }),
  failSet: (error, now) => ({
    status: 'failed',
    error_message: error,
    completed_at: now,
  }),
  resetSet: () => ({ status: 'pending', error_message: null, completed_at: null }),
  maxAttempts: 5,
}

/** One image of a handler's result: its bytes (or base64 text), or a file the command wrote. */
const resultImageSchema = z
  .object({
    data: z.union([z.instanceof(Uint8Array), z.string().min(1)]).optional(),
    path: z.string().min(1).optional(),
    mime_type: z.string().optional(),
    width: z.number().optional(),
    height: z.number().optional(),
    prompt_used: z.string().trim().min(1).max(10_000).optional(),
  })
  .refine((i) => (i.data === undefined) !== (i.path === undefined), {
    message: 'give the image as data (bytes or base64) or as path, one of them',
  })

/** What an image-gen handler returns (docs/worker.md). */
export const generationResultSchema = z.object({
  images: z.array(resultImageSchema).min(1),
  generated_prompt: z.string().trim().min(1).max(10_000).optional(),
  model_used: z.string().trim().min(1).max(200).optional(),
  generation_method: tables.generation_jobs.columns.generation_method.input.optional(),
})
export type GenerationResult = z.input<typeof generationResultSchema>

async function imageBytes(image: z.output<typeof resultImageSchema>, i: number): Promise<Buffer> {
  const field = `images.${i}`
  let bytes: Buffer
  if (image.path !== undefined) {
    const file = isAbsolute(image.path) ? image.path : resolve(image.path)
    bytes = await readFile(file).catch((error: Error) => {
      throw new ValidationError(`${field}.path ${image.path}: ${error.message}`, `${field}.path`)
    })
  } else if (typeof image.data === 'string') {
    bytes = Buffer.from(image.data, 'base64')
  } else {
    bytes = Buffer.from(image.data!)
  }
  if (bytes.byteLength === 0 || bytes.byteLength > MAX_IMAGE_BYTES) {
    throw new ValidationError(`${field}: ${bytes.byteLength} bytes is not an image size`, field)
  }
  return bytes
}

/**
 * leftoverKeys are the objects under `generated/{job}/` no generated_images row refers to: what
 * an attempt that died between writing its objects and committing its rows left behind.
 */
async function leftoverKeys(
  blobs: BlobStore,
  k: Kysely<ImageGenTables>,
  jobId: number,
): Promise<string[]> {
  const keys = await blobs.list(`generated/${jobId}/`)
  if (keys.length === 0) return []
  const rows = await k
    .selectFrom('generated_images')
    .select('gcp_bucket_path')
    .where('generation_job_id', '=', jobId)
    .execute()
  const referenced = new Set(rows.map((r) => keyFromBucketPath(blobs.bucket, r.gcp_bucket_path)))
  return keys.filter((key) => !referenced.has(key))
}

/**
 * The image-gen pipeline (seed 001 data flow 2): a handler gets the generation job with its
 * reference images and returns the images; genmedia stores each as JPEG under
 * `generated/{job_id}/{index}_{timestamp}.jpg`, inserts `generated_images` (once per job and
 * index: indices a crashed attempt already committed are skipped, objects it left are removed)
 * and completes the job in the same transaction; the seed's triggers update the session.
 */
export const imageGenJobs: JobPipeline<ImageGenRepository> = {
  table: generationJobTable,
  async prepare(store, row) {
    const job = tables.generation_jobs.codec.decode(row)
    const refs = await (store.db.kysely as Kysely<ImageGenTables>)
      .selectFrom('generation_job_reference_images as l')
      .innerJoin('reference_images as r', 'r.id', 'l.reference_image_id')
      .select(['r.id', 'r.gcp_url', 'r.gcp_bucket_path', 'r.mime_type', 'r.width', 'r.height'])
      .where('l.generation_job_id', '=', job.id)
      .orderBy('l.id')
      .execute()
    return { ...job, reference_images: refs, reference_image_urls: refs.map((r) => r.gcp_url) }
  },
  total: (job) => Number(job.number_of_shots),
  async complete(store, job, result): Promise<Completion> {
    const r = parseInput(generationResultSchema, result)
    const { id: jobId, number_of_shots: shots } = job as unknown as GenerationJob
    const { user_id: userId, session_id: sessionId, prompt } = job as unknown as GenerationJob
    if (r.images.length !== shots) {
      throw new ValidationError(
        `images: job ${jobId} asked for ${shots} images, the handler returned ${r.images.length}`,
        'images',
      )
    }
    const blobs = store.repo.blobs
    const k = store.db.kysely as Kysely<ImageGenTables>
    await Promise.all(
      (await leftoverKeys(blobs, k, jobId)).map((key) => blobs.delete(key).catch(() => {})),
    )
    const taken = new Set(
      (
        await k
          .selectFrom('generated_images')
          .select('generation_index')
          .where('generation_job_id', '=', jobId)
          .execute()
      ).map((row) => row.generation_index),
    )
    const at = new Date()
    const written: string[] = []
    const rows: Insertable<ImageGenTables['generated_images']>[] = []
    try {
      for (const [i, image] of r.images.entries()) {
        const index = i + 1
        if (taken.has(index)) continue
        const bytes = await imageBytes(image, i)
        const facts = await readImage(bytes, `images.${i}`)
        const jpeg = await asJpeg(bytes, facts)
        const key = generatedKey(jobId, index, at)
        await blobs.put(key, jpeg, 'image/jpeg')
        written.push(key)
        rows.push({
          generation_job_id: jobId,
          user_id: userId,
          session_id: sessionId,
          gcp_bucket_path: bucketPath(blobs.bucket, key),
          gcp_url: await storedUrl(blobs, key),
          file_name: key.slice(key.lastIndexOf('/') + 1),
          file_size: jpeg.byteLength,
          mime_type: 'image/jpeg',
          width: facts.width,
          height: facts.height,
          prompt_used: image.prompt_used ?? r.generated_prompt ?? prompt,
          generation_index: index,
        })
      }
    } catch (error) {
      await Promise.all(written.map((key) => blobs.delete(key).catch(() => {})))
      throw error
    }
    return {
      set: {
        status: 'completed',
        completed_at: at,
        error_message: null,
        progress: shots,
        ...(r.generated_prompt ? { generated_prompt: r.generated_prompt } : {}),
        ...(r.model_used ? { model_used: r.model_used } : {}),
        ...(r.generation_method ? { generation_method: r.generation_method } : {}),
      },
      async write(trx) {
        const createdAt = await sessionImagesTurn(store.db, trx, sessionId)
        for (const row of rows) {
          await (trx as Kysely<ImageGenTables>)
            .insertInto('generated_images')
            .values({ ...row, created_at: createdAt })
            .execute()
        }
      },
      async undo() {
        await Promise.all(written.map((key) => blobs.delete(key).catch(() => {})))
      },
    }
  },
}
