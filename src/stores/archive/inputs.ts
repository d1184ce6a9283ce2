import { z } from 'zod'
import {
  defineList,
  filterOn,
  inputOf,
  inputWithout,
  jsonObject,
  type FilterOf,
} from '../../core/index.js'
import { archiveSearch, archiveTables } from './tables.js'

// What the archive repository accepts, derived from the table declarations: the HTTP API
// validates bodies with the same schemas.

const {
  processing_state: sessions,
  operation_log: operations,
  user_presets: presets,
  file_registry: files,
  project_history: histories,
  app_settings: settings,
} = archiveTables

/** Merged into the session's operation_details. */
const details = jsonObject.optional()
/** The resource use an operation reports. */
const usage = ['cpu_usage', 'gpu_usage', 'memory_usage'] as const

/** One operation of a session's plan, as given to startSession. */
export const plannedOperationSchema = inputOf(operations, ['operation_type', 'operation_name'])
export type PlannedOperation = z.input<typeof plannedOperationSchema>

/** What `startSession` accepts: the project, its paths and settings, and the plan of operations. */
export const newSessionSchema = inputOf(sessions, [
  'artwork_name',
  'project_date',
  'master_path',
  'rd_folder_path',
  'output_path',
  'custom_settings',
  'encoder_type',
  'scene_threshold',
  'min_scene_length',
  'process_metadata',
]).extend({
  // Unset: a new UUID, and the default_preset setting.
  session_id: sessions.insert.shape.session_id.optional(),
  preset_id: sessions.insert.shape.preset_id.optional(),
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
  filter: { status: filterOn.equal('status', sessions.insert.shape.status) },
})
export type SessionFilter = FilterOf<typeof sessionList>

/** `listOperations`: a session's log in sequence order. */
export const operationList = defineList({
  table: archiveTables.operation_log,
  order: { sortColumn: 'sequence_number', direction: 'asc' },
})

/** What `saveScenes` accepts. */
export const scenesSchema = inputOf(sessions, [
  'scenes_data',
  'selected_scenes',
  'grouped_scenes',
  'ai_scene_grouping',
])
export type Scenes = z.input<typeof scenesSchema>

/** What `startOperation` accepts. */
export const operationStartSchema = inputOf(operations, [
  'operation_type',
  'operation_name',
  'input_file',
  'settings_used',
])
export type OperationStart = z.input<typeof operationStartSchema>

/** What `reportProgress` accepts: the progress (0 to 1) and the resource use. */
export const progressSchema = inputOf(operations, [...usage, 'progress'], {
  required: ['progress'],
})
export type Progress = z.input<typeof progressSchema>

/** What `finishOperation` accepts: the outcome of an operation. */
export const operationResultSchema = inputOf(operations, [
  'output_files',
  'file_sizes',
  'settings_used',
  'error_details',
  'warning_messages',
  ...usage,
]).extend({
  status: operations.insert.shape.status
    .extract(['completed', 'failed', 'skipped'])
    .default('completed'),
  details,
})
export type OperationResult = z.input<typeof operationResultSchema>

/** What `saveProgress` accepts (seed 003 `save_state`): one completed operation. */
export const saveProgressSchema = inputOf(operations, [
  'operation_type',
  'operation_name',
  'input_file',
  'output_files',
  'file_sizes',
  'settings_used',
  'warning_messages',
  ...usage,
]).extend({ completed_operations: sessions.insert.shape.completed_operations, details })
export type SaveProgress = z.input<typeof saveProgressSchema>

/** What `createPreset` accepts: the preset and its settings, not its bookkeeping. */
export const newPresetSchema = inputWithout(presets, [
  'created_at',
  'modified_at',
  'last_used_at',
  'usage_count',
])
export type NewPreset = z.input<typeof newPresetSchema>

/** What `updatePreset` accepts: any column of the preset but its id and bookkeeping. */
export const presetPatchSchema = newPresetSchema.omit({ preset_id: true }).partial()
export type PresetPatch = z.input<typeof presetPatchSchema>

/** What `registerFile` accepts; the session comes from the path, verification from the disk. */
export const newFileSchema = inputWithout(files, [
  'session_id',
  'file_exists',
  'verified',
  'created_at',
])
export type NewFile = z.input<typeof newFileSchema>

/** `listFiles`: a session's files in registration order, by category or type. */
export const fileList = defineList({
  table: archiveTables.file_registry,
  order: { sortColumn: 'id', direction: 'asc' },
  filter: {
    file_category: filterOn.equal('file_category', files.insert.shape.file_category),
    file_type: filterOn.equal('file_type', files.insert.shape.file_type),
  },
})
export type FileFilter = FilterOf<typeof fileList>

/** What `recordProjectHistory` accepts; project fields default to the session's. */
export const newHistorySchema = histories.insert
  .partial()
  .extend({ session_id: histories.insert.shape.session_id })
export type NewHistory = z.input<typeof newHistorySchema>

/** `listProjectHistory`: newest first, optionally of one artwork. */
export const historyList = defineList({
  table: archiveTables.project_history,
  order: { sortColumn: 'id', direction: 'desc' },
  filter: { artwork_name: filterOn.equal('artwork_name', histories.insert.shape.artwork_name) },
})
export type HistoryFilter = FilterOf<typeof historyList>

/** `listArchivedHistory`: project_history_archive, newest first. */
export const archivedHistoryList = defineList({
  table: archiveTables.project_history_archive,
  order: { sortColumn: 'id', direction: 'desc' },
})

/** What `defineSetting` accepts: the key, its type and first value. */
export const newSettingSchema = inputOf(
  settings,
  ['key', 'category', 'description', 'value_type'],
  { required: ['value_type'] },
).extend({ value: z.unknown() })
export type NewSetting = z.input<typeof newSettingSchema>

/** What `listSettings` filters by. */
export const settingFilterSchema = inputOf(settings, ['category'])
export type SettingFilter = z.input<typeof settingFilterSchema>

/** An age limit of the maintenance tasks, in days (up to a century). */
export const daysSchema = z.number().int().min(0).max(36_500)
