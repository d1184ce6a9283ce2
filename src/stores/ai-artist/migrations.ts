import {
  indexesMigration,
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

/** Curation statuses (seed 004: `check_status_valid`). */
export const IMAGE_STATUSES = ['pending', 'curated', 'rejected'] as const
/** Training run statuses (seed 004: "running, completed, failed"). */
export const TRAINING_STATUSES = ['running', 'completed', 'failed'] as const

/** Seed 004's schema: three tables, their indexes, the update_timestamp trigger. */
const initial = initialSchema('initial schema (seed 004)', (d) => [
  `CREATE TABLE generated_images (
    id ${d.autoIncrementPrimaryKey},
    filename TEXT NOT NULL UNIQUE,
    prompt TEXT NOT NULL,
    negative_prompt TEXT DEFAULT '',
    source_url TEXT,
    source_query TEXT,
    model_id TEXT NOT NULL,
    generation_params ${d.type('JSON')} DEFAULT '{}',
    seed INTEGER,
    aesthetic_score ${d.type('REAL')},
    clip_score ${d.type('REAL')},
    technical_score ${d.type('REAL')},
    final_score ${d.type('REAL')},
    created_at ${d.type('DATETIME')} NOT NULL DEFAULT ${d.currentTimestamp},
    updated_at ${d.type('DATETIME')} NOT NULL DEFAULT ${d.currentTimestamp},
    status TEXT NOT NULL DEFAULT 'pending',
    is_featured BOOLEAN NOT NULL DEFAULT ${d.booleanLiteral(false)},
    tags ${d.type('JSON')} DEFAULT '[]',
    CONSTRAINT check_score_range CHECK (final_score >= 0 AND final_score <= 10),
    CONSTRAINT check_status_valid CHECK (status IN (${valueList(IMAGE_STATUSES)})),
    CONSTRAINT check_aesthetic_score_range CHECK (aesthetic_score >= 0 AND aesthetic_score <= 10),
    CONSTRAINT check_clip_score_range CHECK (clip_score >= 0 AND clip_score <= 1),
    CONSTRAINT check_technical_score_range CHECK (technical_score >= 0 AND technical_score <= 1)
)`,
  'CREATE INDEX idx_filename ON generated_images(filename)',
  'CREATE INDEX idx_model_id ON generated_images(model_id)',
  'CREATE INDEX idx_created_at ON generated_images(created_at DESC)',
  'CREATE INDEX idx_status ON generated_images(status)',
  'CREATE INDEX idx_final_score ON generated_images(final_score DESC)',
  'CREATE INDEX idx_featured ON generated_images(is_featured)',
  'CREATE INDEX idx_status_score ON generated_images(status, final_score DESC)',
  'CREATE INDEX idx_covering ON generated_images(status, final_score, filename, created_at)',
  // Not in the seed: the named queries and the gallery filter by status or model and sort by
  // creation time; without these the planner sorts every match (at a million images, 160 ms
  // a query where these make it 0.04 ms).
  'CREATE INDEX idx_status_created ON generated_images(status, created_at DESC, id DESC)',
  'CREATE INDEX idx_model_created ON generated_images(model_id, created_at DESC, id DESC)',
  ...d.touchTrigger('update_timestamp', 'generated_images'),
  `CREATE TABLE training_sessions (
    id ${d.autoIncrementPrimaryKey},
    name TEXT NOT NULL,
    model_path TEXT NOT NULL,
    config ${d.type('JSON')} DEFAULT '{}',
    dataset_size INTEGER,
    final_loss ${d.type('REAL')},
    training_time_seconds ${d.type('REAL')},
    metrics ${d.type('JSON')} DEFAULT '{}',
    started_at ${d.type('DATETIME')} DEFAULT ${d.currentTimestamp},
    completed_at ${d.type('DATETIME')},
    status TEXT DEFAULT 'running',
    CONSTRAINT check_training_status_valid CHECK (status IN (${valueList(TRAINING_STATUSES)}))
)`,
  'CREATE INDEX idx_training_name ON training_sessions(name)',
  'CREATE INDEX idx_training_status ON training_sessions(status)',
  'CREATE INDEX idx_training_started ON training_sessions(started_at DESC)',
  `CREATE TABLE creation_sessions (
    id ${d.autoIncrementPrimaryKey},
    theme TEXT,
    images_created INTEGER DEFAULT 0,
    images_kept INTEGER DEFAULT 0,
    avg_score ${d.type('REAL')},
    started_at ${d.type('DATETIME')} DEFAULT ${d.currentTimestamp},
    completed_at ${d.type('DATETIME')}
)`,
  'CREATE INDEX idx_session_started ON creation_sessions(started_at DESC)',
  'CREATE INDEX idx_session_theme ON creation_sessions(theme)',
])

/** Seed 004's example migration "Add diversity_score column" (revision 002), with its downgrade. */
const diversityScore: Migration = {
  version: 2,
  name: 'add diversity_score',
  up: (d) => [
    `ALTER TABLE generated_images ADD COLUMN diversity_score ${d.type('REAL')}`,
    'CREATE INDEX idx_diversity_score ON generated_images(diversity_score)',
  ],
  down: () => [
    'DROP INDEX idx_diversity_score',
    'ALTER TABLE generated_images DROP COLUMN diversity_score',
  ],
}

/** Full-text search over images' prompts, tags and file names (docs/search.md). */
const imageSearch = searchMigrations('generated images', {
  generated_images: ['prompt', 'negative_prompt', 'tags', 'filename'],
})

/** The seed's quality tiers of a final score ("Get Quality Distribution"); no score is 'Poor'. */
export const QUALITY_TIER = `CASE
        WHEN $.final_score >= 8.0 THEN 'Excellent'
        WHEN $.final_score >= 6.0 THEN 'Good'
        WHEN $.final_score >= 4.0 THEN 'Fair'
        ELSE 'Poor'
    END`

/**
 * Per status and quality tier: how many images, and the sum and count of their final scores,
 * kept by triggers (src/core/summary.ts), so that countImagesByStatus and getQualityDistribution
 * read a dozen rows instead of every image.
 */
export const imageQualityTotals = {
  table: 'image_quality_totals',
  source: 'generated_images',
  groups: { status: '$.status', quality_tier: QUALITY_TIER },
  totals: {
    images: total.rows,
    scored: total.known('final_score'),
    score_sum: total.sum('final_score', 'real'),
  },
} satisfies SummarySpec

const qualityTotals = summaryMigration(
  4,
  'image totals per status and quality tier',
  imageQualityTotals,
)

/**
 * The featured images, newest first (the dashboard's and the API's `featured` filter): with the
 * seed's `idx_featured` alone, each page sorted every featured image (a million images, 50,000 of
 * them featured: 200–350 ms a page); with this one a page is read in order from the index.
 */
const featuredCreated = indexesMigration(8, 'index featured images by time', [
  'CREATE INDEX idx_featured_created ON generated_images(is_featured, created_at DESC, id DESC)',
])

export const migrations: readonly Migration[] = [
  initial,
  diversityScore,
  imageSearch.index(3),
  qualityTotals,
  widenIntegers(5),
  imageSearch.stored(6),
  summaryStatementTriggersMigration(7, 'image totals kept once per statement', imageQualityTotals),
  featuredCreated,
]

/** Named CHECK constraints and the column each guards, for errors that name the column. */
export const columnsByConstraint = {
  check_score_range: 'final_score',
  check_status_valid: 'status',
  check_aesthetic_score_range: 'aesthetic_score',
  check_clip_score_range: 'clip_score',
  check_technical_score_range: 'technical_score',
  check_training_status_valid: 'status',
} as const
