import { z } from 'zod'
import {
  col,
  defineRow,
  pickColumns,
  defineSearch,
  defineTables,
  jsonObject,
  type Row,
  type TablesOf,
} from '../../core/index.js'
import {
  ENCODER_TYPES,
  FILE_CATEGORIES,
  FILE_TYPES,
  OPERATION_STATUSES,
  SESSION_STATUSES,
  VALUE_TYPES,
} from './migrations.js'

export type SessionStatus = (typeof SESSION_STATUSES)[number]
export type OperationStatus = (typeof OPERATION_STATUSES)[number]
export type EncoderType = (typeof ENCODER_TYPES)[number]
export type FileType = (typeof FILE_TYPES)[number]
export type FileCategory = (typeof FILE_CATEGORIES)[number]
export type ValueType = (typeof VALUE_TYPES)[number]

const required = (s: z.ZodString) => s.min(1)

/**
 * The columns of project_history, which project_history_archive repeats in the same order
 * (seed 003 §6.1): archiving copies rows with `SELECT *`.
 */
const historyColumns = {
  session_id: col.key().check(required),
  // Project identification: written from the session unless given.
  artwork_name: col.key().check(required),
  project_date: col.text().check(required),
  output_path: col.text().check(required),
  // Source information
  master_filename: col.text().check(required),
  master_duration: col.measure(),
  master_resolution: col.text().nullable(),
  master_fps: col.measure(),
  master_codec: col.text().nullable(),
  master_size_mb: col.measure(),
  // Processing summary
  scenes_detected: col.count(),
  scenes_exported: col.count(),
  stills_created: col.count(),
  clips_created: col.count(),
  rd_files_processed: col.count(),
  // Output statistics
  total_files_created: col.count(),
  total_output_size_mb: col.measure(),
  compression_ratio: col.measure(),
  // Performance metrics
  total_processing_time_seconds: col.measure(),
  gpu_accelerated: col.boolean().nullable(),
  average_fps_processed: col.measure(),
  // Quality metrics
  preset_used: col.text().nullable(),
  encoder_used: col.text().nullable(),
  // Completion status
  completed_successfully: col.boolean().nullable(),
  completion_notes: col.text().nullable(),
  // Timestamps: inputs may leave them out (the session's are taken), not set them NULL.
  started_at: col.timestamp().nullable({ inWrites: false }),
  completed_at: col.timestamp().nullable({ inWrites: false }),
  metadata: col.object().nullable(),
}

