import {
  initialSchema,
  type Migration,
  type SqlDialect,
  widenIntegers,
  searchMigrations,
} from '../../core/index.js'

/** Session statuses (seed 003: "initialized, processing, paused, completed, failed"). */
export const SESSION_STATUSES = [
  'initialized',
  'processing',
  'paused',
  'completed',
  'failed',
] as const
/** Operation statuses (seed 003: "pending, processing, completed, failed, skipped"). */
export const OPERATION_STATUSES = [
  'pending',
  'processing',
  'completed',
  'failed',
  'skipped',
] as const
/** Encoders (seed 003: "x264 or nvenc"). */
export const ENCODER_TYPES = ['x264', 'nvenc'] as const
/** File types of the registry (seed 003). */
export const FILE_TYPES = [
  'master',
  'still_hq',
  'still_web',
  'clip',
  'rd_image',
  'rd_video',
] as const
/** File categories of the registry (seed 003). */
export const FILE_CATEGORIES = ['masters', 'stills', 'clips', 'rd'] as const
/** Setting value types (seed 003: "string, integer, real, boolean, json"). */
export const VALUE_TYPES = ['string', 'integer', 'real', 'boolean', 'json'] as const

/** Seed 003's default settings, as its INSERT gives them (the © repaired: see seed deviations). */
export const DEFAULT_SETTINGS: readonly (readonly [string, string, string, string, string])[] = [
  ['app_version', '1.0.0', 'string', 'system', 'Application version'],
  ['last_output_directory', '', 'string', 'paths', 'Last used output directory'],
  ['last_master_directory', '', 'string', 'paths', 'Last directory for master files'],
  ['last_rd_directory', '', 'string', 'paths', 'Last directory for R&D files'],
  ['default_preset', 'webflow_standard', 'string', 'presets', 'Default compression preset'],
  ['scene_threshold_default', '30', 'real', 'processing', 'Default scene detection threshold'],
  [
    'min_scene_length_default',
    '15',
    'integer',
    'processing',
    'Default minimum scene length in frames',
  ],
  ['encoder_preference', 'x264', 'string', 'encoding', 'Preferred encoder (x264 or nvenc)'],
  [
    'auto_open_output',
    '1',
    'boolean',
    'behavior',
    'Automatically open output folder on completion',
  ],
  ['generate_log', '1', 'boolean', 'behavior', 'Generate process log file'],
  ['extract_midpoint_stills', '1', 'boolean', 'processing', 'Extract stills from scene midpoints'],
  ['copyright_text', '© Yambo Studio', 'string', 'metadata', 'Copyright text for metadata'],
  ['parallel_workers', '4', 'integer', 'performance', 'Number of parallel processing workers'],
  ['gpu_enabled', '1', 'boolean', 'performance', 'Enable GPU acceleration when available'],
  ['cache_thumbnails', '1', 'boolean', 'performance', 'Cache scene thumbnails'],
  ['max_resume_age_days', '7', 'integer', 'behavior', 'Maximum age for resumable sessions'],
  ['log_level', 'INFO', 'string', 'system', 'Logging level (DEBUG, INFO, WARNING, ERROR)'],
  ['ui_theme', 'default', 'string', 'interface', 'User interface theme'],
  ['window_geometry', '', 'json', 'interface', 'Main window size and position'],
]

const quote = (value: string) => `'${value.replace(/'/g, "''")}'`

/** The columns of project_history, shared by project_history_archive (seed 003 §6.1). */
const historyColumns = (d: SqlDialect) => `    -- Project identification
    artwork_name TEXT NOT NULL,
    project_date TEXT NOT NULL,
    output_path TEXT NOT NULL,

    -- Source information
    master_filename TEXT NOT NULL,
    master_duration ${d.type('REAL')},
    master_resolution TEXT,
    master_fps ${d.type('REAL')},
    master_codec TEXT,
    master_size_mb ${d.type('REAL')},

    -- Processing summary
    scenes_detected INTEGER,
    scenes_exported INTEGER,
    stills_created INTEGER,
    clips_created INTEGER,
    rd_files_processed INTEGER,

    -- Output statistics
    total_files_created INTEGER,
    total_output_size_mb ${d.type('REAL')},
    compression_ratio ${d.type('REAL')},

    -- Performance metrics
    total_processing_time_seconds ${d.type('REAL')},
    gpu_accelerated ${d.type('BOOLEAN')},
    average_fps_processed ${d.type('REAL')},

    -- Quality metrics
    preset_used TEXT,
    encoder_used TEXT,

    -- Completion status
    completed_successfully ${d.type('BOOLEAN')},
    completion_notes TEXT,

    -- Timestamps
    started_at ${d.type('TIMESTAMP')},
    completed_at ${d.type('TIMESTAMP')},

    -- Additional data
    metadata TEXT`

