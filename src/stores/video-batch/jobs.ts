import {
  NotFoundError,
  parseInput,
  STATUS_ENDS,
  type JobPipeline,
  type JobTable,
} from '../../core/index.js'
import { videoResultSchema } from './inputs.js'
import type { VideoBatchRepository } from './repository.js'
import { videoBatchTables } from './tables.js'

const { videos } = videoBatchTables

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
  ...STATUS_ENDS,
  claimSet: (now, worker) => ({ claimed_at: now, claimed_by: worker }),
  releaseSet: () => ({ claimed_at: null, claimed_by: null }),
  failSet: (error) => ({ status: 'failed', error_message: error }),
  resetSet: () => ({ status: 'pending', error_message: null, claimed_at: null, claimed_by: null }),
  maxAttempts: 3,
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
    // The repository's reads by key, compiled once (TableRows.get): a worker runs both per job.
    const orNull = (error: unknown) => {
      if (error instanceof NotFoundError) return null
      throw error
    }
    return {
      ...video,
      image: await store.repo.getImage(video.image_id).catch(orNull),
      prompt:
        video.prompt_id == null
          ? null
          : await store.repo.getPromptSet(video.prompt_id).catch(orNull),
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
