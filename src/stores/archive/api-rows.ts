import { z } from 'zod'
import { isoTimestamp, jsonObject } from '../../core/index.js'
import {
  FILE_CATEGORIES,
  FILE_TYPES,
  OPERATION_STATUSES,
  SESSION_STATUSES,
  VALUE_TYPES,
} from './migrations.js'

// The archive store's rows as its HTTP API answers them: the response schemas of api.ts, from
// which the OpenAPI document is generated.

/** A whole number. */
export const whole = z.number().int()
const json = jsonObject.nullable()

/** `{ column: type }` for each of the space-separated `names`: the columns of one type. */
export function columns<T extends z.ZodType>(type: T, names: string): Record<string, T> {
  return Object.fromEntries(names.split(/\s+/).map((name) => [name, type]))
}
const texts = (names: string) => columns(z.string(), names)
const nullableTexts = (names: string) => columns(z.string().nullable(), names)
const numbers = (names: string) => columns(z.number().nullable(), names)
const counts = (names: string) => columns(whole.nullable(), names)
const objects = (names: string) => columns(json, names)
const times = (names: string) => columns(isoTimestamp.nullable(), names)

/** A row of processing_state: `operation_details.plan` holds the planned operations. */
export const sessionSchema = z.strictObject({
  id: whole,
  ...texts('session_id artwork_name project_date master_path output_path preset_id'),
  ...nullableTexts('rd_folder_path encoder_type current_operation error_message'),
  ...numbers('scene_threshold'),
  total_operations: whole,
  ...counts('min_scene_length completed_operations'),
  ...objects('custom_settings operation_details grouped_scenes process_metadata'),
  ...columns(z.array(z.unknown()).nullable(), 'scenes_data selected_scenes'),
  ai_scene_grouping: z.unknown(),
  status: z.enum(SESSION_STATUSES),
  created_at: isoTimestamp,
  updated_at: isoTimestamp,
  completed_at: isoTimestamp.nullable(),
})

/** A row of operation_log. */
export const operationSchema = z.strictObject({
  id: whole,
  ...texts('session_id operation_type operation_name'),
  sequence_number: whole,
  status: z.enum(OPERATION_STATUSES),
  ...numbers('progress duration_seconds cpu_usage gpu_usage'),
  memory_usage: whole.nullable(),
  ...times('start_time end_time'),
  timestamp: isoTimestamp,
  ...nullableTexts('input_file error_details'),
  ...columns(z.array(z.string()).nullable(), 'output_files warning_messages'),
  ...objects('file_sizes settings_used'),
})

export const resumableSessionSchema = z.strictObject({
  session: sessionSchema,
  completed_operations_verified: whole,
  last_operation_time: isoTimestamp.nullable(),
  completed: z.array(operationSchema).describe('completed in the log: skip these'),
  interrupted: z.array(operationSchema).describe('left pending or processing by a crash'),
  remaining: z
    .array(z.strictObject(texts('operation_type operation_name')))
    .nullable()
    .describe('planned, not completed, in plan order'),
})

/** A row of the active_sessions view. */
export const activeSessionSchema = z.strictObject({
  ...texts('session_id artwork_name'),
  status: z.enum(SESSION_STATUSES),
  progress_percent: z.number().nullable(),
  current_operation: z.string().nullable(),
  updated_at: isoTimestamp,
})

/** A row of user_presets. */
export const presetSchema = z.strictObject({
  id: whole,
  ...texts('preset_id preset_name'),
  ...nullableTexts('base_preset description'),
  is_default: z.boolean(),
  ...columns(jsonObject, 'stills_hq_settings stills_web_settings video_settings'),
  ...objects('thumbnail_settings advanced_settings'),
  ...columns(isoTimestamp, 'created_at modified_at'),
  last_used_at: isoTimestamp.nullable(),
  usage_count: whole,
})

/** A row of the seed's "Load User Presets" query. */
export const presetSummarySchema = z.strictObject({
  ...texts('preset_id preset_name'),
  is_default: z.boolean(),
  description: z.string().nullable(),
  usage_count: whole,
  last_used_at: isoTimestamp.nullable(),
})

/** A setting's value: text, a number, a boolean or JSON, as its value_type says. */
export const settingValue = z.union([
  z.string(),
  z.number(),
  z.boolean(),
  z.null(),
  z.array(z.unknown()),
  jsonObject,
])

/** A row of app_settings, its value typed by value_type. */
export const settingSchema = z.strictObject({
  ...texts('key category'),
  value: settingValue.describe('typed by value_type'),
  value_type: z.enum(VALUE_TYPES),
  description: z.string().nullable(),
  modified_at: isoTimestamp,
})

/** A row of file_registry. */
export const fileSchema = z.strictObject({
  id: whole,
  ...texts('session_id file_path'),
  file_type: z.enum(FILE_TYPES),
  file_category: z.enum(FILE_CATEGORIES),
  ...counts('file_size_bytes frame_number processing_time_ms'),
  ...nullableTexts('file_format resolution aspect_ratio source_file'),
  duration_seconds: z.number().nullable(),
  ...objects('compression_settings metadata_embedded'),
  ...columns(z.boolean(), 'has_metadata file_exists verified'),
  created_at: isoTimestamp,
})

export const fileVerificationSchema = z.strictObject({
  checked: whole,
  verified: whole,
  missing: z.array(fileSchema),
  size_mismatch: z.array(z.strictObject({ file: fileSchema, actual_size_bytes: whole })),
})

/** A row of project_history (or project_history_archive). */
export const historySchema = z.strictObject({
  id: whole,
  ...texts('session_id artwork_name project_date output_path master_filename'),
  ...nullableTexts('master_resolution master_codec preset_used encoder_used completion_notes'),
  ...numbers('master_duration master_fps master_size_mb total_output_size_mb compression_ratio'),
  ...numbers('total_processing_time_seconds average_fps_processed'),
  ...counts('scenes_detected scenes_exported stills_created clips_created rd_files_processed'),
  ...counts('total_files_created'),
  ...columns(z.boolean().nullable(), 'gpu_accelerated completed_successfully'),
  ...times('started_at completed_at'),
  metadata: json,
})

/** The row of the project_statistics view. */
export const statisticsSchema = z.strictObject({
  ...columns(whole, 'total_projects successful_projects'),
  ...numbers('avg_processing_time total_files_created total_output_size_mb avg_compression_ratio'),
})
