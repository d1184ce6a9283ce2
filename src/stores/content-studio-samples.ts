/**
 * The sample pipeline shared by seed 002's three stores (trends, metrics, image-library), so
 * their sample data tells one story: the topics trends hands out are the topics of the videos
 * metrics measures, and the videos image-library's usage rows point at are those same videos.
 */
export interface SampleVideo {
  video_id: string
  topic: string
  category: string
  title: string
  status: 'draft' | 'rendered' | 'posted' | 'archived'
  /** Days before "now" the video was created. */
  created_days_ago: number
}

export const SAMPLE_VIDEOS: readonly SampleVideo[] = [
  {
    video_id: 'emf_20250101_001',
    topic: 'AI art generators',
    category: 'technology',
    title: 'Butcher vs the AI painter',
    status: 'archived',
    created_days_ago: 30,
  },
  {
    video_id: 'emf_20250104_002',
    topic: 'Cold plunge challenge',
    category: 'lifestyle',
    title: 'Nutsy takes the plunge',
    status: 'posted',
    created_days_ago: 27,
  },
  {
    video_id: 'emf_20250108_003',
    topic: 'Sourdough starters',
    category: 'food',
    title: 'The starter that bit back',
    status: 'posted',
    created_days_ago: 23,
  },
  {
    video_id: 'emf_20250111_004',
    topic: 'Smart glasses',
    category: 'technology',
    title: 'Butcher sees everything',
    status: 'posted',
    created_days_ago: 20,
  },
  {
    video_id: 'emf_20250115_005',
    topic: 'Minimalist apartments',
    category: 'lifestyle',
    title: 'Where is the sofa, Nutsy?',
    status: 'posted',
    created_days_ago: 16,
  },
  {
    video_id: 'emf_20250118_006',
    topic: 'Marathon training plans',
    category: 'sports',
    title: 'Couch to 42 km, sort of',
    status: 'posted',
    created_days_ago: 13,
  },
  {
    video_id: 'emf_20250122_007',
    topic: 'Electric cargo bikes',
    category: 'technology',
    title: 'The butcher delivers',
    status: 'posted',
    created_days_ago: 9,
  },
  {
    video_id: 'emf_20250125_008',
    topic: 'Retro video game prices',
    category: 'gaming',
    title: 'Nutsy finds a cartridge',
    status: 'rendered',
    created_days_ago: 6,
  },
  {
    video_id: 'emf_20250128_009',
    topic: 'Mushroom foraging',
    category: 'lifestyle',
    title: 'Not that mushroom!',
    status: 'rendered',
    created_days_ago: 3,
  },
  {
    video_id: 'emf_20250130_010',
    topic: 'Quiet quitting',
    category: 'work',
    title: 'The longest lunch break',
    status: 'draft',
    created_days_ago: 1,
  },
]

/** The platforms the sample videos are posted to. */
export const SAMPLE_PLATFORMS = ['instagram', 'tiktok', 'youtube'] as const

/** The sources trends reads, as the seed names them. */
export const SAMPLE_SOURCES = ['google_trends', 'twitter', 'reddit'] as const
