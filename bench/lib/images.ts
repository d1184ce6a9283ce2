import { integer, real, sqliteTable, text } from 'drizzle-orm/sqlite-core'
import { Random } from '../../src/core/index.js'
import type { NewImage } from '../../src/stores/ai-artist/index.js'

const MODELS = [
  'runwayml/stable-diffusion-v1-5',
  'stabilityai/stable-diffusion-xl-base-1.0',
  'black-forest-labs/FLUX.1-schnell',
]
const SUBJECTS = ['lighthouse at dusk', 'forest spirit', 'neon alley', 'paper crane', 'tidal loom']
const STATUSES = ['pending', 'curated', 'rejected'] as const

/**
 * benchImages makes `count` ai-artist images, the same on every run: what figures 1 and 2
 * insert through genmedia, raw better-sqlite3 and drizzle alike. `prefix` keeps filenames
 * unique between batches.
 */
export function benchImages(count: number, prefix = 'bench'): NewImage[] {
  const random = new Random(1004)
  const start = Date.UTC(2025, 0, 1)
  const out: NewImage[] = []
  for (let i = 0; i < count; i++) {
    const score = random.float(0, 10)
    out.push({
      filename: `${prefix}_${i}.png`,
      prompt: `${random.pick(SUBJECTS)}, study ${i % 97}, volumetric light`,
      negative_prompt: 'blurry, low quality',
      model_id: random.pick(MODELS),
      generation_params: { steps: 30, cfg_scale: 7.5, sampler: 'euler_a' },
      seed: random.int(0, 2 ** 31 - 1),
      aesthetic_score: score,
      clip_score: random.float(0, 1, 3),
      technical_score: random.float(0, 1, 3),
      final_score: score,
      status: random.pick(STATUSES),
      is_featured: random.chance(0.05),
      tags: ['bench', random.pick(SUBJECTS).split(' ')[0]!],
      created_at: new Date(start + i * 1000),
    })
  }
  return out
}

/** The columns an ingest writes, in order (as the repository's bulk insert writes them). */
export const INGEST_COLUMNS = [
  'filename',
  'prompt',
  'negative_prompt',
  'model_id',
  'generation_params',
  'seed',
  'aesthetic_score',
  'clip_score',
  'technical_score',
  'final_score',
  'status',
  'is_featured',
  'tags',
  'created_at',
  'updated_at',
] as const

/** sqliteText is SQLite's CURRENT_TIMESTAMP form of a Date (what genmedia stores). */
export function sqliteText(date: Date): string {
  return date.toISOString().slice(0, 19).replace('T', ' ')
}

/** rawValues turns an image into the positional values of INGEST_COLUMNS (as stored on SQLite). */
export function rawValues(image: NewImage): unknown[] {
  const created = sqliteText(image.created_at as Date)
  return [
    image.filename,
    image.prompt,
    image.negative_prompt,
    image.model_id,
    JSON.stringify(image.generation_params),
    image.seed,
    image.aesthetic_score,
    image.clip_score,
    image.technical_score,
    image.final_score,
    image.status,
    image.is_featured ? 1 : 0,
    JSON.stringify(image.tags),
    created,
    created,
  ]
}

/** The drizzle-orm definition of seed 004's `generated_images`, written by hand. */
export const drizzleImages = sqliteTable('generated_images', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  filename: text('filename').notNull(),
  prompt: text('prompt').notNull(),
  negative_prompt: text('negative_prompt'),
  source_url: text('source_url'),
  source_query: text('source_query'),
  model_id: text('model_id').notNull(),
  generation_params: text('generation_params', { mode: 'json' }),
  seed: integer('seed'),
  aesthetic_score: real('aesthetic_score'),
  clip_score: real('clip_score'),
  technical_score: real('technical_score'),
  final_score: real('final_score'),
  diversity_score: real('diversity_score'),
  created_at: text('created_at').notNull(),
  updated_at: text('updated_at').notNull(),
  status: text('status').notNull(),
  is_featured: integer('is_featured', { mode: 'boolean' }).notNull(),
  tags: text('tags', { mode: 'json' }),
})

/** drizzleValues is an image as drizzle inserts it. */
export function drizzleValues(image: NewImage): typeof drizzleImages.$inferInsert {
  const created = sqliteText(image.created_at as Date)
  return {
    filename: image.filename,
    prompt: image.prompt,
    negative_prompt: image.negative_prompt,
    model_id: image.model_id,
    generation_params: image.generation_params,
    seed: image.seed,
    aesthetic_score: image.aesthetic_score,
    clip_score: image.clip_score,
    technical_score: image.technical_score,
    final_score: image.final_score,
    status: image.status ?? 'pending',
    is_featured: image.is_featured ?? false,
    tags: image.tags,
    created_at: created,
    updated_at: created,
  }
}
