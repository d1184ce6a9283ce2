import { Random, type SeedSummary } from '../../core/index.js'
import type { ImageGenRepository } from './repository.js'
import type { NewGenerationJob } from './inputs.js'

type Rgb = [number, number, number]

/**
 * renderSampleImage draws a real small image: a diagonal gradient between two colours with a
 * stripe or checker pattern, encoded as PNG or JPEG.
 */
export async function renderSampleImage(
  size: { width: number; height: number },
  from: Rgb,
  to: Rgb,
  options: { pattern?: 'stripes' | 'checks'; format?: 'png' | 'jpeg' } = {},
): Promise<Buffer> {
  const { width, height } = size
  const pixels = Buffer.alloc(width * height * 3)
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const t = (x + y) / (width + height - 2 || 1)
      const band =
        options.pattern === 'checks'
          ? (Math.floor(x / 16) + Math.floor(y / 16)) % 2
          : Math.floor((x + y) / 12) % 2
      const shade = band ? 0.85 : 1
      for (let c = 0; c < 3; c++) {
        pixels[(y * width + x) * 3 + c] = Math.round((from[c]! * (1 - t) + to[c]! * t) * shade)
      }
    }
  }
  const { default: sharp } = await import('sharp')
  const image = sharp(pixels, { raw: { width, height, channels: 3 } })
  return options.format === 'png' ? image.png().toBuffer() : image.jpeg({ quality: 85 }).toBuffer()
}

const PALETTE: Rgb[] = [
  [244, 162, 97],
  [38, 70, 83],
  [233, 196, 106],
  [42, 157, 143],
  [231, 111, 81],
  [131, 56, 236],
  [58, 134, 255],
  [255, 0, 110],
]

interface SampleJob {
  job: NewGenerationJob
  outcome: 'completed' | 'processing' | 'failed' | 'pending'
  images: number
}

/**
 * seedSampleData fills an empty image-gen store with a small, reproducible sample: three users,
 * four sessions, four reference images and seven jobs in every status, with real images
 * (gradients rendered by sharp) written to the repository's blob store.
 */
