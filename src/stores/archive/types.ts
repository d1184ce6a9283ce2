import type { ColumnType, Generated } from 'kysely'
import type {
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

/** JSON kept in a TEXT column, as the seed declares it: written as text, decoded by the codec. */
type JsonText = ColumnType<unknown, string | null | undefined, string | null>
type Timestamp = ColumnType<string | null, Date | null | undefined, Date | null>
type Bool = ColumnType<number | boolean | null, boolean | undefined, boolean>
type Defaulted<T> = ColumnType<T, T | undefined, T>

interface HistoryColumns {
  session_id: string
  artwork_name: string
  project_date: string
  output_path: string
  master_filename: string
  master_duration: number | null
  master_resolution: string | null
  master_fps: number | null
  master_codec: string | null
  master_size_mb: number | null
  scenes_detected: number | null
  scenes_exported: number | null
  stills_created: number | null
  clips_created: number | null
  rd_files_processed: number | null
  total_files_created: number | null
  total_output_size_mb: number | null
  compression_ratio: number | null
  total_processing_time_seconds: number | null
  gpu_accelerated: Bool
  average_fps_processed: number | null
  preset_used: string | null
  encoder_used: string | null
  completed_successfully: Bool
  completion_notes: string | null
  started_at: Timestamp
  completed_at: Timestamp
  metadata: JsonText
}

/** The tables as stored (what Kysely sees). Rows returned to callers are decoded: see below. */
export interface ArchiveTables {
  processing_state: {
    id: Generated<number>
    session_id: string
    artwork_name: string
    project_date: string
    master_path: string
    rd_folder_path: string | null
    output_path: string
    preset_id: string
    custom_settings: JsonText
    encoder_type: Defaulted<string | null>
    scene_threshold: Defaulted<number | null>
    min_scene_length: Defaulted<number | null>
    total_operations: number
    completed_operations: Defaulted<number | null>
    current_operation: string | null
    operation_details: JsonText
    scenes_data: JsonText
    selected_scenes: JsonText
    grouped_scenes: JsonText
    status: Defaulted<string | null>
    error_message: string | null
    created_at: Timestamp
    updated_at: Timestamp
    completed_at: Timestamp
    process_metadata: JsonText
    ai_scene_grouping: JsonText
  }
  operation_log: {
    id: Generated<number>
    session_id: string
    operation_type: string
    operation_name: string
    sequence_number: Defaulted<number>
    status: string
    progress: Defaulted<number | null>
    start_time: Timestamp
    end_time: Timestamp
    duration_seconds: number | null
    input_file: string | null
    output_files: JsonText
    file_sizes: JsonText
    settings_used: JsonText
    error_details: string | null
    warning_messages: JsonText
    cpu_usage: number | null
    gpu_usage: number | null
    memory_usage: number | null
    timestamp: Timestamp
  }
  user_presets: {
    id: Generated<number>
    preset_id: string
    preset_name: string
    base_preset: string | null
    is_default: Bool
    stills_hq_settings: ColumnType<unknown, string, string>
    stills_web_settings: ColumnType<unknown, string, string>
    video_settings: ColumnType<unknown, string, string>
    thumbnail_settings: JsonText
    advanced_settings: JsonText
    description: string | null
    created_at: Timestamp
    modified_at: Timestamp
    last_used_at: Timestamp
    usage_count: Defaulted<number | null>
  }
  project_history: HistoryColumns & { id: Generated<number> }
  project_history_archive: HistoryColumns & { id: number }
  file_registry: {
    id: Generated<number>
    session_id: string
    file_path: string
    file_type: string
    file_category: string
    file_size_bytes: number | null
    file_format: string | null
    resolution: string | null
    aspect_ratio: string | null
    duration_seconds: number | null
    frame_number: number | null
    source_file: string | null
    compression_settings: JsonText
    processing_time_ms: number | null
    has_metadata: Bool
    metadata_embedded: JsonText
    file_exists: Bool
    verified: Bool
    created_at: Timestamp
  }
  app_settings: {
    key: string
    value: string
    value_type: Defaulted<string | null>
    category: Defaulted<string | null>
    description: string | null
    modified_at: Timestamp
  }
  active_sessions: {
    session_id: string
    artwork_name: string
    status: string
    progress_percent: number | null
    current_operation: string | null
    updated_at: string
  }
}

/** One operation of a session's plan, as given to startSession. */
export interface PlannedOperation {
  operation_type: string
  operation_name: string
}

/**
 * ProcessingSession is one row of `processing_state`, decoded: JSON columns parsed, timestamps ISO-8601
 * UTC. `operation_details.plan` holds the plan given to startSession.
 */
export interface ProcessingSession {
  id: number
  session_id: string
  artwork_name: string
  project_date: string
  master_path: string
  rd_folder_path: string | null
  output_path: string
  preset_id: string
  custom_settings: Record<string, unknown> | null
  encoder_type: string | null
  scene_threshold: number | null
  min_scene_length: number | null
  total_operations: number
  completed_operations: number | null
  current_operation: string | null
  operation_details: Record<string, unknown> | null
  scenes_data: unknown[] | null
  selected_scenes: unknown[] | null
  grouped_scenes: Record<string, unknown> | null
  status: SessionStatus
  error_message: string | null
  created_at: string
  updated_at: string
  completed_at: string | null
  process_metadata: Record<string, unknown> | null
  ai_scene_grouping: unknown
}

/** OperationLogEntry is one row of `operation_log`, decoded. */
export interface OperationLogEntry {
  id: number
  session_id: string
  operation_type: string
  operation_name: string
  sequence_number: number
  status: OperationStatus
  progress: number | null
  start_time: string | null
  end_time: string | null
  duration_seconds: number | null
  input_file: string | null
  output_files: string[] | null
  file_sizes: Record<string, unknown> | null
  settings_used: Record<string, unknown> | null
  error_details: string | null
  warning_messages: string[] | null
  cpu_usage: number | null
  gpu_usage: number | null
  memory_usage: number | null
  timestamp: string
}

/**
 * ResumableSession is what a restarted tool needs: the session (with the seed's
 * `completed_operations_verified` and `last_operation_time`), the operations the log records as
 * completed (skip them), those interrupted mid-way, and the planned ones still to do.
 */
export interface ResumableSession {
  session: ProcessingSession
  /** Completed entries in the log (the seed's `COUNT(ol.id)`, counting completed entries only). */
  completed_operations_verified: number
  last_operation_time: string | null
  completed: OperationLogEntry[]
  interrupted: OperationLogEntry[]
  /** Planned operations not completed yet, in plan order; null for a session without a plan. */
  remaining: PlannedOperation[] | null
}

/** UserPreset is one row of `user_presets`, decoded. */
export interface UserPreset {
  id: number
  preset_id: string
  preset_name: string
  base_preset: string | null
  is_default: boolean
  stills_hq_settings: Record<string, unknown>
  stills_web_settings: Record<string, unknown>
  video_settings: Record<string, unknown>
  thumbnail_settings: Record<string, unknown> | null
  advanced_settings: Record<string, unknown> | null
  description: string | null
  created_at: string
  modified_at: string
  last_used_at: string | null
  usage_count: number
}

/** Row of the seed's "Load User Presets" query. */
export interface PresetSummary {
  preset_id: string
  preset_name: string
  is_default: boolean
  description: string | null
  usage_count: number
  last_used_at: string | null
}

/** ProjectHistoryEntry is one row of `project_history` (or its archive), decoded. */
export interface ProjectHistoryEntry {
  id: number
  session_id: string
  artwork_name: string
  project_date: string
  output_path: string
  master_filename: string
  master_duration: number | null
  master_resolution: string | null
  master_fps: number | null
  master_codec: string | null
  master_size_mb: number | null
  scenes_detected: number | null
  scenes_exported: number | null
  stills_created: number | null
  clips_created: number | null
  rd_files_processed: number | null
  total_files_created: number | null
  total_output_size_mb: number | null
  compression_ratio: number | null
  total_processing_time_seconds: number | null
  gpu_accelerated: boolean | null
  average_fps_processed: number | null
  preset_used: string | null
  encoder_used: string | null
  completed_successfully: boolean | null
  completion_notes: string | null
  started_at: string | null
  completed_at: string | null
  metadata: Record<string, unknown> | null
}

/** Row of the `project_statistics` view: projects completed in the last 30 days. */
export interface ProjectStatistics {
  total_projects: number
  successful_projects: number
  avg_processing_time: number | null
  total_files_created: number | null
  total_output_size_mb: number | null
  avg_compression_ratio: number | null
}

/** Row of the `active_sessions` view. */
export interface ActiveSession {
  session_id: string
  artwork_name: string
  status: SessionStatus
  progress_percent: number | null
  current_operation: string | null
  updated_at: string
}

/** RegisteredFile is one row of `file_registry`, decoded. */
export interface RegisteredFile {
  id: number
  session_id: string
  file_path: string
  file_type: FileType
  file_category: FileCategory
  file_size_bytes: number | null
  file_format: string | null
  resolution: string | null
  aspect_ratio: string | null
  duration_seconds: number | null
  frame_number: number | null
  source_file: string | null
  compression_settings: Record<string, unknown> | null
  processing_time_ms: number | null
  has_metadata: boolean
  metadata_embedded: Record<string, unknown> | null
  file_exists: boolean
  verified: boolean
  created_at: string
}

/** The outcome of verifyFiles: what was checked against the disk and what failed. */
export interface FileVerification {
  checked: number
  verified: number
  missing: RegisteredFile[]
  size_mismatch: { file: RegisteredFile; actual_size_bytes: number }[]
}

/** A setting's value as its value_type says: text, a whole number, a number, a boolean, JSON. */
export type SettingValue = string | number | boolean | null | unknown[] | Record<string, unknown>

/** AppSetting is one row of `app_settings` with its value parsed by value_type. */
export interface AppSetting {
  key: string
  value: SettingValue
  value_type: ValueType
  category: string
  description: string | null
  modified_at: string
}
