import type { GeneratedImage } from '../../../src/stores/ai-artist/tables'
import { api } from '../api'

export type { GeneratedImage }

export const IMAGE_STATUSES = ['pending', 'curated', 'rejected'] as const

/** The gallery's filters, named as the API's query parameters (and the page's URL). */
export const FILTER_KEYS = ['status', 'model_id', 'min_score', 'tag', 'featured'] as const

export type CurationAction = 'curate' | 'reject' | 'feature' | 'unfeature'

/** thumbnailUrl is where the API serves the 256px WebP thumbnail of an image. */
export function thumbnailUrl(id: number): string {
  return `/api/ai-artist/images/${id}/thumbnail`
}

/** applyAction curates, rejects, features or unfeatures an image and returns it as it is now. */
export function applyAction(id: number, action: CurationAction): Promise<GeneratedImage> {
  const base = `/api/ai-artist/images/${id}`
  switch (action) {
    case 'curate':
      return api(`${base}/curate`, { method: 'POST' })
    case 'reject':
      return api(`${base}/reject`, { method: 'POST' })
    case 'feature':
      return api(`${base}/feature`, { method: 'POST', body: { featured: true } })
    case 'unfeature':
      return api(`${base}/feature`, { method: 'POST', body: { featured: false } })
  }
}

/** PAST_TENSE names what an action did, for the announcement after it. */
export const PAST_TENSE: Record<CurationAction, string> = {
  curate: 'curated',
  reject: 'rejected',
  feature: 'featured',
  unfeature: 'no longer featured',
}
