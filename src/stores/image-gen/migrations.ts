import {
  dropChecks,
  jobRuntimeMigration,
  indexesMigration,
  initialSchema,
  valueList,
  type Migration,
  type SqlDialect,
  widenIntegers,
  searchMigrations,
} from '../../core/index.js'

/** Generation job statuses (seed 001). */
export const JOB_STATUSES = ['pending', 'processing', 'completed', 'failed'] as const
// The lists below are suggestions the prompt panel offers (the seed names no values, or gives
// examples): since migration 5 any value of the column's kind is stored. Migration 1 wrote them
// into CHECK constraints, and its checksum holds them, so they stay as they are; a deployment
// offers more through the API, not by editing them.

/** Shot types the prompt panel suggests. */
export const SHOT_TYPES = [
  'extreme_close_up',
  'close_up',
  'medium_close_up',
  'medium',
  'medium_wide',
  'wide',
  'extreme_wide',
  'establishing',
  'over_the_shoulder',
  'point_of_view',
] as const
/** Camera angles the prompt panel suggests. */
export const CAMERA_ANGLES = [
  'eye_level',
  'high_angle',
  'low_angle',
  'birds_eye',
  'worms_eye',
  'dutch_angle',
  'overhead',
  'aerial',
] as const
/** Visual styles the prompt panel suggests. */
export const STYLES = [
  'photorealistic',
  'cinematic',
  'anime',
  'illustration',
  'watercolor',
  'oil_painting',
  'sketch',
  '3d_render',
  'pixel_art',
  'comic',
] as const
/** Aspect ratios the prompt panel suggests (seed: "16:9", "1:1", "9:16", …); any `W:H` is stored. */
export const ASPECT_RATIOS = ['1:1', '16:9', '9:16', '4:3', '3:4', '3:2', '2:3', '21:9'] as const
/** How the images were produced, as suggested (seed: 'openai', 'fallback', etc.). */
export const GENERATION_METHODS = [
  'openai',
  'fallback',
  'stable_diffusion',
  'imagen',
  'custom',
] as const

/**
 * The generation_jobs columns whose values the prompt panel suggests, each with its list, in
 * the order migration 1 checked them.
 */
export const SUGGESTED_VALUES = {
  shot_type: SHOT_TYPES,
  camera_angle: CAMERA_ANGLES,
  style: STYLES,
  aspect_ratio: ASPECT_RATIOS,
  generation_method: GENERATION_METHODS,
} as const

/** The most images one job may ask for (seed: number_of_shots 1-10). */
export const MAX_SHOTS = 10

const ts = (d: SqlDialect) => d.type('TIMESTAMPTZ')
const now = (d: SqlDialect) => `${ts(d)} NOT NULL DEFAULT ${d.currentTimestamp}`

// Thumbnail order: the first image a session got (ties inside one job by generation_index).
const FIRST_IMAGE_OF_OLD_SESSION = `(SELECT gi.gcp_url FROM generated_images gi WHERE gi.session_id = OLD.session_id ORDER BY gi.created_at ASC, gi.generation_index ASC, gi.id ASC LIMIT 1)`

/**
 * Seed 001's schema: users (referenced by the seed, defined here), sessions, reference images,
 * generation jobs, generated images and the job ↔ reference image junction, with the seed's
 * session triggers and updated_at triggers. Deletion rules: a user's rows go with the user
 * (CASCADE); a job's images and links go with the job (CASCADE); a deleted session or reference
 * image leaves jobs and images in place (session_id SET NULL) or drops the link (CASCADE).
 */
