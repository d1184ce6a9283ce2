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
  namedQueries: [
    { name: 'getImage', kind: 'lookup', run: (r) => r.getImage(1) },
    {
      name: 'findImagesByFilename',
      kind: 'lookup',
      run: (r) => r.findImagesByFilename('sunset_beach_001.jpg'),
    },
    { name: 'getPromptSet', kind: 'lookup', run: (r) => r.getPromptSet(1) },
    { name: 'listPromptSetsForImage', kind: 'list', run: (r) => r.listPromptSetsForImage(1) },
    { name: 'getVideo', kind: 'lookup', run: (r) => r.getVideo(1) },
    { name: 'listImages', kind: 'list', run: (r) => r.listImages({}, { limit: 50 }) },
    {
      name: 'listImages(status)',
      kind: 'list',
      run: (r) => r.listImages({ status: 'failed' }, { limit: 50 }),
    },
    { name: 'listVideos', kind: 'list', run: (r) => r.listVideos({}, { limit: 50 }) },
    {
      name: 'listVideos(status)',
      kind: 'list',
      run: (r) => r.listVideos({ status: 'pending' }, { limit: 50 }),
    },
    {
      name: 'listVideos(image)',
      kind: 'list',
      run: (r) => r.listVideos({ image_id: 1 }, { limit: 50 }),
    },
    {
      name: 'listCompletedVideosWithPrompts',
      kind: 'list',
      run: (r) => r.listCompletedVideosWithPrompts(),
    },
    { name: 'listLegacyPrompts', kind: 'list', run: (r) => r.listLegacyPrompts() },
    { name: 'getVideoStatistics', kind: 'aggregate', run: (r) => r.getVideoStatistics() },
    { name: 'listUploadedImages', kind: 'list', run: (r) => r.listUploadedImages() },
    {
      name: 'listGeneratedImagesWithOrigins',
      kind: 'list',
      run: (r) => r.listGeneratedImagesWithOrigins(),
    },
    { name: 'getImageChains', kind: 'aggregate', run: (r) => r.getImageChains() },
    { name: 'listOriginalImages', kind: 'list', run: (r) => r.listOriginalImages() },
    { name: 'getImageLineage', kind: 'lookup', run: (r) => r.getImageLineage(1) },
    { name: 'countVideosByStatus', kind: 'aggregate', run: (r) => r.countVideosByStatus() },
    { name: 'countImagesByStatus', kind: 'aggregate', run: (r) => r.countImagesByStatus() },
  ],
  seedSampleData: (repo) => seedSampleData(repo),
  api: videoBatchApi,
  search: videoBatchSearch,
})