/** The archive store's tables (seed 003), each column once, as the migrations create them. */
export const archiveTables = defineTables({
  processing_state: {
    id: col.id(),
    session_id: col.key().check(required),
    artwork_name: col.key().check(required),
    project_date: col
      .text()
      .check((s) => s.regex(/^\d{2}-\d{2}-\d{2}$/, 'must be a date as YY-MM-DD')),
    master_path: col.text().check(required),
    rd_folder_path: col.text().nullable(),
    output_path: col.text().check(required),
    preset_id: col.text().check(required),
    custom_settings: col.object().nullable(),
    // Read as written (other tools may store other encoders); genmedia writes one of the seed's.
    encoder_type: col
      .text()
      .nullable({ inWrites: false })
      .defaulted()
      .check(() => z.enum(ENCODER_TYPES)),
    scene_threshold: col
      .real()
      .nullable({ inWrites: false })
      .defaulted()
      .check((s) => s.min(0)),
    min_scene_length: col
      .integer()
      .nullable({ inWrites: false })
      .defaulted()
      .check((s) => s.min(0)),
    total_operations: col.integer(),
    completed_operations: col.counter().nullable({ inWrites: false }),
    current_operation: col.key().nullable(),
    /** `operation_details.plan` holds the plan given to startSession. */
    operation_details: col.object().nullable(),
    scenes_data: col.json(z.array(z.unknown())).nullable(),
    selected_scenes: col.json(z.array(z.unknown())).nullable(),
    grouped_scenes: col.object().nullable(),
    status: col.enum(SESSION_STATUSES).nullable({ inWrites: false }).defaulted(),
    error_message: col.text().nullable(),
    // Lists sort by created_at and updated_at: genmedia never writes them NULL.
    created_at: col.timestamp().nullable({ inWrites: false }).defaulted(),
    updated_at: col.timestamp().nullable({ inWrites: false }).defaulted(),
    completed_at: col.timestamp().nullable(),
    process_metadata: col.object().nullable(),
    ai_scene_grouping: col.json(z.unknown()).nullable(),
  },
  operation_log: {
    id: col.id(),
    session_id: col.key(),
    operation_type: col.text().check(required),
    operation_name: col.text().check(required),
    sequence_number: col.integer().defaulted(),
    status: col.enum(OPERATION_STATUSES),
    progress: col
      .real()
      .nullable({ inWrites: false })
      .defaulted()
      .check((s) => s.min(0).max(1)),
    start_time: col.timestamp().nullable(),
    end_time: col.timestamp().nullable(),
    duration_seconds: col.real().nullable(),
    input_file: col.text().nullable(),
    output_files: col.json(z.array(z.string())).nullable(),
    file_sizes: col.object().nullable(),
    settings_used: col.object().nullable(),
    error_details: col.text().nullable(),
    warning_messages: col.json(z.array(z.string())).nullable(),
    cpu_usage: col.measure(),
    gpu_usage: col.measure(),
    memory_usage: col.count(),
    timestamp: col.timestamp().nullable({ inWrites: false }).defaulted(),
  },
  user_presets: {
    id: col.id(),
    preset_id: col.text().check(required),
    preset_name: col.key().check(required),
    base_preset: col.text().nullable(),
    is_default: col.boolean().nullable({ inWrites: false }).defaulted(),
    stills_hq_settings: col.object(),
    stills_web_settings: col.object(),
    video_settings: col.object(),
    thumbnail_settings: col.object().nullable(),
    advanced_settings: col.object().nullable(),
    description: col.text().nullable(),
    created_at: col.timestamp().nullable({ inWrites: false }).defaulted(),
    modified_at: col.timestamp().nullable({ inWrites: false }).defaulted(),
    last_used_at: col.timestamp().nullable(),
    usage_count: col.integer().nullable({ inWrites: false }).defaulted(),
  },
  project_history: { id: col.id(), ...historyColumns },
  // Archived rows keep the id they had in project_history.
  project_history_archive: { id: col.id(), ...historyColumns },
  file_registry: {
    id: col.id(),
    session_id: col.key(),
    file_path: col.key().check(required),
    file_type: col.enum(FILE_TYPES),
    file_category: col.enum(FILE_CATEGORIES),
    file_size_bytes: col.count(),
    file_format: col.text().nullable(),
    resolution: col.text().nullable(),
    aspect_ratio: col.text().nullable(),
    duration_seconds: col.measure(),
    frame_number: col.count(),
    source_file: col.text().nullable(),
    compression_settings: col.object().nullable(),
    processing_time_ms: col.count(),
    has_metadata: col.boolean().nullable({ inWrites: false }).defaulted(),
    metadata_embedded: col.object().nullable(),
    file_exists: col.boolean().nullable({ inWrites: false }).defaulted(),
    verified: col.boolean().nullable({ inWrites: false }).defaulted(),
    created_at: col.timestamp().nullable({ inWrites: false }).defaulted(),
  },
  app_settings: {
    key: col.text().check(required),
    /** The value as text, read and written by value_type (settings.ts). */
    value: col.text(),
    value_type: col.enum(VALUE_TYPES).nullable({ inWrites: false }).defaulted(),
    category: col.text().nullable({ inWrites: false }).defaulted().check(required),
    description: col.text().nullable(),
    modified_at: col.timestamp().nullable({ inWrites: false }).defaulted(),
  },
})

/** What full-text search reads, and the columns a list counts by value (docs/search.md). */
export const archiveSearch = {
  processing_state: defineSearch(archiveTables.processing_state, {
    columns: ['artwork_name', 'master_path', 'rd_folder_path', 'output_path'],
    facets: ['status', 'artwork_name', 'preset_id'],
  }),
}

/** The tables as Kysely sees them. */
export type ArchiveTables = TablesOf<typeof archiveTables>

/**
 * ProcessingSession is one row of `processing_state`, decoded: JSON columns parsed, timestamps
 * ISO-8601 UTC. `operation_details.plan` holds the plan given to startSession.
 */
