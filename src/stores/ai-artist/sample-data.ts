import { Random, type SeedSummary } from '../../core/index.js'
import type { AiArtistRepository } from './repository.js'
import type { NewImage } from './inputs.js'

const MODELS = [
  'stabilityai/stable-diffusion-xl-base-1.0',
  'runwayml/stable-diffusion-v1-5',
  'black-forest-labs/FLUX.1-schnell',
  'sdxl-1.0+lora:landscape_style_v1',
  'sdxl-1.0+lora:portrait_ink_v2',
]

const SUBJECTS: [string, string[]][] = [
  ['a beautiful sunset over snow-capped mountains', ['landscape', 'sunset', 'mountains']],
  ['a foggy pine forest at dawn', ['landscape', 'forest', 'fog']],
  ['a neon-lit street in the rain at night', ['city', 'night', 'neon']],
  ['a portrait of an old fisherman, ink wash', ['portrait', 'ink']],
  ['a still life of pears on a linen cloth', ['still-life', 'fruit']],
  ['a lighthouse on a cliff during a storm', ['seascape', 'storm']],
  ['an abstract composition of intersecting circles', ['abstract', 'geometric']],
  ['a desert canyon under a starry sky', ['landscape', 'night', 'desert']],
  ['a fox curled up in fresh snow', ['animal', 'winter']],
  ['a cozy reading nook with warm lamplight', ['interior', 'cozy']],
]
const STYLES = ['highly detailed', 'oil painting', 'watercolor', 'cinematic lighting', '35mm film']
const THEMES = ['landscapes', 'portraits', 'abstract', 'seascapes', 'interiors']

/**
 * seedSampleData fills an empty ai-artist store with a realistic, reproducible sample: 360
 * images over five models and eight weeks, four training runs, creation sessions over two weeks.
 */
export async function seedSampleData(repo: AiArtistRepository): Promise<SeedSummary> {
  const rnd = new Random(4)
  const now = Date.now()
  const images: NewImage[] = []
  for (let i = 0; i < 360; i++) {
    const [subject, tags] = rnd.pick(SUBJECTS)
    const style = rnd.pick(STYLES)
    const created = new Date(now - rnd.int(0, 56 * 86_400) * 1000)
    const aesthetic = rnd.float(3, 9.8)
    const clip = rnd.float(0.5, 0.95)
    const technical = rnd.float(0.55, 0.99)
    const final = Math.min(
      10,
      Math.round((aesthetic * 0.6 + clip * 2.5 + technical * 1.5) * 10) / 10,
    )
    const scored = rnd.chance(0.9)
    const status = !scored
      ? 'pending'
      : final >= 6.5
        ? 'curated'
        : rnd.pick(['rejected', 'pending'] as const)
    const stamp = created.toISOString().replace(/[-:]/g, '').slice(0, 15)
    const seed = rnd.int(1, 2 ** 31 - 1)
    images.push({
      filename: `${stamp}_${tags[0]}_${seed}.png`,
      prompt: `${subject}, ${style}`,
      negative_prompt: 'blurry, low quality, distorted',
      source_url: rnd.chance(0.3) ? `https://images.unsplash.com/photo-${seed.toString(36)}` : null,
      source_query: rnd.chance(0.3) ? tags.join(' ') : null,
      model_id: rnd.pick(MODELS),
      generation_params: {
        width: 1024,
        height: rnd.pick([1024, 768, 1344]),
        num_inference_steps: rnd.pick([20, 30, 40]),
        guidance_scale: rnd.pick([5, 7.5, 9]),
        lora_scale: rnd.pick([0.6, 0.8, 1]),
      },
      seed,
      aesthetic_score: scored ? aesthetic : null,
      clip_score: scored ? clip : null,
      technical_score: scored ? technical : null,
      final_score: scored ? final : null,
      status,
      is_featured: status === 'curated' && final >= 8.5 && rnd.chance(0.5),
      tags: [...tags, style.split(' ')[0]!],
      created_at: created,
    })
  }
  await repo.addImages(images)

  const runs = [
    { name: 'landscape_style_v1', dataset_size: 75, outcome: 'completed' },
    { name: 'portrait_ink_v2', dataset_size: 120, outcome: 'completed' },
    { name: 'watercolor_v1', dataset_size: 40, outcome: 'failed' },
    { name: 'portrait_ink_v3', dataset_size: 150, outcome: 'running' },
  ] as const
  for (const [i, run] of runs.entries()) {
    const started = new Date(now - (40 - i * 10) * 86_400_000)
    const session = await repo.startTraining({
      name: run.name,
      model_path: `models/lora/${run.name}.safetensors`,
      config: {
        network_dim: 64,
        network_alpha: 32,
        learning_rate: 1e-4,
        max_train_steps: 2000,
        dataset: `datasets/${run.name.split('_')[0]}`,
      },
      dataset_size: run.dataset_size,
      started_at: started,
    })
    if (run.outcome === 'completed') {
      await repo.completeTraining(session.id, {
        final_loss: rnd.float(0.015, 0.05, 4),
        training_time_seconds: rnd.int(5400, 9000),
        metrics: {
          fid_score: rnd.float(22, 35, 1),
          sample_images: ['sample_1.png', 'sample_2.png'],
        },
        completed_at: new Date(started.getTime() + 2 * 3_600_000),
      })
    } else if (run.outcome === 'failed') {
      await repo.failTraining(session.id, 'CUDA out of memory at step 1180')
    }
  }

  // One to three sessions on each of the last 14 calendar days (UTC), never in the future, so
  // the daily statistics always show 14 days whatever the hour the sample is written.
  let creationSessions = 0
  const today = Math.floor(now / 86_400_000) * 86_400_000
  for (let day = 13; day >= 0; day--) {
    const dayStart = today - day * 86_400_000
    const latest = Math.min(dayStart + 86_400_000, now) - 60_000
    for (let n = rnd.int(1, 3); n > 0; n--) {
      const started = new Date(dayStart + rnd.int(0, Math.max(0, latest - dayStart)))
      const session = await repo.startCreationSession({
        theme: rnd.pick(THEMES),
        started_at: started,
      })
      const created = rnd.int(3, 12)
      await repo.recordCreation(session.id, { created, kept: rnd.int(0, Math.ceil(created / 2)) })
      if (day > 0 || n > 1) {
        await repo.completeCreationSession(session.id, {
          avg_score: rnd.float(5, 8.5),
          completed_at: new Date(Math.min(now, started.getTime() + rnd.int(10, 40) * 60_000)),
        })
      }
      creationSessions++
    }
  }
  return {
    generated_images: images.length,
    training_sessions: runs.length,
    creation_sessions: creationSessions,
  }
}
