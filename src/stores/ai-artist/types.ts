import type { ColumnType, Generated } from 'kysely'
import type { IMAGE_STATUSES, TRAINING_STATUSES } from './migrations.js'

export type ImageStatus = (typeof IMAGE_STATUSES)[number]
export type TrainingStatus = (typeof TRAINING_STATUSES)[number]

type Json = ColumnType<unknown, string | undefined, string>
type Timestamp = ColumnType<string, Date | undefined, Date>
type Bool = ColumnType<number | boolean, boolean | undefined, boolean>

/** The tables as stored (what Kysely sees). Rows returned to callers are decoded: see below. */
export interface AiArtistTables {
  generated_images: {
    id: Generated<number>
    filename: string
    prompt: string
    negative_prompt: string | null
    source_url: string | null
    source_query: string | null
    model_id: string
    generation_params: Json
    seed: number | null
    aesthetic_score: number | null
    clip_score: number | null
    technical_score: number | null
    final_score: number | null
    diversity_score: number | null
    created_at: Timestamp
    updated_at: Timestamp
    status: ImageStatus
    is_featured: Bool
    tags: Json
  }
  training_sessions: {
    id: Generated<number>
    name: string
    model_path: string
    config: Json
    dataset_size: number | null
    final_loss: number | null
    training_time_seconds: number | null
    metrics: Json
    started_at: Timestamp
    completed_at: ColumnType<string | null, Date | null | undefined, Date | null>
    status: TrainingStatus
  }
  creation_sessions: {
    id: Generated<number>
    theme: string | null
    images_created: ColumnType<number, number | undefined, number>
    images_kept: ColumnType<number, number | undefined, number>
    avg_score: number | null
    started_at: Timestamp
    completed_at: ColumnType<string | null, Date | null | undefined, Date | null>
  }
}

/** GeneratedImage is one row of `generated_images`, decoded. Timestamps are ISO-8601 UTC. */
export interface GeneratedImage {
  id: number
  filename: string
  prompt: string
  negative_prompt: string | null
  source_url: string | null
  source_query: string | null
  model_id: string
  generation_params: Record<string, unknown>
  seed: number | null
  aesthetic_score: number | null
  clip_score: number | null
  technical_score: number | null
  final_score: number | null
  diversity_score: number | null
  created_at: string
  updated_at: string
  status: ImageStatus
  is_featured: boolean
  tags: string[]
}

export interface TrainingSession {
  id: number
  name: string
  model_path: string
  config: Record<string, unknown>
  dataset_size: number | null
  final_loss: number | null
  training_time_seconds: number | null
  metrics: Record<string, unknown>
  started_at: string
  completed_at: string | null
  status: TrainingStatus
}

export interface CreationSession {
  id: number
  theme: string | null
  images_created: number
  images_kept: number
  avg_score: number | null
  started_at: string
  completed_at: string | null
}

/** Row of the seed's "Quality Distribution" query. */
export interface QualityTier {
  quality_tier: 'Excellent' | 'Good' | 'Fair' | 'Poor'
  count: number
  avg_score: number | null
}

/** Row of the seed's "Training Session Statistics" query. */
export interface TrainingStatistics {
  name: string
  dataset_size: number | null
  final_loss: number | null
  training_hours: number | null
  status: TrainingStatus
}

/** Row of the seed's "Daily Creation Statistics" query. */
export interface DailyCreationStatistics {
  date: string
  sessions: number
  total_created: number
  total_kept: number
  avg_quality: number | null
}

export interface ImageFilter {
  status?: ImageStatus
  model_id?: string
  min_score?: number
  tag?: string
  featured?: boolean
  created_after?: string | Date
  created_before?: string | Date
}
