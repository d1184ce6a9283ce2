import { defineStore } from '../../core/index.js'
import { columnsByConstraint, migrations } from './migrations.js'
import { ImageLibraryRepository } from './repository.js'
import { seedSampleData } from './sample-data.js'
import { imageLibraryApi } from './api.js'
import { imageLibrarySearch, imageLibraryTables } from './tables.js'

export { ImageLibraryRepository } from './repository.js'
export type * from './tables.js'
export type * from './inputs.js'

/** The image-library store (seed 002, image_library.db): character images, usage, collections. */
export const imageLibraryStore = defineStore({
  name: 'image-library',
  seed: '002',
  description: 'character images by emotion and pose, their use in video scenes, collections',
  defaultFile: 'image_library.db',
  schema: 'image_library',
  legacyEnv: ['IMAGE_LIBRARY_DB_PATH'],
  migrations,
  tables: imageLibraryTables,
  columnsByConstraint,
  createRepository: (db) => new ImageLibraryRepository(db),
  api: imageLibraryApi,
  search: imageLibrarySearch,
  namedQueries: {
    getImage: ['lookup', (r) => r.getImage(1).catch(() => undefined)],
    getImageByPath: ['lookup', (r) => r.getImageByPath('missing.png').catch(() => undefined)],
    'findImages(character, emotion)': [
      'list',
      (r) => r.findImages({ character: 'butcher', emotion: 'happy' }, { limit: 50 }),
    ],
    'findImages(pose)': ['list', (r) => r.findImages({ pose: 'sitting' }, { limit: 50 })],
    'findImages(source)': ['list', (r) => r.findImages({ source: 'dreambooth' }, { limit: 50 })],
    listLeastUsed: ['list', (r) => r.listLeastUsed('nutsy', 'excited', { limit: 5 })],
    listUsageForVideo: ['list', (r) => r.listUsageForVideo('emf_20250104_002')],
    listUsageOfImage: ['list', (r) => r.listUsageOfImage(1, { limit: 50 })],
    listCollectionImages: ['list', (r) => r.listCollectionImages(1).catch(() => [])],
    countImagesByCharacter: ['aggregate', (r) => r.countImagesByCharacter()],
  },
  seedSampleData: (repo) => seedSampleData(repo),
})
