import { Random, type SeedSummary } from '../../core/index.js'
import type { VideoBatchRepository } from './repository.js'
import type { Image } from './tables.js'

const SUBJECTS = [
  ['sunset_beach', 'a quiet beach at sunset, waves rolling in'],
  ['mountain_lake', 'a glassy mountain lake at dawn'],
  ['city_rain', 'a neon-lit street in the rain'],
  ['forest_path', 'a mossy forest path with shafts of light'],
  ['desert_dunes', 'wind-carved desert dunes under a pale sky'],
  ['harbor_boats', 'fishing boats rocking in a small harbor'],
  ['snow_cabin', 'a wooden cabin in deep snow, smoke from the chimney'],
  ['market_stall', 'a busy fruit stall in a morning market'],
  ['old_library', 'an old library with tall shelves and a ladder'],
  ['cat_window', 'a cat watching birds from a sunny window'],
] as const
const MOTIONS = ['slow dolly in', 'gentle pan left', 'orbit around the subject', 'static shot']
const MOODS = ['dreamy', 'cinematic', 'nostalgic', 'energetic']
const ERRORS = [
  'HTTP 502 from image host',
  'upload timed out after 60s',
  'file is not a valid image',
]
const VIDEO_ERRORS = ['generation timed out', 'content policy rejection', 'service quota exceeded']

/**
 * seedSampleData fills an empty video-batch store with a realistic, reproducible batch: 36
 * uploads (some failed, a few pending) over three weeks, prompt sets with creative variations,
 * videos in every status (some claimed), three derivation chains and legacy prompts on the
 * placeholder image.
 */
export async function seedSampleData(repo: VideoBatchRepository): Promise<SeedSummary> {
  const rnd = new Random(0)
  const now = Date.now()
  const summary = { images: 0, prompts: 0, videos: 0 }
  const uploaded: Image[] = []

  for (let i = 0; i < 36; i++) {
    const [slug, scene] = SUBJECTS[i % SUBJECTS.length]!
    const created = new Date(now - rnd.int(1, 21 * 24) * 3_600_000)
    const filename = `${slug}_${String(i + 1).padStart(3, '0')}.jpg`
    const size = rnd.int(400_000, 6_000_000)
    const image = await repo.registerUpload({
      original_filename: filename,
      original_path: `input/images/${filename}`,
      file_size_bytes: size,
      timestamp: created,
      created_at: created,
    })
    summary.images++
    const outcome = rnd.next()
    if (outcome < 0.12) {
      await repo.failUpload(image.id, {
        error_message: rnd.pick(ERRORS),
        processing_time_seconds: rnd.float(1, 60),
      })
      continue
    }
    if (outcome < 0.18) continue
    const done = await repo.completeUpload(image.id, {
      upload_url: `https://img.example.com/u/${rnd.int(1e6, 9e6).toString(36)}/${filename}`,
      uploaded_filename: `up_${filename}`,
      uploaded_path: `uploads/${filename}`,
      downloaded_size_bytes: size,
      processing_time_seconds: rnd.float(0.4, 9),
      processed_path: `processed/${filename}`,
    })
    uploaded.push(done)
    summary.prompts += await addPromptsAndVideos(repo, rnd, done, scene)
    summary.videos += 2
  }

  // Three derivation chains: an uploaded image, a variation of it, and a variation of that.
  for (const origin of uploaded.slice(0, 3)) {
    let parent = origin
    for (let depth = 1; depth <= 2; depth++) {
      const name = `${parent.original_filename.replace(/\.jpg$/, '')}_v${depth}.png`
      const derived = await repo.deriveImage(parent.id, { original_filename: name })
      parent = await repo.completeUpload(derived.id, {
        upload_url: `https://img.example.com/d/${name}`,
        uploaded_filename: `up_${name}`,
        processing_time_seconds: rnd.float(0.4, 4),
      })
      summary.images++
    }
  }

  // Legacy prompt sets from before uploads were logged: they point at the placeholder image.
  for (let i = 0; i < 5; i++) {
    const [, scene] = rnd.pick(SUBJECTS)
    const prompt = await repo.addLegacyPromptSet({
      video_prompt: `${scene}, ${rnd.pick(MOTIONS)}`,
      source_file: `legacy_${i + 1}.json`,
    })
    summary.prompts++
    if (i < 3) {
      const video = await repo.queueVideo({ prompt_id: prompt.id, generation_service: 'duomi' })
      await repo.completeVideo(video.id, {
        video_filename: `legacy_${i + 1}.mp4`,
        generation_time_seconds: rnd.float(60, 240),
        file_size_bytes: rnd.int(2e6, 2e7),
      })
      summary.videos++
    }
  }
  summary.images++ // the placeholder
  return summary
}

/** addPromptsAndVideos records a prompt set for an image and two videos from it; returns 1. */
async function addPromptsAndVideos(
  repo: VideoBatchRepository,
  rnd: Random,
  image: Image,
  scene: string,
): Promise<number> {
  const mood = rnd.pick(MOODS)
  const prompt = await repo.addPromptSet({
    image_id: image.id,
    image_prompt: `photo of ${scene}`,
    video_prompt: `${scene}, ${rnd.pick(MOTIONS)}`,
    refined_video_prompt: `${scene}, ${rnd.pick(MOTIONS)}, ${mood} lighting, 24fps`,
    creative_video_prompt_1: `${scene} as a ${mood} dream sequence`,
    creative_video_prompt_2: `time-lapse of ${scene} from day to night`,
    creative_video_prompt_3: `${scene} seen through a rain-streaked window`,
    source_file: `${image.original_filename.replace(/\.\w+$/, '')}.json`,
  })
  for (const type of ['base', rnd.pick(['refined', 'creative_1', 'creative_2'])]) {
    const video = await repo.queueVideo({
      prompt_id: prompt.id,
      prompt_type: type,
      generation_service: 'duomi',
    })
    const roll = rnd.next()
    if (roll < 0.6) {
      await repo.completeVideo(video.id, {
        video_filename: `video_${video.id}.mp4`,
        video_path: `output/videos/video_${video.id}.mp4`,
        file_size_bytes: rnd.int(1_500_000, 25_000_000),
        generation_time_seconds: rnd.float(45, 300),
        metadata: { resolution: '1280x720', duration_seconds: rnd.pick([5, 10]), model: 'v1.6' },
      })
    } else if (roll < 0.8) {
      await repo.failVideo(video.id, {
        error_message: rnd.pick(VIDEO_ERRORS),
        generation_time_seconds: rnd.float(5, 120),
      })
    } else if (roll < 0.9) {
      await repo.claimNextVideo('sample-worker')
    }
  }
  return 1
}
