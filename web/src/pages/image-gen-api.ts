/** Rows of the image-gen store as its API answers them. */
export interface Session {
  id: number
  user_id: number
  title: string
  thumbnail_url: string | null
  generated_count: number
  created_at: string
  updated_at: string
}

export interface GenerationJob {
  id: number
  user_id: number
  session_id: number | null
  prompt: string
  generated_prompt: string | null
  shot_type: string | null
  camera_angle: string | null
  style: string | null
  location: string | null
  lighting: string | null
  weather: string | null
  is_custom_enabled: boolean
  aspect_ratio: string
  number_of_shots: number
  model_used: string | null
  status: string
  error_message: string | null
  generation_method: string | null
  started_at: string | null
  completed_at: string | null
  created_at: string
  updated_at: string
  reference_image_urls?: string[]
}

export interface GeneratedImage {
  id: number
  generation_job_id: number
  session_id: number | null
  gcp_url: string
  thumbnail_url: string | null
  file_name: string
  width: number | null
  height: number | null
  prompt_used: string | null
  generation_index: number
  created_at: string
}

export interface ReferenceImage {
  id: number
  gcp_url: string
  file_name: string
  width: number | null
  height: number | null
  uploaded_at: string
}

export interface User {
  id: number
  email: string
  display_name: string | null
}

/** The job parameters the detail view lists, in the order of seed 001's prompt panel. */
export const JOB_PARAMETERS: [keyof GenerationJob, string][] = [
  ['shot_type', 'Shot type'],
  ['camera_angle', 'Camera angle'],
  ['style', 'Style'],
  ['aspect_ratio', 'Aspect ratio'],
  ['number_of_shots', 'Number of shots'],
  ['location', 'Location'],
  ['lighting', 'Lighting'],
  ['weather', 'Weather'],
  ['is_custom_enabled', 'Custom settings'],
  ['model_used', 'Model'],
  ['generation_method', 'Method'],
]
