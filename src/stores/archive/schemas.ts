import { z } from 'zod'
import { jsonObject, timestampInput } from '../../core/index.js'
import {
  ENCODER_TYPES,
  FILE_CATEGORIES,
  FILE_TYPES,
  OPERATION_STATUSES,
  SESSION_STATUSES,
  VALUE_TYPES,
} from './migrations.js'

const text = z.string().min(1)
const optionalText = z.string().nullable().optional()
const nonNegative = z.number().min(0).nullable().optional()
const count = z.number().int().min(0).nullable().optional()

export const plannedOperationSchema = z.strictObject({
  operation_type: text,
  operation_name: text,
})

/** What `startSession` accepts: the project, its paths and settings, and the plan of operations. */
export const newSessionSchema = z.strictObject({
  session_id: text.optional(),
  artwork_name: text,
  project_date: z.string().regex(/^\d{2}-\d{2}-\d{2}$/, 'must be a date as YY-MM-DD'),
  master_path: text,
  rd_folder_path: optionalText,
  output_path: text,
  preset_id: text.optional(),
  custom_settings: jsonObject.nullable().optional(),
  encoder_type: z.enum(ENCODER_TYPES).optional(),
  scene_threshold: z.number().min(0).optional(),
  min_scene_length: z.number().int().min(0).optional(),
  operations: z
    .array(plannedOperationSchema)
    .min(1)
    .refine(
      (ops) => new Set(ops.map((o) => o.operation_name)).size === ops.length,
      'operation names must be unique within a plan',
    ),
  process_metadata: jsonObject.nullable().optional(),
})

/** What `saveScenes` accepts. */
export const scenesSchema = z.strictObject({
  scenes_data: z.array(z.unknown()).nullable().optional(),
  selected_scenes: z.array(z.unknown()).nullable().optional(),
  grouped_scenes: jsonObject.nullable().optional(),
  ai_scene_grouping: z.unknown().optional(),
})

const usage = {
  cpu_usage: nonNegative,
  gpu_usage: nonNegative,
  memory_usage: count,
}

/** What `startOperation` accepts. */
export const operationStartSchema = z.strictObject({
  operation_type: text,
  operation_name: text,
  input_file: optionalText,
  settings_used: jsonObject.nullable().optional(),
})

/** What `reportProgress` accepts besides the progress itself. */
export const progressSchema = z.strictObject({
  progress: z.number().min(0).max(1),
  ...usage,
})

/** What `finishOperation` accepts: the outcome of an operation. */
export const operationResultSchema = z.strictObject({
  status: z.enum(['completed', 'failed', 'skipped']).default('completed'),
  output_files: z.array(z.string()).nullable().optional(),
  file_sizes: jsonObject.nullable().optional(),
  settings_used: jsonObject.nullable().optional(),
  error_details: optionalText,
  warning_messages: z.array(z.string()).nullable().optional(),
  ...usage,
  /** Merged into the session's operation_details. */
  details: jsonObject.optional(),
})

/** What `saveProgress` accepts (seed 003 `save_state`): one completed operation. */
export const saveProgressSchema = z.strictObject({
  operation_type: text,
  operation_name: text,
  completed_operations: z.number().int().min(0).optional(),
  input_file: optionalText,
  output_files: z.array(z.string()).nullable().optional(),
  file_sizes: jsonObject.nullable().optional(),
  settings_used: jsonObject.nullable().optional(),
  warning_messages: z.array(z.string()).nullable().optional(),
  ...usage,
  details: jsonObject.optional(),
})

const presetSettings = {
  stills_hq_settings: jsonObject,
  stills_web_settings: jsonObject,
  video_settings: jsonObject,
  thumbnail_settings: jsonObject.nullable().optional(),
  advanced_settings: jsonObject.nullable().optional(),
}

/** What `createPreset` accepts. */
export const newPresetSchema = z.strictObject({
  preset_id: text,
  preset_name: text,
  base_preset: optionalText,
  is_default: z.boolean().optional(),
  ...presetSettings,
  description: optionalText,
})

/** What `updatePreset` accepts: any column of the preset but its id and bookkeeping. */
export const presetPatchSchema = newPresetSchema.omit({ preset_id: true }).partial()

/** What `registerFile` accepts. */
export const newFileSchema = z.strictObject({
  file_path: text,
  file_type: z.enum(FILE_TYPES),
  file_category: z.enum(FILE_CATEGORIES),
  file_size_bytes: count,
  file_format: optionalText,
  resolution: optionalText,
  aspect_ratio: optionalText,
  duration_seconds: nonNegative,
  frame_number: count,
  source_file: optionalText,
  compression_settings: jsonObject.nullable().optional(),
  processing_time_ms: count,
  has_metadata: z.boolean().optional(),
  metadata_embedded: jsonObject.nullable().optional(),
})

export const fileFilterSchema = z.strictObject({
  file_category: z.enum(FILE_CATEGORIES).optional(),
  file_type: z.enum(FILE_TYPES).optional(),
})

/** What `recordProjectHistory` accepts; project fields default to the session's. */
export const newHistorySchema = z.strictObject({
  session_id: text,
  artwork_name: text.optional(),
  project_date: text.optional(),
  output_path: text.optional(),
  master_filename: text.optional(),
  master_duration: nonNegative,
  master_resolution: optionalText,
  master_fps: nonNegative,
  master_codec: optionalText,
  master_size_mb: nonNegative,
  scenes_detected: count,
  scenes_exported: count,
  stills_created: count,
  clips_created: count,
  rd_files_processed: count,
  total_files_created: count,
  total_output_size_mb: nonNegative,
  compression_ratio: nonNegative,
  total_processing_time_seconds: nonNegative,
  gpu_accelerated: z.boolean().nullable().optional(),
  average_fps_processed: nonNegative,
  preset_used: optionalText,
  encoder_used: optionalText,
  completed_successfully: z.boolean().nullable().optional(),
  completion_notes: optionalText,
  started_at: timestampInput.optional(),
  completed_at: timestampInput.optional(),
  metadata: jsonObject.nullable().optional(),
})

export const sessionFilterSchema = z.strictObject({
  status: z.enum(SESSION_STATUSES).optional(),
})

export const operationStatusSchema = z.enum(OPERATION_STATUSES)

/** What `defineSetting` accepts. */
export const newSettingSchema = z.strictObject({
  key: text,
  value_type: z.enum(VALUE_TYPES),
  value: z.unknown(),
  category: text.optional(),
  description: optionalText,
})

export const daysSchema = z.number().int().min(0).max(36_500)
