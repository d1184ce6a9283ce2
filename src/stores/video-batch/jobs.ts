import type { Kysely } from 'kysely'
import {
  parseInput,
  prepareQuery,
  type Database,
  type JobPipeline,
  type JobTable,
  type PreparedQuery,
} from '../../core/index.js'
import { videoResultSchema } from './inputs.js'
import type { VideoBatchRepository } from './repository.js'
import { videoBatchTables, type VideoBatchTables } from './tables.js'

const { videos, images, prompts } = videoBatchTables

/** The most characters of an error kept in `error_message`. */
const MAX_ERROR = 10_000

/**
 * The videos table as the job runtime sees it (seed 000's statuses unchanged): a queued video
 * is `pending` and unclaimed; a running one `pending` with a lease (and `claimed_at`/
 * `claimed_by`, so the seed's and genmedia's claim queries agree); a retrying one `pending`,
 * unclaimed, with attempts made; a cancelled one `failed` with `cancelled_at`.
 */
export const videoJobTable: JobTable = {
  table: 'videos',
  queued: "status = 'pending' AND claimed_at IS NULL",
  active: "status = 'pending'",
  done: "status = 'completed'",
  failed: "status = 'failed'",
  claimSet: (now, worker) => ({ claimed_at: now, claimed_by: worker }),
  releaseSet: () => ({ claimed_at: null, claimed_by: null }),
  failSet: (error) => ({ status: 'failed', error_message: error.slice(0, MAX_ERROR) }),
  resetSet: () => ({ status: 'pending', error_message: null, claimed_at: null, claimed_by: null }),
  maxAttempts: 3,
}

/** The rows a handler gets beside its video: its image and its prompt set, by id. */
interface JobLookups {
  image: PreparedQuery<Record<string, unknown>>
  prompt: PreparedQuery<Record<string, unknown>>
}

const lookupsByDatabase = new WeakMap<Database, JobLookups>()

/**
 * lookupsOf compiles a database's lookups once: a worker runs both for every job, and building
 * and compiling a query per call costs more than a read by id (BASELINES.md).
 */
function lookupsOf(db: Database): JobLookups {
  let lookups = lookupsByDatabase.get(db)
  if (!lookups) {
    const byId = (table: 'images' | 'prompts') =>
      prepareQuery(db as Database<VideoBatchTables>, (k: Kysely<VideoBatchTables>) =>
        k.selectFrom(table).selectAll().where('id', '=', 0),
      ) as PreparedQuery<Record<string, unknown>>
    lookups = { image: byId('images'), prompt: byId('prompts') }
    lookupsByDatabase.set(db, lookups)
  }
  return lookups
}

/**
 * The video-batch pipeline (seed 000's video generation): a handler gets the video row with its
 * source image and prompt set and returns `{ video_filename, video_path?, file_size_bytes?,
 * generation_service?, metadata? }`; genmedia times the attempt (`generation_time_seconds`),
 * merges the metadata and marks the video `completed`.
 */
export const videoBatchJobs: JobPipeline<VideoBatchRepository> = {
  table: videoJobTable,
  async prepare(store, row) {
    const video = videos.codec.decode(row)
    const lookups = lookupsOf(store.db)
    const image = await lookups.image.takeFirst([video.image_id])
    const prompt =
      video.prompt_id == null ? undefined : await lookups.prompt.takeFirst([video.prompt_id])
    return {
      ...video,
      image: image ? images.codec.decode(image) : null,
      prompt: prompt ? prompts.codec.decode(prompt) : null,
    }
  },
  async complete(_store, job, result, { elapsedSeconds }) {
    const r = parseInput(videoResultSchema, result)
    const stored = job.metadata as Record<string, unknown> | null
    const metadata = r.metadata ? { ...(stored ?? {}), ...r.metadata } : stored
    return {
      set: videos.codec.encode({
        ...r,
        status: 'completed',
        error_message: null,
        generation_time_seconds:
          r.generation_time_seconds ?? Math.round(elapsedSeconds * 100) / 100,
        metadata,
      }),
    }
  },
}