/** Seed 003's schema: six tables, the archive table its maintenance uses, views, triggers. */
const initial = initialSchema('initial schema (seed 003)', (d) => [
  `CREATE TABLE processing_state (
    id ${d.autoIncrementPrimaryKey},
    session_id TEXT UNIQUE NOT NULL,
    artwork_name TEXT NOT NULL,
    project_date TEXT NOT NULL,
    master_path TEXT NOT NULL,
    rd_folder_path TEXT,
    output_path TEXT NOT NULL,
    preset_id TEXT NOT NULL,
    custom_settings TEXT,
    encoder_type TEXT DEFAULT 'x264',
    scene_threshold ${d.type('REAL')} DEFAULT 30.0,
    min_scene_length INTEGER DEFAULT 15,
    total_operations INTEGER NOT NULL,
    completed_operations INTEGER DEFAULT 0,
    current_operation TEXT,
    operation_details TEXT,
    scenes_data TEXT,
    selected_scenes TEXT,
    grouped_scenes TEXT,
    status TEXT DEFAULT 'initialized',
    error_message TEXT,
    created_at ${d.type('TIMESTAMP')} DEFAULT ${d.currentTimestamp},
    updated_at ${d.type('TIMESTAMP')} DEFAULT ${d.currentTimestamp},
    completed_at ${d.type('TIMESTAMP')},
    process_metadata TEXT
)`,
  'CREATE INDEX idx_session_status ON processing_state(status)',
  'CREATE INDEX idx_session_date ON processing_state(created_at)',
  // Not in the seed: the resume query and active_sessions filter by status and take the most
  // recently updated; lists of one status page by creation time.
  'CREATE INDEX idx_session_status_updated ON processing_state(status, updated_at)',
  'CREATE INDEX idx_session_status_created ON processing_state(status, created_at, id)',
  // ON DELETE CASCADE is not in the seed: its cleanup deletes sessions, which would otherwise
  // break (SQLite, foreign_keys=ON) or be refused (PostgreSQL) for every session with a log.
  `CREATE TABLE operation_log (
    id ${d.autoIncrementPrimaryKey},
    session_id TEXT NOT NULL,
    operation_type TEXT NOT NULL,
    operation_name TEXT NOT NULL,
    sequence_number INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL,
    progress ${d.type('REAL')} DEFAULT 0.0,
    start_time ${d.type('TIMESTAMP')},
    end_time ${d.type('TIMESTAMP')},
    duration_seconds ${d.type('REAL')},
    input_file TEXT,
    output_files TEXT,
    file_sizes TEXT,
    settings_used TEXT,
    error_details TEXT,
    warning_messages TEXT,
    cpu_usage ${d.type('REAL')},
    gpu_usage ${d.type('REAL')},
    memory_usage INTEGER,
    timestamp ${d.type('TIMESTAMP')} DEFAULT ${d.currentTimestamp},
    FOREIGN KEY (session_id) REFERENCES processing_state(session_id) ON DELETE CASCADE
)`,
  'CREATE INDEX idx_operation_session ON operation_log(session_id)',
  'CREATE INDEX idx_operation_status ON operation_log(status)',
  // Not in the seed: one number per operation of a session, in order; serves the log of a session.
  'CREATE UNIQUE INDEX idx_operation_sequence ON operation_log(session_id, sequence_number)',
  ...d.sequenceTrigger({
    name: 'number_operation_log',
    table: 'operation_log',
    column: 'sequence_number',
    groupBy: 'session_id',
  }),
  `CREATE TABLE user_presets (
    id ${d.autoIncrementPrimaryKey},
    preset_id TEXT UNIQUE NOT NULL,
    preset_name TEXT NOT NULL,
    base_preset TEXT,
    is_default ${d.type('BOOLEAN')} DEFAULT ${d.booleanLiteral(false)},
    stills_hq_settings TEXT NOT NULL,
    stills_web_settings TEXT NOT NULL,
    video_settings TEXT NOT NULL,
    thumbnail_settings TEXT,
    advanced_settings TEXT,
    description TEXT,
    created_at ${d.type('TIMESTAMP')} DEFAULT ${d.currentTimestamp},
    modified_at ${d.type('TIMESTAMP')} DEFAULT ${d.currentTimestamp},
    last_used_at ${d.type('TIMESTAMP')},
    usage_count INTEGER DEFAULT 0
)`,
  'CREATE INDEX idx_preset_name ON user_presets(preset_name)',
  'CREATE INDEX idx_preset_default ON user_presets(is_default)',
  // Not in the seed: the order of its "Load User Presets" query.
  'CREATE INDEX idx_preset_order ON user_presets(is_default DESC, usage_count DESC)',
  `CREATE TABLE project_history (
    id ${d.autoIncrementPrimaryKey},
    session_id TEXT UNIQUE NOT NULL,

${historyColumns(d)},

    FOREIGN KEY (session_id) REFERENCES processing_state(session_id)
)`,
  'CREATE INDEX idx_history_artwork ON project_history(artwork_name)',
  'CREATE INDEX idx_history_date ON project_history(completed_at)',
  // Not in the seed, which archives into it: the same columns in the same order, so that its
  // `INSERT INTO project_history_archive SELECT * FROM project_history` runs as written. No
  // foreign key: archived history outlives the sessions it came from.
  `CREATE TABLE project_history_archive (
    id INTEGER PRIMARY KEY,
    session_id TEXT UNIQUE NOT NULL,

${historyColumns(d)}
)`,
  'CREATE INDEX idx_history_archive_date ON project_history_archive(completed_at)',
  `CREATE TABLE file_registry (
    id ${d.autoIncrementPrimaryKey},
    session_id TEXT NOT NULL,
    file_path TEXT NOT NULL,
    file_type TEXT NOT NULL,
    file_category TEXT NOT NULL,
    file_size_bytes ${d.bigIntegerType},
    file_format TEXT,
    resolution TEXT,
    aspect_ratio TEXT,
    duration_seconds ${d.type('REAL')},
    frame_number INTEGER,
    source_file TEXT,
    compression_settings TEXT,
    processing_time_ms INTEGER,
    has_metadata ${d.type('BOOLEAN')} DEFAULT ${d.booleanLiteral(true)},
    metadata_embedded TEXT,
    file_exists ${d.type('BOOLEAN')} DEFAULT ${d.booleanLiteral(true)},
    verified ${d.type('BOOLEAN')} DEFAULT ${d.booleanLiteral(false)},
    created_at ${d.type('TIMESTAMP')} DEFAULT ${d.currentTimestamp},
    FOREIGN KEY (session_id) REFERENCES processing_state(session_id) ON DELETE CASCADE
)`,
  'CREATE INDEX idx_file_session ON file_registry(session_id)',
  'CREATE INDEX idx_file_type ON file_registry(file_type)',
  'CREATE INDEX idx_file_path ON file_registry(file_path)',
  // Not in the seed: a session's files by category, in registration order.
  'CREATE INDEX idx_file_session_category ON file_registry(session_id, file_category, id)',
  `CREATE TABLE app_settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    value_type TEXT DEFAULT 'string',
    category TEXT DEFAULT 'general',
    description TEXT,
    modified_at ${d.type('TIMESTAMP')} DEFAULT ${d.currentTimestamp}
)`,
  `INSERT INTO app_settings (key, value, value_type, category, description) VALUES
${DEFAULT_SETTINGS.map((row) => `    (${row.map(quote).join(', ')})`).join(',\n')}`,
  // Not in the seed's defaults, though its migration reads it: the schema version, kept in step
  // by every migration.
  `INSERT INTO app_settings (key, value, value_type, category, description) VALUES
    ('db_version', '1.0', 'string', 'system', 'Database schema version')`,
  `CREATE VIEW active_sessions AS
SELECT
    session_id,
    artwork_name,
    status,
    ROUND(CAST(completed_operations AS REAL) / total_operations * 100, 1) as progress_percent,
    current_operation,
    updated_at
FROM processing_state
WHERE status IN ('initialized', 'processing', 'paused')
ORDER BY updated_at DESC`,
  // `= 1` on SQLite as the seed has it; PostgreSQL compares a BOOLEAN with `true`.
  `CREATE VIEW project_statistics AS
SELECT
    COUNT(*) as total_projects,
    COUNT(CASE WHEN completed_successfully = ${d.booleanLiteral(true)} THEN 1 END) as successful_projects,
    AVG(total_processing_time_seconds) as avg_processing_time,
    SUM(total_files_created) as total_files_created,
    SUM(total_output_size_mb) as total_output_size_mb,
    AVG(compression_ratio) as avg_compression_ratio
FROM project_history
WHERE completed_at >= datetime('now', '-30 days')`,
  ...d.touchTrigger('update_processing_state_timestamp', 'processing_state'),
  ...d.trigger({
    name: 'track_preset_usage',
    table: 'processing_state',
    timing: 'AFTER',
    event: 'INSERT',
    body: [
      `UPDATE user_presets SET usage_count = usage_count + 1, last_used_at = CURRENT_TIMESTAMP WHERE preset_id = NEW.preset_id`,
    ],
  }),
  ...d.trigger({
    name: 'complete_session',
    table: 'processing_state',
    timing: 'AFTER',
    event: 'UPDATE OF status',
    when: "NEW.status = 'completed'",
    body: ['UPDATE processing_state SET completed_at = CURRENT_TIMESTAMP WHERE id = NEW.id'],
  }),
])

