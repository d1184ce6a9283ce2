import type { GenerationJob } from '../../../src/stores/image-gen/tables'

export type {
  GeneratedImage,
  GenerationJob,
  GenerationJobWithReferences,
  ReferenceImage,
  Session,
  User,
} from '../../../src/stores/image-gen/tables'

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