export async function seedSampleData(repo: ImageGenRepository): Promise<SeedSummary> {
  const rnd = new Random(1)
  const colour = () => rnd.pick(PALETTE)
  const ada = await repo.createUser({ email: 'ada@example.com', display_name: 'Ada Lovelace' })
  const grace = await repo.createUser({ email: 'grace@example.com', display_name: 'Grace Hopper' })
  const linus = await repo.createUser({ email: 'linus@example.com', display_name: 'Linus Pauling' })

  const sunrise = await repo.createSession(ada.id, { title: 'Mountain sunrise storyboard' })
  const neon = await repo.createSession(ada.id, { title: 'Neon city at night' })
  const product = await repo.createSession(grace.id, { title: 'Product shots' })
  const concepts = await repo.createSession(linus.id, { title: 'Character concepts' })

  const upload = async (userId: number, sessionId: number, name: string, size: number) =>
    repo.uploadReferenceImage(userId, {
      file: await renderSampleImage({ width: size, height: size }, colour(), colour(), {
        pattern: 'checks',
        format: name.endsWith('.png') ? 'png' : 'jpeg',
      }),
      file_name: name,
      session_id: sessionId,
    })
  const ridge = await upload(ada.id, sunrise.id, 'ridge-line.png', 96)
  const palette = await upload(ada.id, sunrise.id, 'dawn palette.jpg', 128)
  const bottle = await upload(grace.id, product.id, 'bottle_front.png', 64)
  const sketch = await upload(linus.id, concepts.id, 'hero-sketch.jpg', 128)

  const plan: [number, SampleJob][] = [
    [
      ada.id,
      {
        job: {
          session_id: sunrise.id,
          prompt: 'sunrise over a jagged mountain ridge',
          shot_type: 'wide',
          camera_angle: 'low_angle',
          style: 'cinematic',
          location: 'alpine ridge',
          lighting: 'golden hour',
          weather: 'clear',
          aspect_ratio: '16:9',
          number_of_shots: 3,
          model_used: 'dall-e-3',
          generation_method: 'openai',
          reference_image_ids: [ridge.id, palette.id],
        },
        outcome: 'completed',
        images: 3,
      },
    ],
    [
      ada.id,
      {
        job: {
          session_id: sunrise.id,
          prompt: 'the same ridge, fog in the valley',
          shot_type: 'extreme_wide',
          style: 'watercolor',
          weather: 'fog',
          aspect_ratio: '21:9',
          number_of_shots: 2,
          generation_method: 'fallback',
        },
        outcome: 'completed',
        images: 2,
      },
    ],
    [
      ada.id,
      {
        job: {
          session_id: neon.id,
          prompt: 'rain-soaked street under neon signs',
          shot_type: 'medium',
          camera_angle: 'eye_level',
          style: 'photorealistic',
          lighting: 'neon',
          weather: 'rain',
          is_custom_enabled: true,
          aspect_ratio: '9:16',
          number_of_shots: 4,
          model_used: 'dall-e-3',
          generation_method: 'openai',
        },
        outcome: 'failed',
        images: 0,
      },
    ],
    [
      grace.id,
      {
        job: {
          session_id: product.id,
          prompt: 'glass bottle on a marble plinth, studio light',
          shot_type: 'close_up',
          camera_angle: 'high_angle',
          style: '3d_render',
          lighting: 'softbox',
          aspect_ratio: '1:1',
          number_of_shots: 2,
          model_used: 'sdxl-1.0',
          generation_method: 'stable_diffusion',
          reference_image_ids: [bottle.id],
        },
        outcome: 'completed',
        images: 2,
      },
    ],
    [
      grace.id,
      {
        job: {
          session_id: product.id,
          prompt: 'the bottle on a beach at dusk',
          shot_type: 'medium_wide',
          style: 'photorealistic',
          location: 'beach',
          lighting: 'dusk',
          aspect_ratio: '4:3',
          number_of_shots: 3,
          generation_method: 'openai',
        },
        outcome: 'processing',
        images: 1,
      },
    ],
    [
      linus.id,
      {
        job: {
          session_id: concepts.id,
          prompt: 'a heroic chemist in a 1950s laboratory',
          shot_type: 'medium_close_up',
          camera_angle: 'dutch_angle',
          style: 'comic',
          aspect_ratio: '2:3',
          number_of_shots: 4,
          reference_image_ids: [sketch.id],
        },
        outcome: 'pending',
        images: 0,
      },
    ],
    [
      linus.id,
      {
        job: { prompt: 'turnaround sheet of the chemist', style: 'sketch', number_of_shots: 1 },
        outcome: 'pending',
        images: 0,
      },
    ],
  ]

  let generated = 0
  let sessionsCreated = 4
  for (const [userId, sample] of plan) {
    const job = await repo.createGenerationJob(userId, sample.job)
    if (sample.job.session_id === undefined) sessionsCreated++
    if (sample.outcome === 'pending') continue
    await repo.recordGeneratedPrompt(userId, job.id, `${job.prompt}, highly detailed, 35mm film`)
    await repo.startJob(userId, job.id)
    if (sample.outcome === 'failed') {
      await repo.failJob(userId, job.id, 'upstream model refused the prompt (content policy)')
      continue
    }
    const files = []
    for (let i = 0; i < sample.images; i++) {
      const width = rnd.pick([128, 192, 256])
      files.push({
        file: await renderSampleImage({ width, height: 128 }, colour(), colour()),
      })
    }
    await repo.recordGeneratedImages(userId, job.id, files)
    generated += files.length
    if (sample.outcome === 'completed') await repo.completeJob(userId, job.id)
  }
  return {
    users: 3,
    sessions: sessionsCreated,
    reference_images: 4,
    generation_jobs: plan.length,
    generated_images: generated,
    generation_job_reference_images: 4,
  }
}