/** Seed 003's "Version Migration Example" (v1 → v2): ai_scene_grouping, and db_version 2.0. */
const aiSceneGrouping: Migration = {
  version: 2,
  name: 'add ai_scene_grouping',
  up: () => [
    'ALTER TABLE processing_state ADD COLUMN ai_scene_grouping TEXT',
    "UPDATE app_settings SET value = '2.0' WHERE key = 'db_version'",
  ],
  down: () => [
    'ALTER TABLE processing_state DROP COLUMN ai_scene_grouping',
    "UPDATE app_settings SET value = '1.0' WHERE key = 'db_version'",
  ],
}

/**
 * Partial indexes holding only the sessions each hot query reads, in updated_at order:
 * active_sessions (initialized, processing, paused) and the resume query (processing, paused).
 * Their WHERE clauses repeat the queries' predicates literally, so that both planners can use
 * them; read backwards they give updated_at DESC with the tie-breaker DESC (session_id for the
 * active_sessions pages, id for the resume query), so a page stops at its limit. The first also
 * holds every column active_sessions reads: with statistics of a large archive SQLite otherwise
 * prefers seeking the statuses in a (status, …) index and sorting them all. They replace
 * idx_session_status_updated (status, updated_at), which made the resume query count the log of
 * every open session and active_sessions sort them all. db_version follows to 3.0.
 */
