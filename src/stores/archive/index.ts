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
  namedQueries: [
    { name: 'getResumableSession', kind: 'lookup', run: (r) => r.getResumableSession() },
    { name: 'getSession', kind: 'lookup', run: (r) => r.getSession('sample-01') },
    { name: 'listSessions', kind: 'list', run: (r) => r.listSessions({}, { limit: 50 }) },
    {
      name: 'listSessions(status)',
      kind: 'list',
      run: (r) => r.listSessions({ status: 'completed' }, { limit: 50 }),
    },
    { name: 'listActiveSessions', kind: 'list', run: (r) => r.listActiveSessions() },
    { name: 'listOperations', kind: 'list', run: (r) => r.listOperations('sample-01') },
    { name: 'getOperation', kind: 'lookup', run: (r) => r.getOperation(1) },
    { name: 'listPresets', kind: 'list', run: (r) => r.listPresets() },
    { name: 'getPreset', kind: 'lookup', run: (r) => r.getPreset('archive_master_hq') },
    { name: 'getSetting', kind: 'lookup', run: (r) => r.getSetting('max_resume_age_days') },
    { name: 'listSettings', kind: 'list', run: (r) => r.listSettings() },
    {
      name: 'listFiles(category)',
      kind: 'list',
      run: (r) => r.listFiles('sample-01', { file_category: 'stills' }),
    },
    { name: 'listFiles', kind: 'list', run: (r) => r.listFiles('sample-01') },
    { name: 'getProjectHistory', kind: 'lookup', run: (r) => r.getProjectHistory('sample-01') },
    { name: 'listProjectHistory', kind: 'list', run: (r) => r.listProjectHistory() },
    {
      name: 'listProjectHistory(artwork)',
      kind: 'list',
      run: (r) => r.listProjectHistory({ artwork_name: 'Tidal Loom' }),
    },
    { name: 'listArchivedHistory', kind: 'list', run: (r) => r.listArchivedHistory() },
    { name: 'getProjectStatistics', kind: 'aggregate', run: (r) => r.getProjectStatistics() },
  ],
  seedSampleData: (repo, db) => seedSampleData(repo, db),
})
