import { defineStore } from '../../core/index.js'
import { columnsByConstraint, migrations } from './migrations.js'
import { MetricsRepository } from './repository.js'
import { seedSampleData } from './sample-data.js'
import { metricsApi } from './api.js'
import { metricsSearch, metricsTables } from './tables.js'

export { MetricsRepository, computeEngagementRate } from './repository.js'
export type * from './tables.js'
export type * from './inputs.js'

/** The metrics store (seed 002, metrics.db): video performance per platform, video lifecycle. */
export const metricsStore = defineStore({
  name: 'metrics',
  seed: '002',
  description: 'video performance snapshots per platform, video metadata and status lifecycle',
  defaultFile: 'metrics.db',
  schema: 'metrics',
  legacyEnv: ['METRICS_DB_PATH'],
  migrations,
  tables: metricsTables,
  search: metricsSearch,
  columnsByConstraint,
  createRepository: (db) => new MetricsRepository(db),
  api: metricsApi,
  namedQueries: {
    getVideo: ['lookup', (r) => r.getVideo('emf_20250104_002').catch(() => undefined)],
    getLatestMetrics: ['lookup', (r) => r.getLatestMetrics('emf_20250104_002')],
    getVideoHistory: ['list', (r) => r.getVideoHistory('emf_20250104_002', {}, { limit: 50 })],
    'getVideoHistory(platform)': [
      'list',
      (r) => r.getVideoHistory('emf_20250104_002', { platform: 'tiktok' }, { limit: 50 }),
    ],
    listTopVideos: ['list', (r) => r.listTopVideos('tiktok', 10)],
    listVideos: ['list', (r) => r.listVideos({}, { limit: 50 })],
    'listVideos(status)': ['list', (r) => r.listVideos({ status: 'posted' }, { limit: 50 })],
    'listVideos(topic)': ['list', (r) => r.listVideos({ topic: 'Smart glasses' }, { limit: 50 })],
    summarizePlatforms: ['aggregate', (r) => r.summarizePlatforms()],
  },
  seedSampleData: (repo) => seedSampleData(repo),
})
