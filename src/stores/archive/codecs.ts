import { createCodec } from '../../core/index.js'
import type {
  ActiveSession,
  OperationLogEntry,
  ProjectHistoryEntry,
  RegisteredFile,
  ProcessingSession,
  UserPreset,
} from './types.js'

/** The row codecs of the archive store: which TEXT columns hold JSON, which are booleans, timestamps. */
export const sessions = createCodec<ProcessingSession>({
  json: [
    'custom_settings',
    'operation_details',
    'scenes_data',
    'selected_scenes',
    'grouped_scenes',
    'process_metadata',
    'ai_scene_grouping',
  ],
  timestamp: ['created_at', 'updated_at', 'completed_at', 'last_operation_time'],
})

export const operations = createCodec<OperationLogEntry>({
  json: ['output_files', 'file_sizes', 'settings_used', 'warning_messages'],
  timestamp: ['start_time', 'end_time', 'timestamp'],
})

export const presets = createCodec<UserPreset>({
  json: [
    'stills_hq_settings',
    'stills_web_settings',
    'video_settings',
    'thumbnail_settings',
    'advanced_settings',
  ],
  boolean: ['is_default'],
  timestamp: ['created_at', 'modified_at', 'last_used_at'],
})

export const histories = createCodec<ProjectHistoryEntry>({
  json: ['metadata'],
  boolean: ['gpu_accelerated', 'completed_successfully'],
  timestamp: ['started_at', 'completed_at'],
})

export const files = createCodec<RegisteredFile>({
  json: ['compression_settings', 'metadata_embedded'],
  boolean: ['has_metadata', 'file_exists', 'verified'],
  timestamp: ['created_at'],
})

export const activeSessions = createCodec<ActiveSession>({ timestamp: ['updated_at'] })
