import {
  initialSchema,
  valueList,
  type Migration,
  type SummarySpec,
  total,
  widenIntegers,
  summaryMigration,
  summaryStatementTriggersMigration,
  searchMigrations,
} from '../../core/index.js'

/** The characters of the seed's project (seed 002: "constrained via CHECK"). */
export const CHARACTERS = ['butcher', 'nutsy'] as const

/** Seed 002's image_library.db: images, their usage in videos, ordered collections. */
const initial = initialSchema('initial schema (seed 002, image_library.db)', (d) => [
  `CREATE TABLE image_library (
    id ${d.autoIncrementPrimaryKey},
    character TEXT NOT NULL,
    emotion TEXT NOT NULL,
    pose TEXT,
    file_path TEXT NOT NULL UNIQUE,
    source TEXT NOT NULL DEFAULT 'generated',
    file_size_bytes INTEGER,
    width INTEGER,
    height INTEGER,
    format TEXT,
    generation_prompt TEXT,
    generation_model TEXT,
    quality_score ${d.type('REAL')},
    usage_count INTEGER NOT NULL DEFAULT 0,
    tags ${d.type('JSON')} DEFAULT '[]',
    metadata ${d.type('JSON')} DEFAULT '{}',
    timestamp ${d.type('DATETIME')} NOT NULL DEFAULT ${d.currentTimestamp},
    created_at ${d.type('DATETIME')} NOT NULL DEFAULT ${d.currentTimestamp},
    last_used_at ${d.type('DATETIME')},
    CONSTRAINT check_character_valid CHECK (character IN (${valueList(CHARACTERS)})),
    CONSTRAINT check_quality_score_range CHECK (quality_score >= 0.0 AND quality_score <= 1.0),
    CONSTRAINT check_usage_count_valid CHECK (usage_count >= 0)
)`,
  'CREATE INDEX idx_image_library_character ON image_library(character)',
  'CREATE INDEX idx_image_library_emotion ON image_library(emotion)',
  'CREATE INDEX idx_image_library_pose ON image_library(pose)',
  'CREATE INDEX idx_image_library_source ON image_library(source)',
  'CREATE INDEX idx_image_library_quality ON image_library(quality_score DESC)',
  'CREATE INDEX idx_image_library_char_emotion ON image_library(character, emotion)',
  // Not in the seed: the least-used images of a character and emotion, read in order.
  'CREATE INDEX idx_image_library_least_used ON image_library(character, emotion, usage_count, last_used_at, id)',
  `CREATE TABLE image_usage (
    id ${d.autoIncrementPrimaryKey},
    image_id INTEGER NOT NULL REFERENCES image_library(id) ON DELETE CASCADE,
    video_id TEXT NOT NULL,
    scene_number INTEGER,
    timestamp ${d.type('DATETIME')} NOT NULL DEFAULT ${d.currentTimestamp},
    CONSTRAINT check_scene_number_valid CHECK (scene_number >= 0)
)`,
  'CREATE INDEX idx_image_usage_image_id ON image_usage(image_id)',
  'CREATE INDEX idx_image_usage_video_id ON image_usage(video_id, scene_number, id)',
  // Counts every use and keeps the latest use's time; a use recorded late (an older timestamp)
  // does not move last_used_at back.
  ...d.trigger({
    name: 'update_image_usage_stats',
    table: 'image_usage',
    timing: 'AFTER',
    event: 'INSERT',
    body: [
      `UPDATE image_library SET usage_count = usage_count + 1, last_used_at = CASE WHEN last_used_at IS NULL OR last_used_at < NEW.timestamp THEN NEW.timestamp ELSE last_used_at END WHERE id = NEW.image_id`,
    ],
  }),
  `CREATE TABLE image_collections (
    id ${d.autoIncrementPrimaryKey},
    name TEXT NOT NULL UNIQUE,
    description TEXT,
    character TEXT,
    created_at ${d.type('DATETIME')} NOT NULL DEFAULT ${d.currentTimestamp},
    CONSTRAINT check_collection_character_valid CHECK (character IS NULL OR character IN (${valueList(CHARACTERS)}))
)`,
  `CREATE TABLE collection_images (
    collection_id INTEGER NOT NULL REFERENCES image_collections(id) ON DELETE CASCADE,
    image_id INTEGER NOT NULL REFERENCES image_library(id) ON DELETE CASCADE,
    sort_order INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (collection_id, image_id)
)`,
  // Not in the seed: a collection in display order, and the cascade from a deleted image.
  'CREATE INDEX idx_collection_images_order ON collection_images(collection_id, sort_order, image_id)',
  'CREATE INDEX idx_collection_images_image_id ON collection_images(image_id)',
])

/** Full-text search over prompts, tags, characters, emotions and poses (docs/search.md). */
const librarySearch = searchMigrations('the image library', {
  image_library: ['generation_prompt', 'tags', 'character', 'emotion', 'pose'],
})

/**
 * Per character and emotion: how many images and their uses, kept by triggers
 * (src/core/summary.ts; update_image_usage_stats's updates included), so that
 * countImagesByCharacter reads a row per pair.
 */
export const emotionTotals = {
  table: 'image_emotion_totals',
  source: 'image_library',
  groups: { character: '$.character', emotion: '$.emotion' },
  totals: {
    images: total.rows,
    uses: { value: '$.usage_count', type: 'integer' },
  },
} satisfies SummarySpec

const emotionTotalsMigration = summaryMigration(
  3,
  'image totals per character and emotion',
  emotionTotals,
)

export const migrations: readonly Migration[] = [
  initial,
  librarySearch.index(2),
  emotionTotalsMigration,
  widenIntegers(4),
  librarySearch.stored(5),
  summaryStatementTriggersMigration(6, 'image totals kept once per statement', emotionTotals),
]

/** Named CHECK constraints and the column each guards, for errors that name the column. */
export const columnsByConstraint = {
  check_character_valid: 'character',
  check_quality_score_range: 'quality_score',
  check_usage_count_valid: 'usage_count',
  check_scene_number_valid: 'scene_number',
  check_collection_character_valid: 'character',
} as const