export type ProcessingSession = Row<typeof archiveTables.processing_state>
/** OperationLogEntry is one row of `operation_log`, decoded. */
export type OperationLogEntry = Row<typeof archiveTables.operation_log>
/** UserPreset is one row of `user_presets`, decoded. */
export type UserPreset = Row<typeof archiveTables.user_presets>
/** ProjectHistoryEntry is one row of `project_history` (or its archive), decoded. */
export type ProjectHistoryEntry = Row<typeof archiveTables.project_history>
/** RegisteredFile is one row of `file_registry`, decoded. */
export type RegisteredFile = Row<typeof archiveTables.file_registry>

// ── views and the rows of the store's queries ─────────────────────────────

const sessionColumns = archiveTables.processing_state.columns

/** Row of the `active_sessions` view: open sessions with their progress. */
export const activeSession = defineRow({
  session_id: sessionColumns.session_id,
  artwork_name: sessionColumns.artwork_name,
  // The view keeps open sessions only: never NULL.
  status: col.enum(SESSION_STATUSES),
  progress_percent: col.real().nullable(),
  current_operation: sessionColumns.current_operation,
  updated_at: sessionColumns.updated_at,
})
export type ActiveSession = Row<typeof activeSession>

/** Row of the seed's resume query: the session with what its log says of it. */
export const resumableSessionRow = defineRow({
  ...sessionColumns,
  /** Completed entries in the log (the seed's `COUNT(ol.id)`, counting completed entries only). */
  completed_operations_verified: col.integer(),
  last_operation_time: col.timestamp().nullable(),
})

/**
 * ResumableSession is what a restarted tool needs: the session (with the seed's
 * `completed_operations_verified` and `last_operation_time`), the operations the log records as
 * completed (skip them), those interrupted mid-way, and the planned ones still to do.
 */
export const resumableSession = z.strictObject({
  session: archiveTables.processing_state.row,
  completed_operations_verified: resumableSessionRow.row.shape.completed_operations_verified,
  last_operation_time: resumableSessionRow.row.shape.last_operation_time,
  completed: z.array(archiveTables.operation_log.row).describe('completed in the log: skip these'),
  interrupted: z
    .array(archiveTables.operation_log.row)
    .describe('left pending or processing by a crash'),
  remaining: z
    .array(archiveTables.operation_log.row.pick({ operation_type: true, operation_name: true }))
    .nullable()
    .describe('planned, not completed, in plan order'),
})
export type ResumableSession = z.output<typeof resumableSession>

const presetColumns = archiveTables.user_presets.columns

/** Row of the seed's "Load User Presets" query. */
export const presetSummary = defineRow(
  pickColumns(presetColumns, [
    'preset_id',
    'preset_name',
    'is_default',
    'description',
    'usage_count',
    'last_used_at',
  ]),
)
export type PresetSummary = Row<typeof presetSummary>

/** Row of the `project_statistics` view: projects completed in the last 30 days. */
export const projectStatistics = defineRow({
  total_projects: col.integer(),
  successful_projects: col.integer(),
  avg_processing_time: col.real().nullable(),
  total_files_created: col.real().nullable(),
  total_output_size_mb: col.real().nullable(),
  avg_compression_ratio: col.real().nullable(),
})
export type ProjectStatistics = Row<typeof projectStatistics>

/** A setting's value as its value_type says: text, a whole number, a number, a boolean, JSON. */
export const settingValue = z.union([
  z.string(),
  z.number(),
  z.boolean(),
  z.null(),
  z.array(z.unknown()),
  jsonObject,
])
export type SettingValue = z.output<typeof settingValue>

const settingColumns = archiveTables.app_settings.columns

/** AppSetting is one row of `app_settings` with its value parsed by value_type (settings.ts). */
export const appSetting = defineRow({
  key: settingColumns.key,
  value: col.json(settingValue.describe('typed by value_type')),
  // NULL reads as the columns' defaults: `string`, `general`.
  value_type: col.enum(VALUE_TYPES),
  category: col.text(),
  description: settingColumns.description,
  modified_at: settingColumns.modified_at,
})
export type AppSetting = Row<typeof appSetting>

/** The outcome of verifyFiles: what was checked against the disk and what failed. */
export const fileVerification = z.strictObject({
  checked: z.number().int(),
  verified: z.number().int(),
  missing: z.array(archiveTables.file_registry.row),
  size_mismatch: z.array(
    z.strictObject({ file: archiveTables.file_registry.row, actual_size_bytes: z.number().int() }),
  ),
})
export type FileVerification = z.output<typeof fileVerification>