const sessionIndexes: Migration = {
  version: 3,
  name: 'partial indexes for active_sessions and the resume query',
  up: () => [
    "CREATE INDEX idx_session_active_updated ON processing_state(updated_at, session_id, artwork_name, status, completed_operations, total_operations, current_operation) WHERE status IN ('initialized', 'processing', 'paused')",
    "CREATE INDEX idx_session_resumable_updated ON processing_state(updated_at, id) WHERE status IN ('processing', 'paused')",
    'DROP INDEX idx_session_status_updated',
    "UPDATE app_settings SET value = '3.0' WHERE key = 'db_version'",
  ],
  down: () => [
    'CREATE INDEX idx_session_status_updated ON processing_state(status, updated_at)',
    'DROP INDEX IF EXISTS idx_session_resumable_updated',
    'DROP INDEX IF EXISTS idx_session_active_updated',
    "UPDATE app_settings SET value = '2.0' WHERE key = 'db_version'",
  ],
}

/** Full-text search of sessions by artwork name and the paths of their master and outputs. */
const sessionSearch = searchMigrations('processing sessions', {
  processing_state: ['artwork_name', 'master_path', 'rd_folder_path', 'output_path'],
})

export const migrations: readonly Migration[] = [
  initial,
  aiSceneGrouping,
  sessionIndexes,
  widenIntegers(4, ['file_registry.file_size_bytes']),
  sessionSearch.index(5),
  sessionSearch.stored(6),
]

/** The value `db_version` holds at each schema version. */
export const DB_VERSIONS: Readonly<Record<number, string>> = { 1: '1.0', 2: '2.0', 3: '3.0' }
