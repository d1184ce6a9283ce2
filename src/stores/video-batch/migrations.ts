import {
  jobRuntimeMigration,
  initialSchema,
  valueList,
  type Migration,
  type SummarySpec,
  total,
  widenIntegers,
  summaryMigration,
  summaryShardsMigration,
  summaryStatementTriggersMigration,
  searchMigrations,
} from '../../core/index.js'

/** Image statuses (seed 000: "Status Values" of images). */
export const IMAGE_STATUSES = ['pending', 'success', 'failed', 'legacy'] as const
/** Video statuses (seed 000: "Status Values" of videos). */
export const VIDEO_STATUSES = ['pending', 'completed', 'failed'] as const

/** The legacy placeholder image (seed 000: "Special Records"). */
export const LEGACY_PLACEHOLDER = {
  original_filename: 'legacy_placeholder',
  descriptive_name: 'Legacy System Migration',
  status: 'legacy',
} as const

/** Seed 000's schema: images (with its self-reference), prompts, videos, and the indexes its Maintenance section asks for. */
const initial = initialSchema('initial schema (seed 000)', (d) => {
  const ts = `${d.textTimestamp.type} NOT NULL DEFAULT ${d.textTimestamp.currentDefault}`
  return [
    `CREATE TABLE images (
    id ${d.autoIncrementPrimaryKey},
    timestamp ${ts},
    original_filename TEXT NOT NULL,
    original_path TEXT,
    file_size_bytes ${d.bigIntegerType},
    upload_url TEXT,
    uploaded_filename TEXT,
    uploaded_path TEXT,
    downloaded_size_bytes ${d.bigIntegerType},
    processing_time_seconds ${d.type('REAL')},
    status TEXT NOT NULL DEFAULT 'pending',
    error_message TEXT,
    descriptive_name TEXT,
    processed_path TEXT,
    created_at ${ts},
    updated_at ${ts},
    origin_image_id INTEGER REFERENCES images(id),
    CONSTRAINT check_images_status CHECK (status IN (${valueList(IMAGE_STATUSES)}))
)`,
    `CREATE TABLE prompts (
    id ${d.autoIncrementPrimaryKey},
    image_id INTEGER NOT NULL REFERENCES images(id),
    image_prompt TEXT,
    video_prompt TEXT,
    refined_video_prompt TEXT,
    creative_video_prompt_1 TEXT,
    creative_video_prompt_2 TEXT,
    creative_video_prompt_3 TEXT,
    created_at ${ts},
    updated_at ${ts}
)`,
    `CREATE TABLE videos (
    id ${d.autoIncrementPrimaryKey},
    image_id INTEGER NOT NULL REFERENCES images(id),
    prompt_id INTEGER REFERENCES prompts(id),
    video_filename TEXT,
    video_path TEXT,
    prompt_used TEXT,
    prompt_type TEXT DEFAULT 'base',
    generation_service TEXT,
    generation_time_seconds ${d.type('REAL')},
    file_size_bytes ${d.bigIntegerType},
    status TEXT NOT NULL DEFAULT 'pending',
    error_message TEXT,
    created_at ${ts},
    metadata TEXT,
    CONSTRAINT check_videos_status CHECK (status IN (${valueList(VIDEO_STATUSES)}))
)`,
    'CREATE INDEX idx_images_status ON images(status)',
    'CREATE INDEX idx_images_origin_image_id ON images(origin_image_id)',
    'CREATE INDEX idx_prompts_image_id ON prompts(image_id)',
    'CREATE INDEX idx_videos_image_id ON videos(image_id)',
    'CREATE INDEX idx_videos_prompt_id ON videos(prompt_id)',
    'CREATE INDEX idx_videos_status ON videos(status)',
    ...d.touchTrigger('update_images_timestamp', 'images'),
    ...d.touchTrigger('update_prompts_timestamp', 'prompts'),
  ]
})

/**
 * genmedia's additions (docs/seed-deviations/video-batch.md): video claims (`claimed_at`,
 * `claimed_by`), import identities (`prompts.source_file`, `videos.source_key`), the one-legacy-
 * placeholder rule, and the indexes that serve the seed's Common Queries.
 */
