import type { ColumnType, Generated } from 'kysely'
import type {
  ASPECT_RATIOS,
  CAMERA_ANGLES,
  GENERATION_METHODS,
  JOB_STATUSES,
  SHOT_TYPES,
  STYLES,
} from './migrations.js'

export type JobStatus = (typeof JOB_STATUSES)[number]
export type ShotType = (typeof SHOT_TYPES)[number]
export type CameraAngle = (typeof CAMERA_ANGLES)[number]
export type Style = (typeof STYLES)[number]
export type AspectRatio = (typeof ASPECT_RATIOS)[number]
export type GenerationMethod = (typeof GENERATION_METHODS)[number]

type Timestamp = ColumnType<string, Date | undefined, Date>
type NullableTimestamp = ColumnType<string | null, Date | null | undefined, Date | null>
type Bool = ColumnType<number | boolean, boolean | undefined, boolean>

/** The tables as stored (what Kysely sees). Rows returned to callers are decoded: see below. */
export interface ImageGenTables {
  users: {
    id: Generated<number>
    email: string
    display_name: string | null
    created_at: Timestamp
  }
  sessions: {
    id: Generated<number>
    user_id: number
    title: ColumnType<string, string | undefined, string>
    thumbnail_url: string | null
    generated_count: ColumnType<number, number | undefined, number>
    created_at: Timestamp
    updated_at: Timestamp
  }
  reference_images: {
    id: Generated<number>
    user_id: number
    session_id: number | null
    gcp_bucket_path: string
    gcp_url: string
    file_name: string
    file_size: number
    mime_type: string
    width: number | null
    height: number | null
    uploaded_at: Timestamp
  }
  generation_jobs: {
    id: Generated<number>
    user_id: number
    session_id: number | null
    prompt: string
    generated_prompt: string | null
    shot_type: ShotType | null
    camera_angle: CameraAngle | null
    style: Style | null
    location: string | null
    lighting: string | null
    weather: string | null
    is_custom_enabled: Bool
    aspect_ratio: ColumnType<AspectRatio, AspectRatio | undefined, AspectRatio>
    number_of_shots: ColumnType<number, number | undefined, number>
    model_used: string | null
    status: ColumnType<JobStatus, JobStatus | undefined, JobStatus>
    error_message: string | null
    generation_method: GenerationMethod | null
    started_at: NullableTimestamp
    completed_at: NullableTimestamp
    created_at: Timestamp
    updated_at: Timestamp
  }
  generated_images: {
    id: Generated<number>
    generation_job_id: number
    user_id: number
    session_id: number | null
    gcp_bucket_path: string
    gcp_url: string
    thumbnail_url: string | null
    file_name: string
    file_size: number
    mime_type: string
    width: number | null
    height: number | null
    prompt_used: string | null
    generation_index: number
    created_at: Timestamp
  }
  generation_job_reference_images: {
    id: Generated<number>
    generation_job_id: number
    reference_image_id: number
    created_at: Timestamp
  }
}

/** User is one row of `users`. Timestamps are ISO-8601 UTC strings on both engines. */
export interface User {
  id: number
  email: string
  display_name: string | null
  created_at: string
}

/** Session groups a user's generations (the UI's session panel). */
export interface Session {
  id: number
  user_id: number
  title: string
  /** The URL of the session's first generated image (kept by triggers), or null. */
  thumbnail_url: string | null
  generated_count: number
  created_at: string
  updated_at: string
}

export interface ReferenceImage {
  id: number
  user_id: number
  session_id: number | null
  /** `<bucket>/uploads/{user_id}/{timestamp}_{filename}`. */
  gcp_bucket_path: string
  gcp_url: string
  file_name: string
  file_size: number
  mime_type: string
  width: number | null
  height: number | null
  uploaded_at: string
}

export interface GenerationJob {
  id: number
  user_id: number
  session_id: number | null
  prompt: string
  generated_prompt: string | null
  shot_type: ShotType | null
  camera_angle: CameraAngle | null
  style: Style | null
  location: string | null
  lighting: string | null
  weather: string | null
  is_custom_enabled: boolean
  aspect_ratio: AspectRatio
  number_of_shots: number
  model_used: string | null
  status: JobStatus
  error_message: string | null
  generation_method: GenerationMethod | null
  started_at: string | null
  completed_at: string | null
  created_at: string
  updated_at: string
}

/** The seed's "Get generation job with all reference images": the job and its references' URLs. */
export interface GenerationJobWithReferences extends GenerationJob {
  reference_image_urls: string[]
}

export interface GeneratedImage {
  id: number
  generation_job_id: number
  user_id: number
  session_id: number | null
  /** `<bucket>/generated/{generation_job_id}/{index}_{timestamp}.jpg`. */
  gcp_bucket_path: string
  gcp_url: string
  thumbnail_url: string | null
  file_name: string
  file_size: number
  mime_type: string
  width: number | null
  height: number | null
  prompt_used: string | null
  generation_index: number
  created_at: string
}
