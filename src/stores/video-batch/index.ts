import { defineStore } from '../../core/index.js'
import { videoBatchApi } from './api.js'
import { videoBatchJobs } from './jobs.js'
import { columnsByConstraint, migrations } from './migrations.js'
import { VideoBatchRepository } from './repository.js'
import { seedSampleData } from './sample-data.js'
import { videoBatchSearch, videoBatchTables } from './tables.js'

export { VideoBatchRepository, describeFilename } from './repository.js'
export { LEGACY_PLACEHOLDER } from './migrations.js'
export { importVideoBatch } from './importer.js'
// The package exports every store's names together: names other stores also use are the
// store's own (VideoBatchImageStatus, VideoBatchImageFilter, videoBatchTables).
export type * from './tables.js'
export type * from './inputs.js'
export type {
  ImportOptions as VideoBatchImportOptions,
  ImportReport as VideoBatchImportReport,
  ImportIssue as VideoBatchImportIssue,
  TableCounts as VideoBatchImportCounts,
} from './importer.js'

/** The video-batch store (seed 000): image uploads, their prompt sets, the videos generated from them. */
export const videoBatchStore = defineStore({
  name: 'video-batch',
  seed: '000',
  description:
    'image uploads, prompt sets and generated videos of an LLM video batch, with lineage',
  defaultFile: 'llm_video_batch.db',
  schema: 'video_batch',
  migrations,
  tables: videoBatchTables,
  columnsByConstraint,
  createRepository: (db) => new VideoBatchRepository(db),
  jobs: videoBatchJobs,
  namedQueries: {
    getImage: ['lookup', (r) => r.getImage(1)],
    findImagesByFilename: ['lookup', (r) => r.findImagesByFilename('sunset_beach_001.jpg')],
    getPromptSet: ['lookup', (r) => r.getPromptSet(1)],
    listPromptSetsForImage: ['list', (r) => r.listPromptSetsForImage(1)],
    getVideo: ['lookup', (r) => r.getVideo(1)],
    listImages: ['list', (r) => r.listImages({}, { limit: 50 })],
    'listImages(status)': ['list', (r) => r.listImages({ status: 'failed' }, { limit: 50 })],
    listVideos: ['list', (r) => r.listVideos({}, { limit: 50 })],
    'listVideos(status)': ['list', (r) => r.listVideos({ status: 'pending' }, { limit: 50 })],
    'listVideos(image)': ['list', (r) => r.listVideos({ image_id: 1 }, { limit: 50 })],
    listCompletedVideosWithPrompts: ['list', (r) => r.listCompletedVideosWithPrompts()],
    listLegacyPrompts: ['list', (r) => r.listLegacyPrompts()],
    getVideoStatistics: ['aggregate', (r) => r.getVideoStatistics()],
    listUploadedImages: ['list', (r) => r.listUploadedImages()],
    listGeneratedImagesWithOrigins: ['list', (r) => r.listGeneratedImagesWithOrigins()],
    getImageChains: ['aggregate', (r) => r.getImageChains()],
    listOriginalImages: ['list', (r) => r.listOriginalImages()],
    getImageLineage: ['lookup', (r) => r.getImageLineage(1)],
    countVideosByStatus: ['aggregate', (r) => r.countVideosByStatus()],
    countImagesByStatus: ['aggregate', (r) => r.countImagesByStatus()],
  },
  seedSampleData: (repo) => seedSampleData(repo),
  api: videoBatchApi,
  search: videoBatchSearch,
})
