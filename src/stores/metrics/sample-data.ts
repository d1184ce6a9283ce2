import { Random, type SeedSummary } from '../../core/index.js'
import { SAMPLE_PLATFORMS, SAMPLE_VIDEOS } from '../content-studio-samples.js'
import type { NewSnapshot } from './inputs.js'
import type { MetricsRepository } from './repository.js'

const DAY = 86_400_000

/**
 * seedSampleData fills an empty metrics store with the shared sample videos (content-studio
 * samples): their metadata through the lifecycle, and for every posted or archived one a daily
 * snapshot per platform since it was posted (at most 14), its counts growing. Reproducible.
 */
export async function seedSampleData(repo: MetricsRepository): Promise<SeedSummary> {
  const rnd = new Random(20)
  const now = Date.now()
  const today = Math.floor(now / DAY) * DAY
  const snapshots: NewSnapshot[] = []
  for (const video of SAMPLE_VIDEOS) {
    const created = new Date(today - video.created_days_ago * DAY + 9 * 3_600_000)
    const postedAt = new Date(created.getTime() + DAY)
    const published = video.status === 'posted' || video.status === 'archived'
    await repo.addVideo({
      video_id: video.video_id,
      title: video.title,
      description: `Excuse My French: ${video.topic.toLowerCase()}`,
      topic: video.topic,
      script_path: `output/scripts/${video.video_id}.json`,
      audio_path: video.status === 'draft' ? null : `output/audio/${video.video_id}.mp3`,
      video_path: video.status === 'draft' ? null : `output/videos/${video.video_id}.mp4`,
      duration_seconds: video.status === 'draft' ? null : rnd.float(28, 59, 1),
      status: video.status,
      created_at: created,
      posted_at: published ? postedAt : null,
    })
    if (!published) continue
    const days = Math.min(14, video.created_days_ago - 1)
    for (const platform of SAMPLE_PLATFORMS) {
      const reach = rnd.int(800, 40_000)
      const appeal = rnd.float(0.03, 0.14, 3)
      for (let day = 1; day <= days; day++) {
        const views = Math.round(reach * (1 - Math.exp(-day / 3)))
        const interactions = Math.round(views * appeal)
        snapshots.push({
          video_id: video.video_id,
          platform,
          views,
          likes: Math.round(interactions * 0.7),
          comments: Math.round(interactions * 0.1),
          shares: Math.round(interactions * 0.12),
          saves: platform === 'instagram' ? Math.round(interactions * 0.08) : 0,
          watch_time_seconds: Math.round(views * rnd.float(8, 25)),
          // today's snapshot is taken at 09:00 UTC, or a minute ago when it is earlier than that
          timestamp: new Date(Math.min(postedAt.getTime() + day * DAY, now - 60_000)),
        })
      }
    }
  }
  await repo.recordSnapshots(snapshots)
  return { video_metrics: snapshots.length, video_metadata: SAMPLE_VIDEOS.length }
}
