import type { ColumnType, Generated } from 'kysely'
import type { CHARACTERS } from './migrations.js'

export type Character = (typeof CHARACTERS)[number]

type Json = ColumnType<unknown, string | undefined, string>
type Timestamp = ColumnType<string, Date | undefined, Date>

/** The tables as stored (what Kysely sees). Rows returned to callers are decoded: see below. */
export interface ImageLibraryTables {
  image_library: {
    id: Generated<number>
    character: Character
    emotion: string
    pose: string | null
    file_path: string
    source: ColumnType<string, string | undefined, string>
    file_size_bytes: number | null
    width: number | null
    height: number | null
    format: string | null
    generation_prompt: string | null
    generation_model: string | null
    quality_score: number | null
    usage_count: ColumnType<number, number | undefined, number>
    tags: Json
    metadata: Json
    timestamp: Timestamp
    created_at: Timestamp
    last_used_at: ColumnType<string | null, Date | null | undefined, Date | null>
  }
  image_usage: {
    id: Generated<number>
    image_id: number
    video_id: string
    scene_number: number | null
    timestamp: Timestamp
  }
  image_collections: {
    id: Generated<number>
    name: string
    description: string | null
    character: Character | null
    created_at: Timestamp
  }
  collection_images: {
    collection_id: number
    image_id: number
    sort_order: ColumnType<number, number | undefined, number>
  }
}

/** LibraryImage is one row of `image_library`, decoded. Timestamps are ISO-8601 UTC. */
export interface LibraryImage {
  id: number
  character: Character
  emotion: string
  pose: string | null
  file_path: string
  source: string
  file_size_bytes: number | null
  width: number | null
  height: number | null
  format: string | null
  generation_prompt: string | null
  generation_model: string | null
  /** 0.0 to 1.0. */
  quality_score: number | null
  /** Kept by the update_image_usage_stats trigger. */
  usage_count: number
  tags: string[]
  metadata: Record<string, unknown>
  timestamp: string
  created_at: string
  /** Kept by the update_image_usage_stats trigger; null until first used. */
  last_used_at: string | null
}

/** ImageUsage is one row of `image_usage`: an image shown in a scene of a video. */
export interface ImageUsage {
  id: number
  image_id: number
  video_id: string
  scene_number: number | null
  timestamp: string
}

/** ImageCollection is one row of `image_collections`. */
export interface ImageCollection {
  id: number
  name: string
  description: string | null
  /** When set, only images of this character may join. */
  character: Character | null
  created_at: string
}

/** CollectionImage is an image of a collection with its place in the collection's order. */
export interface CollectionImage extends LibraryImage {
  sort_order: number
}

/** The filter of `findImages`. */
export interface LibraryImageFilter {
  character?: Character
  emotion?: string
  pose?: string
  source?: string
  min_quality?: number
}

/** Row of `countImagesByCharacter`: how many images, and how often used, per character and emotion. */
export interface EmotionCoverage {
  character: Character
  emotion: string
  images: number
  uses: number
}
