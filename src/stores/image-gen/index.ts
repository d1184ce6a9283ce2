import { defineStore } from '../../core/index.js'
import { imageGenApi } from './api.js'
import { imageGenCommands } from './cli.js'
import { imageGenJobs } from './jobs.js'
import { columnsByConstraint, migrations } from './migrations.js'
import { ImageGenRepository } from './repository.js'
import { seedSampleData } from './sample-data.js'
import { SWEPT_PREFIXES } from './sweep.js'
import { imageGenSearch, tables } from './tables.js'

export { ImageGenRepository } from './repository.js'
// The blob stores are part of the public API; image-gen is the store that uses them.
export * from '../../storage/index.js'
export { renderSampleImage } from './sample-data.js'
export {
  DEFAULT_SWEEP_GRACE_SECONDS,
  SWEPT_PREFIXES,
  sweepOrphanBlobs,
  type BlobSweepOptions,
  type BlobSweepReport,
} from './sweep.js'
export {
  ASPECT_RATIOS,
  CAMERA_ANGLES,
  GENERATION_METHODS,
  JOB_STATUSES,
  MAX_SHOTS,
  SHOT_TYPES,
  STYLES,
} from './migrations.js'
// The row and input types, some under names that do not collide with other stores' in the
// package's exports (`export type *` would also export `tables` and the schemas' names, which
// every converted store declares).
export type {
  AspectRatio,
  CameraAngle,
  GeneratedImage as ImageGenGeneratedImage,
  GenerationJob,
  GenerationJobWithReferences,
  GenerationMethod,
  ImageGenTables,
  JobStatus as GenerationJobStatus,
  ReferenceImage,
  Session as ImageGenSession,
  ShotType,
  Style,
  User as ImageGenUser,
} from './tables.js'
export type {
  GeneratedImageInput,
  JobCompletion,
  JobFilter,
  NewGenerationJob,
  NewSession as NewImageGenSession,
  NewUser as NewImageGenUser,
  ReferenceUpload,
} from './inputs.js'

/**
 * The image-gen store (seed 001): users' sessions, uploaded reference images, generation jobs
 * and generated images, with the images in a blob store (GENMEDIA_STORAGE_URL).
 */
export const imageGenStore = defineStore({
  name: 'image-gen',
  seed: '001',
  description:
    'image generation sessions, reference uploads, jobs and generated images, with blob storage',
  defaultFile: 'image_generation.db',
  schema: 'image_gen',
  migrations,
  tables,
  columnsByConstraint,
  createRepository: (db) => new ImageGenRepository(db),
  jobs: imageGenJobs,
  namedQueries: {
    getSession: ['lookup', (r) => r.getSession(1, 1)],
    listUsers: ['list', (r) => r.listUsers({ limit: 50 })],
    listSessions: ['list', (r) => r.listSessions(1, { limit: 50 })],
    listSessionImages: ['list', (r) => r.listSessionImages(1, 1)],
    getJobWithReferenceImages: ['lookup', (r) => r.getJobWithReferenceImages(1, 1)],
    listJobs: ['list', (r) => r.listJobs(1, {}, { limit: 50 })],
    'listJobs(status)': ['list', (r) => r.listJobs(1, { status: 'completed' }, { limit: 50 })],
    listReferenceImages: ['list', (r) => r.listReferenceImages(1, { limit: 50 })],
    getReferenceImage: ['lookup', (r) => r.getReferenceImage(1, 1)],
    getGeneratedImage: ['lookup', (r) => r.getGeneratedImage(1, 1)],
    getUserByEmail: ['lookup', (r) => r.getUserByEmail('ada@example.com')],
  },
  seedSampleData: (repo) => seedSampleData(repo),
  exportScope: (userId) => {
    const id = Math.trunc(userId)
    const own = `user_id = ${id}`
    return {
      users: `id = ${id}`,
      sessions: own,
      reference_images: own,
      generation_jobs: own,
      generated_images: own,
      generation_job_reference_images: `generation_job_id IN (SELECT id FROM generation_jobs WHERE ${own})`,
    }
  },
  api: imageGenApi,
  search: imageGenSearch,
  commands: imageGenCommands,
  blobs: {
    references:
      "SELECT 'generated_images' AS source, id, gcp_bucket_path AS path, file_size AS size FROM generated_images " +
      "UNION ALL SELECT 'reference_images' AS source, id, gcp_bucket_path AS path, file_size AS size FROM reference_images",
    prefixes: SWEPT_PREFIXES,
    sweep: 'sweep-blobs',
  },
})
