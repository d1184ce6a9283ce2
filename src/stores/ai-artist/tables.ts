import { z } from 'zod'
import {
  col,
  timestamps,
  defineRow,
  defineSearch,
  defineTables,
  summaryColumns,
  type Row,
  type TablesOf,
} from '../../core/index.js'
import { IMAGE_STATUSES, imageQualityTotals, TRAINING_STATUSES } from './migrations.js'

/** A score column: REAL, NULL until scored, written within [0, max] (the seed's CHECKs). */
const score = (max: number) =>
  col
    .real()
    .nullable()
    .check((s) => s.min(0).max(max))

/** The ai-artist store's tables (seed 004), each column once, as the migrations create them. */
export const aiArtistTables = defineTables({
  generated_images: {
    id: col.id(),
    filename: col.key().check((s) => s.min(1)),
    prompt: col.text().check((s) => s.min(1)),
    negative_prompt: col.text().nullable().defaulted(),
    source_url: col.text().nullable(),
    source_query: col.text().nullable(),
    model_id: col.key().check((s) => s.min(1)),
    generation_params: col.object().nullable({ inWrites: false }).defaulted(),
    seed: col.integer().nullable(),
    aesthetic_score: score(10),
    clip_score: score(1),
    technical_score: score(1),
    final_score: score(10),
    ...timestamps,
    status: col.enum(IMAGE_STATUSES).defaulted(),
    is_featured: col.boolean().defaulted(),
    tags: col.json(z.array(z.string())).nullable({ inWrites: false }).defaulted(),
    diversity_score: col.real().nullable(),
  },
  training_sessions: {
    id: col.id(),
    name: col.key().check((s) => s.min(1)),
    model_path: col.text().check((s) => s.min(1)),
    config: col.object().nullable({ inWrites: false }).defaulted(),
    dataset_size: col.count(),
    final_loss: col.real().nullable(),
    training_time_seconds: col.measure(),
    metrics: col.object().nullable({ inWrites: false }).defaulted(),
    // Lists sort by started_at: genmedia never writes it NULL.
    started_at: col.timestamp().nullable({ inWrites: false }).defaulted(),
    completed_at: col.timestamp().nullable({ inWrites: false }),
    status: col.enum(TRAINING_STATUSES).nullable({ inWrites: false }).defaulted(),
  },
  creation_sessions: {
    id: col.id(),
    theme: col.key().nullable(),
    images_created: col.integer().nullable({ inWrites: false }).defaulted(),
    images_kept: col.integer().nullable({ inWrites: false }).defaulted(),
    avg_score: score(10),
    // Lists sort by started_at: genmedia never writes it NULL.
    started_at: col.timestamp().nullable({ inWrites: false }).defaulted(),
    completed_at: col.timestamp().nullable({ inWrites: false }),
  },
  /**
   * Per status and quality tier, the totals behind countImagesByStatus and
   * getQualityDistribution; kept by triggers (migration 3).
   */
  image_quality_totals: summaryColumns(imageQualityTotals, {
    status: col.enum(IMAGE_STATUSES),
    quality_tier: col.text(),
  }),
})

/** What full-text search reads, and the columns a list counts by value (docs/search.md). */
export const aiArtistSearch = {
  generated_images: defineSearch(aiArtistTables.generated_images, {
    columns: ['prompt', 'negative_prompt', 'tags', 'filename'],
    facets: ['status', 'model_id'],
  }),
}

/** The tables as Kysely sees them. */
export type AiArtistTables = TablesOf<typeof aiArtistTables>

export type ImageStatus = (typeof IMAGE_STATUSES)[number]
export type TrainingStatus = (typeof TRAINING_STATUSES)[number]

/** GeneratedImage is one row of `generated_images`, decoded. Timestamps are ISO-8601 UTC. */
export type GeneratedImage = Row<typeof aiArtistTables.generated_images>
export type TrainingSession = Row<typeof aiArtistTables.training_sessions>
export type CreationSession = Row<typeof aiArtistTables.creation_sessions>

// ── the rows of the seed's queries ────────────────────────────────────────

/** Row of the seed's "Get Uncurated Images for Processing". */
export const uncuratedImage = defineRow({ id: col.id(), filename: col.key(), prompt: col.text() })

/** Row of the seed's "Quality Distribution" query. */
export const qualityTier = defineRow({
  quality_tier: col.enum(['Excellent', 'Good', 'Fair', 'Poor']),
  count: col.integer(),
  avg_score: col.real().nullable(),
})
export type QualityTier = Row<typeof qualityTier>

/** Row of the seed's "Training Session Statistics" query. */
export const trainingStatistics = defineRow({
  name: col.key(),
  dataset_size: col.integer().nullable(),
  final_loss: col.real().nullable(),
  training_hours: col.real().nullable(),
  status: col.enum(TRAINING_STATUSES).nullable(),
})
export type TrainingStatistics = Row<typeof trainingStatistics>

/** Row of the seed's "Daily Creation Statistics" query. */
export const dailyCreationStatistics = defineRow({
  date: col.text(),
  sessions: col.integer(),
  total_created: col.integer(),
  total_kept: col.integer(),
  avg_quality: col.real().nullable(),
})
export type DailyCreationStatistics = Row<typeof dailyCreationStatistics>