const initial = initialSchema('initial schema (seed 001)', (d) => [
  `CREATE TABLE users (
    id ${d.autoIncrementPrimaryKey},
    email TEXT NOT NULL UNIQUE,
    display_name TEXT,
    created_at ${now(d)}
)`,
  `CREATE TABLE sessions (
    id ${d.autoIncrementPrimaryKey},
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    title TEXT NOT NULL DEFAULT 'New Session',
    thumbnail_url TEXT,
    generated_count INTEGER NOT NULL DEFAULT 0,
    created_at ${now(d)},
    updated_at ${now(d)},
    CONSTRAINT check_sessions_generated_count CHECK (generated_count >= 0)
)`,
  'CREATE INDEX idx_sessions_user_id ON sessions(user_id)',
  'CREATE INDEX idx_sessions_user_updated ON sessions(user_id, updated_at DESC, id DESC)',
  'CREATE INDEX idx_sessions_created_at ON sessions(created_at DESC)',
  'CREATE INDEX idx_sessions_updated_at ON sessions(updated_at DESC)',
  ...d.touchTrigger('update_sessions_updated_at', 'sessions'),
  `CREATE TABLE reference_images (
    id ${d.autoIncrementPrimaryKey},
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    session_id INTEGER REFERENCES sessions(id) ON DELETE SET NULL,
    gcp_bucket_path TEXT NOT NULL UNIQUE,
    gcp_url TEXT NOT NULL,
    file_name TEXT NOT NULL,
    file_size INTEGER NOT NULL,
    mime_type TEXT NOT NULL,
    width INTEGER,
    height INTEGER,
    uploaded_at ${now(d)},
    CONSTRAINT check_reference_images_file_size CHECK (file_size >= 0)
)`,
  'CREATE INDEX idx_reference_images_user_id ON reference_images(user_id)',
  'CREATE INDEX idx_reference_images_session_id ON reference_images(session_id)',
  'CREATE INDEX idx_reference_images_user_uploaded ON reference_images(user_id, uploaded_at DESC, id DESC)',
  `CREATE TABLE generation_jobs (
    id ${d.autoIncrementPrimaryKey},
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    session_id INTEGER REFERENCES sessions(id) ON DELETE SET NULL,
    prompt TEXT NOT NULL,
    generated_prompt TEXT,
    shot_type TEXT,
    camera_angle TEXT,
    style TEXT,
    location TEXT,
    lighting TEXT,
    weather TEXT,
    is_custom_enabled BOOLEAN NOT NULL DEFAULT ${d.booleanLiteral(false)},
    aspect_ratio TEXT NOT NULL DEFAULT '1:1',
    number_of_shots INTEGER NOT NULL DEFAULT 1,
    model_used TEXT,
    status TEXT NOT NULL DEFAULT 'pending',
    error_message TEXT,
    generation_method TEXT,
    started_at ${ts(d)},
    completed_at ${ts(d)},
    created_at ${now(d)},
    updated_at ${now(d)},
    CONSTRAINT check_generation_jobs_shot_type CHECK (shot_type IN (${valueList(SHOT_TYPES)})),
    CONSTRAINT check_generation_jobs_camera_angle CHECK (camera_angle IN (${valueList(CAMERA_ANGLES)})),
    CONSTRAINT check_generation_jobs_style CHECK (style IN (${valueList(STYLES)})),
    CONSTRAINT check_generation_jobs_aspect_ratio CHECK (aspect_ratio IN (${valueList(ASPECT_RATIOS)})),
    CONSTRAINT check_generation_jobs_number_of_shots CHECK (number_of_shots BETWEEN 1 AND ${MAX_SHOTS}),
    CONSTRAINT check_generation_jobs_status CHECK (status IN (${valueList(JOB_STATUSES)})),
    CONSTRAINT check_generation_jobs_generation_method CHECK (generation_method IN (${valueList(GENERATION_METHODS)}))
)`,
  'CREATE INDEX idx_generation_jobs_user_id ON generation_jobs(user_id)',
  'CREATE INDEX idx_generation_jobs_session_id ON generation_jobs(session_id)',
  'CREATE INDEX idx_generation_jobs_status ON generation_jobs(status)',
  'CREATE INDEX idx_generation_jobs_created_at ON generation_jobs(created_at DESC)',
  'CREATE INDEX idx_generation_jobs_user_created ON generation_jobs(user_id, created_at DESC, id DESC)',
  'CREATE INDEX idx_generation_jobs_user_status_created ON generation_jobs(user_id, status, created_at DESC, id DESC)',
  // Claiming: (status, id) serves SQLite; the partial index keeps serving PostgreSQL after
  // ANALYZE, where the planner abandons (status, id) for the primary key.
  'CREATE INDEX idx_generation_jobs_status_id ON generation_jobs(status, id)',
  "CREATE INDEX idx_generation_jobs_pending ON generation_jobs(id) WHERE status = 'pending'",
  ...d.touchTrigger('update_generation_jobs_updated_at', 'generation_jobs'),
  `CREATE TABLE generated_images (
    id ${d.autoIncrementPrimaryKey},
    generation_job_id INTEGER NOT NULL REFERENCES generation_jobs(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    session_id INTEGER REFERENCES sessions(id) ON DELETE SET NULL,
    gcp_bucket_path TEXT NOT NULL UNIQUE,
    gcp_url TEXT NOT NULL,
    thumbnail_url TEXT,
    file_name TEXT NOT NULL,
    file_size INTEGER NOT NULL,
    mime_type TEXT NOT NULL,
    width INTEGER,
    height INTEGER,
    prompt_used TEXT,
    generation_index INTEGER NOT NULL,
    created_at ${now(d)},
    CONSTRAINT check_generated_images_file_size CHECK (file_size >= 0),
    CONSTRAINT check_generated_images_generation_index CHECK (generation_index >= 1)
)`,
  'CREATE UNIQUE INDEX idx_generated_images_job_index ON generated_images(generation_job_id, generation_index)',
  'CREATE INDEX idx_generated_images_user_id ON generated_images(user_id)',
  'CREATE INDEX idx_generated_images_session_id ON generated_images(session_id)',
  'CREATE INDEX idx_generated_images_created_at ON generated_images(created_at DESC)',
  'CREATE INDEX idx_generated_images_session_order ON generated_images(session_id, generation_index, created_at)',
  'CREATE INDEX idx_generated_images_session_created ON generated_images(session_id, created_at, generation_index, id)',
  `CREATE TABLE generation_job_reference_images (
    id ${d.autoIncrementPrimaryKey},
    generation_job_id INTEGER NOT NULL REFERENCES generation_jobs(id) ON DELETE CASCADE,
    reference_image_id INTEGER NOT NULL REFERENCES reference_images(id) ON DELETE CASCADE,
    created_at ${now(d)},
    UNIQUE (generation_job_id, reference_image_id)
)`,
  'CREATE INDEX idx_gjri_generation_job_id ON generation_job_reference_images(generation_job_id)',
  'CREATE INDEX idx_gjri_reference_image_id ON generation_job_reference_images(reference_image_id)',
  ...d.trigger({
    name: 'update_session_on_image_generation',
    table: 'generated_images',
    timing: 'AFTER',
    event: 'INSERT',
    when: 'NEW.session_id IS NOT NULL',
    body: [
      'UPDATE sessions SET generated_count = generated_count + 1, thumbnail_url = COALESCE(thumbnail_url, NEW.gcp_url) WHERE id = NEW.session_id',
    ],
  }),
  ...d.trigger({
    name: 'update_session_on_image_deletion',
    table: 'generated_images',
    timing: 'AFTER',
    event: 'DELETE',
    when: 'OLD.session_id IS NOT NULL',
    body: [
      `UPDATE sessions SET generated_count = CASE WHEN generated_count > 0 THEN generated_count - 1 ELSE 0 END, thumbnail_url = CASE WHEN thumbnail_url IS NULL OR thumbnail_url = OLD.gcp_url THEN ${FIRST_IMAGE_OF_OLD_SESSION} ELSE thumbnail_url END WHERE id = OLD.session_id`,
    ],
  }),
])

