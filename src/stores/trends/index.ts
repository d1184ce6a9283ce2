import { defineStore } from '../../core/index.js'
import { trendsAdoption } from './adopt.js'
import { columnsByConstraint, migrations } from './migrations.js'
import { TrendsRepository } from './repository.js'
import { seedSampleData } from './sample-data.js'
import { trendsApi } from './api.js'
import { trendsSearch, trendsTables } from './tables.js'

export { TrendsRepository } from './repository.js'
export type * from './tables.js'
export type * from './inputs.js'

/** The trends store (seed 002, trends.db): trending topics handed out once each, search history. */
export const trendsStore = defineStore({
  name: 'trends',
  seed: '002',
  description: 'trending topics from Google Trends, Twitter and Reddit, taken once each; searches',
  defaultFile: 'trends.db',
  schema: 'trends',
  legacyEnv: ['TRENDS_DB_PATH'],
  migrations,
  tables: trendsTables,
  columnsByConstraint,
  adopt: trendsAdoption,
  createRepository: (db) => new TrendsRepository(db),
  api: trendsApi,
  search: trendsSearch,
  namedQueries: {
    getTopic: ['lookup', (r) => r.getTopic(1).catch(() => undefined)],
    listUnusedTopics: ['list', (r) => r.listUnusedTopics(5)],
    listTopics: ['list', (r) => r.listTopics({}, { limit: 50 })],
    'listTopics(unused)': ['list', (r) => r.listTopics({ used: false }, { limit: 50 })],
    'listTopics(source)': ['list', (r) => r.listTopics({ source: 'google_trends' }, { limit: 50 })],
    'listTopics(category)': [
      'list',
      (r) => r.listTopics({ category: 'technology' }, { limit: 50 }),
    ],
    listSearches: ['list', (r) => r.listSearches({}, { limit: 50 })],
    'listSearches(query)': [
      'list',
      (r) => r.listSearches({ query: 'robot vacuum fails' }, { limit: 50 }),
    ],
    countTopicsBySource: ['aggregate', (r) => r.countTopicsBySource()],
  },
  seedSampleData: (repo) => seedSampleData(repo),
})
