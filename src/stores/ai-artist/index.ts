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
  namedQueries: {
    getImage: ['lookup', (r) => r.getImage(1)],
    getImageByFilename: [
      'lookup',
      (r) => r.getImageByFilename('missing.png').catch(() => undefined),
    ],
    listImages: ['list', (r) => r.listImages({}, { limit: 50 })],
    'listImages(status)': ['list', (r) => r.listImages({ status: 'curated' }, { limit: 50 })],
    'listImages(model)': [
      'list',
      (r) => r.listImages({ model_id: 'runwayml/stable-diffusion-v1-5' }, { limit: 50 }),
    ],
    listRecentHighQuality: ['list', (r) => r.listRecentHighQuality()],
    listUncurated: ['list', (r) => r.listUncurated()],
    listTopCurated: ['list', (r) => r.listTopCurated()],
    getQualityDistribution: ['aggregate', (r) => r.getQualityDistribution()],
    countImagesByStatus: ['aggregate', (r) => r.countImagesByStatus()],
    getTrainingSessionStatistics: ['aggregate', (r) => r.getTrainingSessionStatistics()],
    getDailyCreationStatistics: ['aggregate', (r) => r.getDailyCreationStatistics()],
    listTrainingSessions: ['list', (r) => r.listTrainingSessions()],
    listCreationSessions: ['list', (r) => r.listCreationSessions()],
  },
  seedSampleData: (repo) => seedSampleData(repo),
})