/**
 * The job runtime's columns and tables (docs/worker.md, docs/seed-deviations.md): a lease
 * (`lease_owner`, `lease_expires_at`), the attempts made, when a retry may run (`run_after`),
 * a cancellation request, progress (shots done) and the provider running the job; every
 * attempt's outcome and error (`job_attempts`) and per-provider limits held across worker
 * processes (`job_limits`). The seed's statuses stay as they are: a job waiting for a retry is
 * `pending` with attempts > 0, a cancelled one `failed` with `cancelled_at` set.
 */
const jobRuntime = jobRuntimeMigration(2, 'generation_jobs', ts, [
  // The queue claim and the lease recovery name these literals, so the partial indexes serve them.
  "CREATE INDEX idx_generation_jobs_queued ON generation_jobs(id) WHERE status = 'pending' AND lease_owner IS NULL",
  'CREATE INDEX idx_generation_jobs_leases ON generation_jobs(lease_expires_at) WHERE lease_owner IS NOT NULL',
])

/** Full-text search over jobs' prompts and generated images' prompts and file names. */
const search = searchMigrations('generation jobs and generated images', {
  generation_jobs: ['prompt', 'generated_prompt'],
  generated_images: ['prompt_used', 'file_name'],
})

/**
 * The seed gives these lists as examples ("Enum values from UI", "e.g.", "etc."), so their
 * values are open (docs/seed-deviations.md): the CHECK constraints migration 1 made of
 * genmedia's own lists are dropped. `status` and `number_of_shots` keep theirs: the seed states
 * those rules.
 */
