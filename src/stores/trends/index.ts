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
  namedQueries: [
    { name: 'getTopic', kind: 'lookup', run: (r) => r.getTopic(1).catch(() => undefined) },
    { name: 'listUnusedTopics', kind: 'list', run: (r) => r.listUnusedTopics(5) },
    { name: 'listTopics', kind: 'list', run: (r) => r.listTopics({}, { limit: 50 }) },
    {
      name: 'listTopics(unused)',
      kind: 'list',
      run: (r) => r.listTopics({ used: false }, { limit: 50 }),
    },
    {
      name: 'listTopics(source)',
      kind: 'list',
      run: (r) => r.listTopics({ source: 'google_trends' }, { limit: 50 }),
    },
    {
      name: 'listTopics(category)',
      kind: 'list',
      run: (r) => r.listTopics({ category: 'technology' }, { limit: 50 }),
    },
    { name: 'listSearches', kind: 'list', run: (r) => r.listSearches({}, { limit: 50 }) },
    {
      name: 'listSearches(query)',
      kind: 'list',
      run: (r) => r.listSearches({ query: 'robot vacuum fails' }, { limit: 50 }),
    },
    { name: 'countTopicsBySource', kind: 'aggregate', run: (r) => r.countTopicsBySource() },
  ],
  seedSampleData: (repo) => seedSampleData(repo),
})
