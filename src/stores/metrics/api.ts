import { z } from 'zod'
import {
  ConflictError,
  NotFoundError,
  ofExisting,
  routesFor,
  limitQuery,
  type ApiRoute,
} from '../../core/index.js'
import {
  newSnapshotSchema,
  newVideoSchema,
  snapshotHistoryList,
  videoLifecycleStatusSchema,
  videoList,
  videoPatchSchema,
  type VideoPatch,
} from './inputs.js'
import type { MetricsRepository } from './repository.js'
import { latestVideoMetrics, metricsTables as tables, platformSummary } from './tables.js'

/** One row of the view latest_video_metrics. */
export const latestVideoMetricsSchema = latestVideoMetrics.row

const videoParams = z.object({ video_id: newVideoSchema.shape.video_id })

/**
 * upsertVideo changes the given columns of a video's metadata, creating the video (as a draft)
 * when it has none yet. A video created by someone else in between is updated instead.
 */
async function upsertVideo(repo: MetricsRepository, videoId: string, patch: VideoPatch) {
  try {
    return await repo.updateVideo(videoId, patch)
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error
  }
  try {
    return await repo.addVideo({ ...patch, video_id: videoId })
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error
    return repo.updateVideo(videoId, patch)
  }
}

const route = routesFor<MetricsRepository>()

/** The metrics store over HTTP, under /api/metrics. */
export const metricsApi: ApiRoute<MetricsRepository>[] = [
  route({
    method: 'POST',
    path: '/snapshots',
    summary:
      'Record a metrics snapshot of a video on a platform (engagement rate computed from the counts; 409 for a repeated timestamp)',
    body: newSnapshotSchema,
    response: tables.video_metrics.row,
    status: 201,
    handler: ({ repo, body }) => repo.recordSnapshot(body),
  }),
  route.batch(
    '/snapshots/batch',
    'Record many snapshots, all or nothing',
    'snapshots',
    newSnapshotSchema,
    'recorded',
    (repo, snapshots) => repo.recordSnapshots(snapshots),
  ),
  route.list({
    path: '/videos',
    summary: 'List videos newest first, by status or topic, by keyset page; search and facets',
    list: videoList,
    handler: ({ repo }, filter, page, options) => repo.listVideos(filter, page, options),
  }),
  route.create(
    '/videos',
    "Add a video's metadata (a draft unless told; 409 for a known video_id)",
    newVideoSchema,
    tables.video_metadata.row,
    (repo, body) => repo.addVideo(body),
  ),
  route({
    method: 'GET',
    path: '/videos/:video_id',
    summary: "Get a video's metadata",
    params: videoParams,
    response: tables.video_metadata.row,
    handler: ({ repo, params }) => repo.getVideo(params.video_id),
  }),
  route({
    method: 'PATCH',
    path: '/videos/:video_id',
    summary: "Change a video's descriptive columns (status moves through /status)",
    params: videoParams,
    body: videoPatchSchema,
    response: tables.video_metadata.row,
    handler: ({ repo, params, body }) => repo.updateVideo(params.video_id, body),
  }),
  route({
    method: 'PUT',
    path: '/videos/:video_id',
    summary: "Upsert a video's metadata: change the given columns, creating the video as a draft",
    params: videoParams,
    body: videoPatchSchema,
    response: tables.video_metadata.row,
    handler: ({ repo, params, body }) => upsertVideo(repo, params.video_id, body),
  }),
  route({
    method: 'POST',
    path: '/videos/:video_id/status',
    summary:
      'Move a video forward draft → rendered → posted → archived (409 going backwards); posted sets posted_at',
    params: videoParams,
    body: z.strictObject({
      status: videoLifecycleStatusSchema,
      posted_at: z.string().min(1).optional(),
    }),
    response: tables.video_metadata.row,
    handler: ({ repo, params, body }) =>
      repo.setVideoStatus(params.video_id, body.status, body.posted_at),
  }),
  route({
    method: 'GET',
    path: '/videos/:video_id/latest',
    summary:
      "A video's latest snapshot on each platform, with its metadata (404 for a video with neither)",
    params: videoParams,
    response: z.array(latestVideoMetricsSchema),
    handler: async ({ repo, params }) =>
      ofExisting(await repo.getLatestMetrics(params.video_id), () =>
        repo.getVideo(params.video_id),
      ),
  }),
  route.list({
    path: '/videos/:video_id/history',
    summary: "A video's snapshots oldest first, on one platform or all, by keyset page",
    params: videoParams,
    list: snapshotHistoryList,
    handler: async ({ repo, params }, filter, page) => {
      const history = await repo.getVideoHistory(params.video_id, filter, page)
      return page.after ? history : ofExisting(history, () => repo.getVideo(params.video_id))
    },
  }),
  route({
    method: 'GET',
    path: '/platforms/:platform/top-videos',
    summary: 'The videos with the highest engagement rate on a platform, by latest snapshot',
    params: z.object({ platform: newSnapshotSchema.shape.platform }),
    query: limitQuery(10),
    response: z.array(latestVideoMetricsSchema),
    handler: ({ repo, params, query }) => repo.listTopVideos(params.platform, query.limit),
  }),
  route({
    method: 'GET',
    path: '/queries/platform-summary',
    summary: 'Per platform: videos, total views and average engagement of the latest snapshots',
    response: z.array(platformSummary.row),
    handler: ({ repo }) => repo.summarizePlatforms(),
  }),
]