const openValueLists = dropChecks(
  5,
  'open value lists: shot_type, camera_angle, style, aspect_ratio, generation_method',
  {
    table: 'generation_jobs',
    key: 'id',
    // Each as migration 1 wrote it: `check_generation_jobs_<column>`, `<column> IN (…)`.
    checks: Object.entries(SUGGESTED_VALUES).map(([column, values]) => ({
      name: `check_generation_jobs_${column}`,
      column,
      condition: `${column} IN (${valueList(values)})`,
    })),
  },
)

/**
 * Seed 001 lists a reference image's `mime_type` as file metadata and states no rule, and its
 * service's table takes NULL there (an upload whose type was not recorded): genmedia's own
 * uploads always set it, but an adopted database keeps such rows in place.
 */
const optionalReferenceMimeType = dropChecks(7, 'reference images: mime_type optional', {
  table: 'reference_images',
  key: 'id',
  checks: [],
  notNull: ['mime_type'],
})

/**
 * A user's generated images, newest first (`listGeneratedImages`, the API's and the dashboard's
 * image list), as generation_jobs has for a user's jobs: with `idx_generated_images_user_id`
 * alone, each page read and sorted every image of the user (at a million images, 200,000 of one
 * user: 356–485 ms a page); with this one a page is read in order, 0.09 ms.
 */
const userImagesCreated = indexesMigration(8, "index a user's generated images by time", [
  'CREATE INDEX idx_generated_images_user_created ON generated_images(user_id, created_at DESC, id DESC)',
])

export const migrations: readonly Migration[] = [
  initial,
  jobRuntime,
  search.index(3),
  widenIntegers(4),
  openValueLists,
  search.stored(6),
  optionalReferenceMimeType,
  userImagesCreated,
]

/**
 * Named CHECK constraints and the column each guards, for errors that name the column (those
 * migration 5 drops included: a database before it still has them).
 */
export const columnsByConstraint = {
  check_sessions_generated_count: 'generated_count',
  check_reference_images_file_size: 'file_size',
  check_generation_jobs_shot_type: 'shot_type',
  check_generation_jobs_camera_angle: 'camera_angle',
  check_generation_jobs_style: 'style',
  check_generation_jobs_aspect_ratio: 'aspect_ratio',
  check_generation_jobs_number_of_shots: 'number_of_shots',
  check_generation_jobs_status: 'status',
  check_generation_jobs_generation_method: 'generation_method',
  check_generated_images_file_size: 'file_size',
  check_generated_images_generation_index: 'generation_index',
} as const