const workflow: Migration = {
  version: 2,
  name: 'claims, import identities, query indexes',
  up: (d) => [
    'ALTER TABLE videos ADD COLUMN claimed_at ' + d.textTimestamp.type,
    'ALTER TABLE videos ADD COLUMN claimed_by TEXT',
    'ALTER TABLE videos ADD COLUMN source_key TEXT',
    'ALTER TABLE prompts ADD COLUMN source_file TEXT',
    // The claim query names these literals, so the partial index serves it on both engines
    // (on PostgreSQL a partial index keeps claims fast after ANALYZE).
    "CREATE INDEX idx_videos_claimable ON videos(id) WHERE status = 'pending' AND claimed_at IS NULL",
    "CREATE INDEX idx_videos_claimed ON videos(claimed_at) WHERE status = 'pending' AND claimed_at IS NOT NULL",
    'CREATE UNIQUE INDEX idx_videos_source_key ON videos(source_key)',
    'CREATE INDEX idx_videos_video_filename ON videos(video_filename)',
    `CREATE INDEX idx_videos_status_generation_time ON videos(status, generation_time_seconds ${d.indexDescNullsLast}, id DESC)`,
    'CREATE UNIQUE INDEX idx_prompts_source_file ON prompts(source_file)',
    // Only the placeholder may be 'legacy': at most one row, even with concurrent importers.
    "CREATE UNIQUE INDEX idx_images_legacy_placeholder ON images(status) WHERE status = 'legacy'",
    'CREATE INDEX idx_images_original_filename ON images(original_filename)',
    'CREATE INDEX idx_images_uploaded_filename ON images(uploaded_filename)',
    'CREATE INDEX idx_images_descriptive_name ON images(descriptive_name)',
    `CREATE INDEX idx_images_status_processing_time ON images(status, processing_time_seconds ${d.indexDescNullsLast}, id DESC)`,
    'CREATE INDEX idx_images_status_origin_created ON images(status, origin_image_id, created_at DESC, id DESC)',
    'CREATE INDEX idx_images_derived_created ON images(created_at DESC, id DESC) WHERE origin_image_id IS NOT NULL',
  ],
  down: () => [
    'DROP INDEX idx_images_derived_created',
    'DROP INDEX idx_images_status_origin_created',
    'DROP INDEX idx_images_status_processing_time',
    'DROP INDEX idx_images_descriptive_name',
    'DROP INDEX idx_images_uploaded_filename',
    'DROP INDEX idx_images_original_filename',
    'DROP INDEX idx_images_legacy_placeholder',
    'DROP INDEX idx_prompts_source_file',
    'DROP INDEX idx_videos_status_generation_time',
    'DROP INDEX idx_videos_video_filename',
    'DROP INDEX idx_videos_source_key',
    'DROP INDEX idx_videos_claimed',
    'DROP INDEX idx_videos_claimable',
    'ALTER TABLE prompts DROP COLUMN source_file',
    'ALTER TABLE videos DROP COLUMN source_key',
    'ALTER TABLE videos DROP COLUMN claimed_by',
    'ALTER TABLE videos DROP COLUMN claimed_at',
  ],
}

/**
 * The job runtime's columns and tables (docs/worker.md, docs/seed-deviations/video-batch.md):
 * a lease (`lease_owner`, `lease_expires_at`; a claim also writes `claimed_at`/`claimed_by`),
 * attempts, when a retry may run, a cancellation request, progress and the provider; every
 * attempt's outcome (`job_attempts`) and per-provider limits (`job_limits`). The seed's statuses
 * stay: a running or retrying video is `pending`, a cancelled one `failed` with `cancelled_at`.
 */
const jobRuntime = jobRuntimeMigration(3, 'videos', (d) => d.textTimestamp.type, [
  'CREATE INDEX idx_videos_leases ON videos(lease_expires_at) WHERE lease_owner IS NOT NULL',
])

/** The prompt columns of a prompt set (seed 000: "Prompt variations"). */
export const PROMPT_COLUMNS = [
  'image_prompt',
  'video_prompt',
  'refined_video_prompt',
  'creative_video_prompt_1',
  'creative_video_prompt_2',
  'creative_video_prompt_3',
] as const

/** Full-text search over images' names and every prompt variation (docs/search.md). */
const search = searchMigrations('images and prompt sets', {
  images: ['descriptive_name', 'original_filename', 'uploaded_filename'],
  prompts: PROMPT_COLUMNS,
})

/**
 * Per video status: how many videos, and the sums and counts behind the mean generation time and
 * size, kept by triggers (src/core/summary.ts), so that getVideoStatistics and countVideosByStatus
 * read a few rows instead of every video.
 */
export const videoStatusTotals = {
  table: 'video_status_totals',
  source: 'videos',
  groups: { status: '$.status' },
  totals: {
    videos: total.rows,
    timed: total.known('generation_time_seconds'),
    time_sum: total.sum('generation_time_seconds', 'real'),
    sized: total.known('file_size_bytes'),
    size_sum: total.sum('file_size_bytes', 'integer'),
  },
} satisfies SummarySpec

/** Rows per status of video_status_totals (migration 7), over which writing connections spread. */
export const VIDEO_STATUS_SHARDS = 64

const statusTotals = summaryMigration(5, 'video totals per status', videoStatusTotals)

/**
 * The totals per status with a row per status and writing connection: every worker's completion
 * moves a video from `pending` to `completed`, and on PostgreSQL the workers queued on those two
 * rows (docs/worker.md, "Throughput"). Readers sum a status's rows.
 */
const shardedStatusTotals = summaryShardsMigration(
  7,
  'video totals per status and writer',
  videoStatusTotals,
  VIDEO_STATUS_SHARDS,
)

export const migrations: readonly Migration[] = [
  initial,
  workflow,
  jobRuntime,
  search.index(4),
  statusTotals,
  widenIntegers(6, [
    'images.file_size_bytes',
    'images.downloaded_size_bytes',
    'videos.file_size_bytes',
  ]),
  shardedStatusTotals,
  search.stored(8),
  summaryStatementTriggersMigration(9, 'video totals kept once per statement', {
    ...videoStatusTotals,
    shards: VIDEO_STATUS_SHARDS,
  }),
]

/** Named CHECK constraints and the column each guards, for errors that name the column. */
export const columnsByConstraint = {
  check_images_status: 'status',
  check_videos_status: 'status',
} as const
