import { z } from 'zod'
import {
  col,
  timestamps,
  defineRow,
  defineTables,
  jobColumns,
  jobTableColumns,
  defineSearch,
  type Row,
  type TablesOf,
} from '../../core/index.js'
import { hasControlCharacter } from '../../storage/index.js'
import { JOB_STATUSES, MAX_SHOTS, SUGGESTED_VALUES } from './migrations.js'

/** Text a user writes: trimmed, 1 to `max` characters, no control characters. */
const text = (max: number) => (s: z.ZodString) =>
  s
    .trim()
    .min(1)
    .max(max)
    .refine((v) => !hasControlCharacter(v), 'must not contain control characters')

/**
 * A value of a list the seed gives as examples: any name (trimmed, not empty, within the key
 * limit), the prompt panel's suggestions listed as `examples` in the API document.
 */
const suggested = (values: readonly string[]) =>
  col.name().check((s) => s.meta({ examples: [...values] }))

/** An aspect ratio as `W:H` in whole numbers (the seed's "16:9", "1:1", "9:16"). */
const aspectRatio = () =>
  suggested(SUGGESTED_VALUES.aspect_ratio).check((s) =>
    s.regex(/^[1-9]\d{0,3}:[1-9]\d{0,3}$/, 'must be an aspect ratio W:H in whole numbers, as 16:9'),
  )

/** A file's size in bytes (the seed's CHECK: 0 or more). */
const fileSize = () => col.integer().check((s) => s.min(0))

/** The image-gen store's tables (seed 001), each column once, as the migrations create them. */
export const tables = defineTables({
  users: {
    id: col.id(),
    /** Written trimmed and lower-cased; UNIQUE. */
    email: col.text().check((s) => s.trim().toLowerCase().pipe(z.email())),
    display_name: col.text().nullable().check(text(200)),
    created_at: col.timestamp().defaulted(),
  },
  sessions: {
    id: col.id(),
    user_id: col.reference(),
    title: col.text().defaulted().check(text(200)),
    /** The URL of the session's first generated image (kept by triggers), or null. */
    thumbnail_url: col.text().nullable(),
    generated_count: col.counter(),
    ...timestamps,
  },
  reference_images: {
    id: col.id(),
    user_id: col.reference(),
    session_id: col.reference().nullable(),
    /** `<bucket>/uploads/{user_id}/{timestamp}_{filename}`. */
    gcp_bucket_path: col.text(),
    gcp_url: col.text(),
    /** The file's name as the user gave it (sanitised in the key). */
    file_name: col.text().check(text(255)),
    file_size: fileSize(),
    /** NULL only in rows written by other programs (seed 001's service; migration 7). */
    mime_type: col.text().nullable({ inWrites: false }),
    width: col.integer().nullable(),
    height: col.integer().nullable(),
    uploaded_at: col.timestamp().defaulted(),
  },
  generation_jobs: {
    id: col.id(),
    user_id: col.reference(),
    session_id: col.reference().nullable(),
    prompt: col.text().check(text(10_000)),
    generated_prompt: col.text().nullable().check(text(10_000)),
    shot_type: suggested(SUGGESTED_VALUES.shot_type).nullable(),
    camera_angle: suggested(SUGGESTED_VALUES.camera_angle).nullable(),
    style: suggested(SUGGESTED_VALUES.style).nullable(),
    location: col.text().nullable().check(text(500)),
    lighting: col.text().nullable().check(text(500)),
    weather: col.text().nullable().check(text(500)),
    is_custom_enabled: col.boolean().defaulted(),
    aspect_ratio: aspectRatio().defaulted(),
    number_of_shots: col
      .integer()
      .defaulted()
      .check((s) => s.min(1).max(MAX_SHOTS)),
    model_used: col.text().nullable().check(text(200)),
    status: col.enum(JOB_STATUSES).defaulted(),
    error_message: col.text().nullable().check(text(10_000)),
    generation_method: suggested(SUGGESTED_VALUES.generation_method).nullable(),
    started_at: col.timestamp().nullable(),
    completed_at: col.timestamp().nullable(),
    ...timestamps,
    /** The job runtime's lease, attempts, retry time, cancellation, progress and provider. */
    ...jobColumns,
  },
  generated_images: {
    id: col.id(),
    generation_job_id: col.reference(),
    user_id: col.reference(),
    session_id: col.reference().nullable(),
    /** `<bucket>/generated/{generation_job_id}/{index}_{timestamp}.jpg`. */
    gcp_bucket_path: col.text(),
    gcp_url: col.text(),
    thumbnail_url: col.text().nullable().check(text(2_000)),
    file_name: col.text(),
    file_size: fileSize(),
    mime_type: col.text(),
    width: col.integer().nullable(),
    height: col.integer().nullable(),
    prompt_used: col.text().nullable().check(text(10_000)),
    generation_index: col.integer().check((s) => s.min(1).max(MAX_SHOTS)),
    created_at: col.timestamp().defaulted(),
  },
  generation_job_reference_images: {
    id: col.id(),
    generation_job_id: col.reference(),
    reference_image_id: col.reference(),
    created_at: col.timestamp().defaulted(),
  },
  /** Every attempt of a generation job and how it ended; per-provider limits (docs/worker.md). */
  ...jobTableColumns,
})

/**
 * What full-text search reads, and the columns a list counts by value (docs/search.md). Every
 * search and facet of image-gen is within one user's rows.
 */
export const imageGenSearch = {
  generation_jobs: defineSearch(tables.generation_jobs, {
    columns: ['prompt', 'generated_prompt'],
    facets: ['status', 'style', 'shot_type', 'camera_angle', 'aspect_ratio', 'model_used'],
  }),
  generated_images: defineSearch(tables.generated_images, {
    columns: ['prompt_used', 'file_name'],
    facets: ['mime_type'],
  }),
}

/** The tables as Kysely sees them. */
export type ImageGenTables = TablesOf<typeof tables>

export type JobStatus = (typeof JOB_STATUSES)[number]
/** Open values (migration 5): SHOT_TYPES, CAMERA_ANGLES … are suggestions, not limits. */
export type ShotType = string
export type CameraAngle = string
export type Style = string
export type AspectRatio = string
export type GenerationMethod = string

/** User is one row of `users`, decoded. Timestamps are ISO-8601 UTC strings on both engines. */
export type User = Row<typeof tables.users>
/** Session groups a user's generations (the UI's session panel). */
export type Session = Row<typeof tables.sessions>
export type ReferenceImage = Row<typeof tables.reference_images>
export type GenerationJob = Row<typeof tables.generation_jobs>
export type GeneratedImage = Row<typeof tables.generated_images>

/** The seed's "Get generation job with all reference images": the job and its references' URLs. */
export const generationJobWithReferences = defineRow({
  ...tables.generation_jobs.columns,
  reference_image_urls: col.json(z.array(z.string())),
})
export type GenerationJobWithReferences = Row<typeof generationJobWithReferences>
