import { defineStore } from '../../core/index.js'
import { aiArtistAdoption } from './adopt.js'
import { columnsByConstraint, migrations } from './migrations.js'
import { AiArtistRepository } from './repository.js'
import { aiArtistApi } from './api.js'
import { seedSampleData } from './sample-data.js'
import { aiArtistSearch, aiArtistTables } from './tables.js'

export { AiArtistRepository } from './repository.js'
export type * from './tables.js'
export type * from './inputs.js'

/** The ai-artist store (seed 004): generated artwork, scores and curation, LoRA training, creation batches. */
export const aiArtistStore = defineStore({
  name: 'ai-artist',
  seed: '004',
  description: 'generated artwork with scores and curation, LoRA training runs, creation batches',
  defaultFile: 'ai_artist.db',
  schema: 'ai_artist',
  migrations,
  tables: aiArtistTables,
  columnsByConstraint,
  adopt: aiArtistAdoption,
  createRepository: (db) => new AiArtistRepository(db),
  api: aiArtistApi,
  search: aiArtistSearch,
  namedQueries: [
    { name: 'getImage', kind: 'lookup', run: (r) => r.getImage(1) },
    {
      name: 'getImageByFilename',
      kind: 'lookup',
      run: (r) => r.getImageByFilename('missing.png').catch(() => undefined),
    },
    { name: 'listImages', kind: 'list', run: (r) => r.listImages({}, { limit: 50 }) },
    {
      name: 'listImages(status)',
      kind: 'list',
      run: (r) => r.listImages({ status: 'curated' }, { limit: 50 }),
    },
    {
      name: 'listImages(model)',
      kind: 'list',
      run: (r) => r.listImages({ model_id: 'runwayml/stable-diffusion-v1-5' }, { limit: 50 }),
    },
    { name: 'listRecentHighQuality', kind: 'list', run: (r) => r.listRecentHighQuality() },
    { name: 'listUncurated', kind: 'list', run: (r) => r.listUncurated() },
    { name: 'listTopCurated', kind: 'list', run: (r) => r.listTopCurated() },
    { name: 'getQualityDistribution', kind: 'aggregate', run: (r) => r.getQualityDistribution() },
    { name: 'countImagesByStatus', kind: 'aggregate', run: (r) => r.countImagesByStatus() },
    {
      name: 'getTrainingSessionStatistics',
      kind: 'aggregate',
      run: (r) => r.getTrainingSessionStatistics(),
    },
    {
      name: 'getDailyCreationStatistics',
      kind: 'aggregate',
      run: (r) => r.getDailyCreationStatistics(),
    },
    { name: 'listTrainingSessions', kind: 'list', run: (r) => r.listTrainingSessions() },
    { name: 'listCreationSessions', kind: 'list', run: (r) => r.listCreationSessions() },
  ],
  seedSampleData: (repo) => seedSampleData(repo),
})
