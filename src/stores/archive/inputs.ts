import { z } from 'zod'
import { defineList, filterOn, jsonObject, type FilterOf } from '../../core/index.js'
import { archiveSearch, archiveTables } from './tables.js'

// What the archive repository accepts, derived from the table declarations: the HTTP API
// validates bodies with the same schemas.

const sessions = archiveTables.processing_state.insert
const operations = archiveTables.operation_log.insert
const presets = archiveTables.user_presets.insert
const files = archiveTables.file_registry.insert
const histories = archiveTables.project_history.insert
const settings = archiveTables.app_settings.insert

/** Merged into the session's operation_details. */
const details = jsonObject.optional()
/** The resource use an operation reports. */
const usage = { cpu_usage: true, gpu_usage: true, memory_usage: true } as const

/** One operation of a session's plan, as given to startSession. */
export const plannedOperationSchema = operations.pick({
  operation_type: true,
  operation_name: true,
})
export type PlannedOperation = z.input<typeof plannedOperationSchema>

/** What `startSession` accepts: the project, its paths and settings, and the plan of operations. */
export const newSessionSchema = sessions
  .pick({
    artwork_name: true,
    project_date: true,
    master_path: true,
    rd_folder_path: true,
    output_path: true,
    custom_settings: true,
    encoder_type: true,
    scene_threshold: true,
    min_scene_length: true,
    process_metadata: true,
  })
  .extend({
    // Unset: a new UUID, and the default_preset setting.
    session_id: sessions.shape.session_id.optional(),
    preset_id: sessions.shape.preset_id.optional(),
    operations: z
      .array(plannedOperationSchema)
      .min(1)
      .refine(
        (ops) => new Set(ops.map((o) => o.operation_name)).size === ops.length,
        'operation names must be unique within a plan',
      ),
  })
export type NewProcessingSession = z.input<typeof newSessionSchema>

/** `listSessions`: newest first, optionally of one status; searchable. */
export const sessionList = defineList({
  order: { sortColumn: 'created_at', direction: 'desc' },
  search: archiveSearch.processing_state,
  filter: { status: filterOn.equal('status', sessions.shape.status) },
})
export type SessionFilter = FilterOf<typeof sessionList>

/** `listOperations`: a session's log in sequence order. */
export const operationList = defineList({
  table: archiveTables.operation_log,
  order: { sortColumn: 'sequence_number', direction: 'asc' },
})

/** What `saveScenes` accepts. */
export const scenesSchema = sessions.pick({
  scenes_data: true,
  selected_scenes: true,
  grouped_scenes: true,
  ai_scene_grouping: true,
})
export type Scenes = z.input<typeof scenesSchema>

/** What `startOperation` accepts. */
export const operationStartSchema = operations.pick({
  operation_type: true,
  operation_name: true,
  input_file: true,
  settings_used: true,
})
export type OperationStart = z.input<typeof operationStartSchema>

/** What `reportProgress` accepts: the progress (0 to 1) and the resource use. */
export const progressSchema = operations
  .pick(usage)
  .extend({ progress: operations.shape.progress.unwrap() })
export type Progress = z.input<typeof progressSchema>

/** What `finishOperation` accepts: the outcome of an operation. */
export const operationResultSchema = operations
  .pick({
    output_files: true,
    file_sizes: true,
    settings_used: true,
    error_details: true,
    warning_messages: true,
    ...usage,
  })
  .extend({
    status: operations.shape.status
      .extract(['completed', 'failed', 'skipped'])
      .default('completed'),
    details,
  })
export type OperationResult = z.input<typeof operationResultSchema>

/** What `saveProgress` accepts (seed 003 `save_state`): one completed operation. */
export const saveProgressSchema = operations
  .pick({
    operation_type: true,
    operation_name: true,
    input_file: true,
    output_files: true,
    file_sizes: true,
    settings_used: true,
    warning_messages: true,
    ...usage,
  })
  .extend({ completed_operations: sessions.shape.completed_operations, details })
export type SaveProgress = z.input<typeof saveProgressSchema>

/** What `createPreset` accepts: the preset and its settings, not its bookkeeping. */
export const newPresetSchema = presets.omit({
  created_at: true,
  modified_at: true,
  last_used_at: true,
  usage_count: true,
})
export type NewPreset = z.input<typeof newPresetSchema>

/** What `updatePreset` accepts: any column of the preset but its id and bookkeeping. */
export const presetPatchSchema = newPresetSchema.omit({ preset_id: true }).partial()
export type PresetPatch = z.input<typeof presetPatchSchema>

/** What `registerFile` accepts; the session comes from the path, verification from the disk. */
export const newFileSchema = files.omit({
  session_id: true,
  file_exists: true,
  verified: true,
  created_at: true,
})
export type NewFile = z.input<typeof newFileSchema>

/** `listFiles`: a session's files in registration order, by category or type. */
export const fileList = defineList({
  table: archiveTables.file_registry,
  order: { sortColumn: 'id', direction: 'asc' },
  filter: {
    file_category: filterOn.equal('file_category', files.shape.file_category),
    file_type: filterOn.equal('file_type', files.shape.file_type),
  },
})
export type FileFilter = FilterOf<typeof fileList>

/** What `recordProjectHistory` accepts; project fields default to the session's. */
export const newHistorySchema = histories
  .partial()
  .extend({ session_id: histories.shape.session_id })
export type NewHistory = z.input<typeof newHistorySchema>

/** `listProjectHistory`: newest first, optionally of one artwork. */
export const historyList = defineList({
  table: archiveTables.project_history,
  order: { sortColumn: 'id', direction: 'desc' },
  filter: { artwork_name: filterOn.equal('artwork_name', histories.shape.artwork_name) },
})
export type HistoryFilter = FilterOf<typeof historyList>

/** `listArchivedHistory`: project_history_archive, newest first. */
export const archivedHistoryList = defineList({
  table: archiveTables.project_history_archive,
  order: { sortColumn: 'id', direction: 'desc' },
})

/** What `defineSetting` accepts: the key, its type and first value. */
export const newSettingSchema = settings
  .pick({ key: true, category: true, description: true })
  .extend({ value_type: settings.shape.value_type.unwrap(), value: z.unknown() })
export type NewSetting = z.input<typeof newSettingSchema>

/** What `listSettings` filters by. */
export const settingFilterSchema = settings.pick({ category: true })
export type SettingFilter = z.input<typeof settingFilterSchema>

/** An age limit of the maintenance tasks, in days (up to a century). */
export const daysSchema = z.number().int().min(0).max(36_500)
