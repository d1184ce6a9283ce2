import { Random, type SeedSummary } from '../../core/index.js'
import { SAMPLE_VIDEOS } from '../content-studio-samples.js'
import type { NewLibraryImage } from './inputs.js'
import type { ImageLibraryRepository } from './repository.js'
import type { Character } from './tables.js'

const CHARACTER_LIST: Character[] = ['butcher', 'nutsy']
const EMOTIONS = ['happy', 'sad', 'angry', 'neutral', 'excited']
const POSES = ['sitting', 'standing', 'jumping', 'profile']
const SOURCES = ['generated', 'photo', 'dreambooth', 'stable_diffusion'] as const
const DAY = 86_400_000

/**
 * seedSampleData fills an empty image-library store: each character in each emotion in three
 * poses (30 images), the scenes of every rendered, posted or archived sample video drawn from
 * them, least used first (the same video ids as the metrics sample), and one ordered collection
 * per character.
 */
export async function seedSampleData(repo: ImageLibraryRepository): Promise<SeedSummary> {
  const rnd = new Random(202)
  const now = Date.now()
  const inputs: NewLibraryImage[] = []
  for (const character of CHARACTER_LIST) {
    for (const emotion of EMOTIONS) {
      for (const pose of rnd.sample(POSES, 3)) {
        const source = rnd.pick(SOURCES)
        const generated = source !== 'photo'
        const format = rnd.pick(['png', 'jpg', 'webp'] as const)
        inputs.push({
          character,
          emotion,
          pose,
          file_path: `assets/characters/${character}/${emotion}_${pose}.${format}`,
          source,
          file_size_bytes: rnd.int(180_000, 2_400_000),
          width: 1024,
          height: pose === 'profile' ? 1024 : 1536,
          format,
          generation_prompt: generated
            ? `${character} the cartoon character, ${emotion} expression, ${pose}, flat colours`
            : null,
          generation_model: generated
            ? source === 'dreambooth'
              ? `dreambooth-${character}-v2`
              : 'stabilityai/stable-diffusion-xl-base-1.0'
            : null,
          quality_score: rnd.float(0.45, 0.98),
          tags: [character, emotion, pose],
          metadata: { background: rnd.pick(['transparent', 'kitchen', 'street']) },
          timestamp: new Date(now - rnd.int(35, 60) * DAY),
        })
      }
    }
  }
  await repo.addImages(inputs)

  let usageCount = 0
  const videos = SAMPLE_VIDEOS.filter((v) => v.status !== 'draft')
  for (const video of [...videos].reverse()) {
    const scenes = rnd.int(4, 7)
    for (let scene = 1; scene <= scenes; scene++) {
      const character = rnd.pick(CHARACTER_LIST)
      const [image] = await repo.listLeastUsed(character, rnd.pick(EMOTIONS), { limit: 1 })
      if (!image) continue
      await repo.recordUsage({
        image_id: image.id,
        video_id: video.video_id,
        scene_number: scene,
        timestamp: new Date(now - video.created_days_ago * DAY + scene * 60_000),
      })
      usageCount++
    }
  }

  let entries = 0
  for (const character of CHARACTER_LIST) {
    const collection = await repo.createCollection({
      name: `${character}-reactions`,
      description: `The best reaction shots of ${character}, in the order the intro uses them`,
      character,
    })
    const page = await repo.findImages({ character, min_quality: 0.8 }, { limit: 8 })
    for (const image of page.items) {
      await repo.addToCollection(collection.id, image.id)
      entries++
    }
  }
  return {
    image_library: inputs.length,
    image_usage: usageCount,
    image_collections: CHARACTER_LIST.length,
    collection_images: entries,
  }
}
