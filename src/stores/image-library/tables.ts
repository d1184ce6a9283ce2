import { z } from 'zod'
import {
  col,
  defineRow,
  defineTables,
  summaryColumns,
  type Row,
  type TablesOf,
  defineSearch,
} from '../../core/index.js'
import { CHARACTERS, emotionTotals } from './migrations.js'

/** A text column writes refuse when empty (after trimming, for names and keys). */
const nonEmpty = () => col.text().check((s) => s.min(1))

/**
 * A character: a name that the CHECK constraints (check_character_valid,
 * check_collection_character_valid) accept, and they alone, so that a deployment that extends
 * them (docs/stores/image-library.md) needs no change here. The seed's two are the examples.
 */
const character = () => col.name().check((s) => s.meta({ examples: [...CHARACTERS] }))

/** The image-library store's tables (seed 002), each column once, as the migrations create them. */
export const imageLibraryTables = defineTables({
  image_library: {
    id: col.id(),
    character: character(),
    emotion: col.name(),
    pose: nonEmpty().nullable(),
    file_path: col.name(),
    source: nonEmpty().defaulted(),
    file_size_bytes: col.count(),
    width: col
      .integer()
      .nullable()
      .check((s) => s.positive()),
    height: col
      .integer()
      .nullable()
      .check((s) => s.positive()),
    format: nonEmpty().nullable(),
    generation_prompt: col.text().nullable(),
    generation_model: col.text().nullable(),
    /** 0.0 to 1.0. */
    quality_score: col.fraction().nullable(),
    /** Kept by the update_image_usage_stats trigger. */
    usage_count: col
      .integer()
      .defaulted()
      .constrained((s) => s.min(0)),
    tags: col.json(z.array(z.string())).nullable({ inWrites: false }).defaulted(),
    metadata: col.object().nullable({ inWrites: false }).defaulted(),
    timestamp: col.timestamp().defaulted(),
    created_at: col.timestamp().defaulted(),
    /** Kept by the update_image_usage_stats trigger; null until first used. */
    last_used_at: col.timestamp().nullable(),
  },
  image_usage: {
    id: col.id(),
    image_id: col.integer().check((s) => s.positive()),
    video_id: col.name(),
    scene_number: col
      .integer()
      .nullable()
      .check((s) => s.min(0)),
    timestamp: col.timestamp().defaulted(),
  },
  image_collections: {
    id: col.id(),
    name: col.name(),
    description: col.text().nullable(),
    /** When set, only images of this character may join. */
    character: character().nullable(),
    created_at: col.timestamp().defaulted(),
  },
  collection_images: {
    collection_id: col.integer(),
    image_id: col.integer().check((s) => s.positive()),
    sort_order: col.integer().defaulted(),
  },
  /** Per character and emotion, the totals behind countImagesByCharacter (migration 2). */
  image_emotion_totals: summaryColumns(emotionTotals, {
    character: col.key(),
    emotion: col.text(),
  }),
})

/** What full-text search reads, and the columns a list counts by value (docs/search.md). */
export const imageLibrarySearch = {
  image_library: defineSearch(imageLibraryTables.image_library, {
    columns: ['generation_prompt', 'tags', 'character', 'emotion', 'pose'],
    facets: ['character', 'emotion', 'pose', 'source', 'format'],
  }),
}

/** The tables as Kysely sees them. */
export type ImageLibraryTables = TablesOf<typeof imageLibraryTables>

/** A character's name: 'butcher' or 'nutsy', or another a deployment's CHECK allows. */
export type Character = string

/** LibraryImage is one row of `image_library`, decoded. Timestamps are ISO-8601 UTC. */
export type LibraryImage = Row<typeof imageLibraryTables.image_library>
/** ImageUsage is one row of `image_usage`: an image shown in a scene of a video. */
export type ImageUsage = Row<typeof imageLibraryTables.image_usage>
/** ImageCollection is one row of `image_collections`. */
export type ImageCollection = Row<typeof imageLibraryTables.image_collections>

// ── the rows of the store's queries ───────────────────────────────────────

/** An image of a collection with its place in the collection's order. */
export const collectionImage = defineRow({
  ...imageLibraryTables.image_library.columns,
  sort_order: col.integer(),
})
export type CollectionImage = Row<typeof collectionImage>

/** Row of `countImagesByCharacter`: how many images, and how often used, per character and emotion. */
export const emotionCoverage = defineRow({
  character: col.key(),
  emotion: col.key(),
  images: col.integer(),
  uses: col.integer(),
})
export type EmotionCoverage = Row<typeof emotionCoverage>
