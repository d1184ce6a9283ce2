import { defineStore } from '../../core/index.js'
import { archiveAdoption } from './adopt.js'
import { archiveApi } from './api.js'
import { archiveCommands } from './cli.js'
import { migrations } from './migrations.js'
import { ArchiveRepository } from './repository.js'
import { seedSampleData } from './sample-data.js'
import { archiveSearch, archiveTables } from './tables.js'

export { ArchiveRepository } from './repository.js'
export type * from './tables.js'
export type * from './inputs.js'
export {
  MAINTENANCE_TASKS,
  DEFAULT_AGE_DAYS,
  runMaintenance,
  type MaintenanceTask,
  type MaintenanceOptions,
  type MaintenanceReport,
} from './maintenance.js'

/**
 * The archive store (seed 003): the state database of a video archive tool — resumable
 * processing sessions and their operation log, presets, typed settings, the file registry and
 * project history with its archive.
 */
export const archiveStore = defineStore({
  name: 'archive',
  seed: '003',
  description:
    'resumable processing sessions with their operation log, presets, settings, file registry, project history',
  defaultFile: 'state.db',
  schema: 'archive',
  migrations,
  tables: archiveTables,
  search: archiveSearch,
  // app_settings is configuration the migration fills with the seed's defaults, not data.
  dataTables: Object.keys(archiveTables).filter((t) => t !== 'app_settings'),
  adopt: archiveAdoption,
  createRepository: (db) => new ArchiveRepository(db),
  api: archiveApi,
  commands: archiveCommands,
  namedQueries: {
    getResumableSession: ['lookup', (r) => r.getResumableSession()],
    getSession: ['lookup', (r) => r.getSession('sample-01')],
    listSessions: ['list', (r) => r.listSessions({}, { limit: 50 })],
    'listSessions(status)': ['list', (r) => r.listSessions({ status: 'completed' }, { limit: 50 })],
    listActiveSessions: ['list', (r) => r.listActiveSessions()],
    listOperations: ['list', (r) => r.listOperations('sample-01')],
    getOperation: ['lookup', (r) => r.getOperation(1)],
    listPresets: ['list', (r) => r.listPresets()],
    getPreset: ['lookup', (r) => r.getPreset('archive_master_hq')],
    getSetting: ['lookup', (r) => r.getSetting('max_resume_age_days')],
    listSettings: ['list', (r) => r.listSettings()],
    'listFiles(category)': ['list', (r) => r.listFiles('sample-01', { file_category: 'stills' })],
    listFiles: ['list', (r) => r.listFiles('sample-01')],
    getProjectHistory: ['lookup', (r) => r.getProjectHistory('sample-01')],
    listProjectHistory: ['list', (r) => r.listProjectHistory()],
    'listProjectHistory(artwork)': [
      'list',
      (r) => r.listProjectHistory({ artwork_name: 'Tidal Loom' }),
    ],
    listArchivedHistory: ['list', (r) => r.listArchivedHistory()],
    getProjectStatistics: ['aggregate', (r) => r.getProjectStatistics()],
  },
  seedSampleData: (repo, db) => seedSampleData(repo, db),
})
