import { useCallback, useEffect, useRef, useState } from 'react'
import { api, query, type ApiError } from '../api'
import { toApiError, useApi } from '../hooks'
import { ChoiceFilter, Counts, ErrorBanner, Loading } from '../components/common'
import { GalleryGrid } from '../components/gallery-grid'
import { Link, navigate, useLocation, withParams } from '../router'
import { ImageDetail } from './ai-artist-detail'
import {
  applyAction,
  FILTER_KEYS,
  IMAGE_STATUSES,
  PAST_TENSE,
  type CurationAction,
  type GeneratedImage,
} from './ai-artist-api'
import { ExportDownloads } from '../components/export-downloads'
import { SearchBar, type Facet, type ListPage } from '../components/search-bar'

const PAGE_SIZE = 120

const MODELS = [
  'stabilityai/stable-diffusion-xl-base-1.0',
  'runwayml/stable-diffusion-v1-5',
  'black-forest-labs/FLUX.1-schnell',
]

interface Listing {
  key: string
  items: GeneratedImage[]
  next: string | null
  loading: boolean
  error?: ApiError
  /** Counted with the first page, under the filters and search. */
  facets?: Record<string, Facet>
}

/** The columns the gallery counts beside its images, as chips under the search box. */
const FACETS = ['status', 'model_id']

/**
 * The ai-artist gallery: every image newest first by keyset pages, filtered by the URL's
 * status, model_id, min_score, tag and featured; `?image=<id>` opens an image's detail.
 */
export default function AiArtistGallery() {
  const location = useLocation()
  const filters = Object.fromEntries(
    [...FILTER_KEYS, 'q'].map((k) => [k, location.params.get(k) ?? '']),
  )
  const filterKey = query(filters)
  const openId = Number(location.params.get('image')) || undefined
  const [listing, setListing] = useState<Listing>({ key: '', items: [], next: null, loading: true })
  const [notice, setNotice] = useState('')
  const [actionError, setActionError] = useState<ApiError>()
  const [returnFocus, setReturnFocus] = useState<{ id: number }>()
  const counts = useApi<Record<string, number>>('/api/ai-artist/queries/status-counts')
  const inFlight = useRef<string | null>(null)

  const fetchPage = useCallback(async (key: string, after: string | null) => {
    const marker = `${key}|${after ?? ''}`
    if (inFlight.current === marker) return
    inFlight.current = marker
    try {
      const params = new URLSearchParams(key)
      params.set('limit', String(PAGE_SIZE))
      if (after) params.set('after', after)
      else params.set('facets', FACETS.join(','))
      const page = await api<ListPage<GeneratedImage>>(`/api/ai-artist/images?${params}`)
      setListing((current) =>
        current.key !== key
          ? current
          : {
              key,
              items: after ? [...current.items, ...page.items] : page.items,
              next: page.next,
              loading: false,
              facets: after ? current.facets : page.facets,
            },
      )
    } catch (error) {
      setListing((current) =>
        current.key !== key ? current : { ...current, loading: false, error: toApiError(error) },
      )
    } finally {
      if (inFlight.current === marker) inFlight.current = null
    }
  }, [])

  useEffect(() => {
    setListing({ key: filterKey, items: [], next: null, loading: true })
    void fetchPage(filterKey, null)
  }, [filterKey, fetchPage])

  const loadMore = useCallback(() => {
    if (listing.next && !listing.error) void fetchPage(listing.key, listing.next)
  }, [listing.next, listing.key, listing.error, fetchPage])

  const replaceImage = (image: GeneratedImage) =>
    setListing((current) => ({
      ...current,
      items: current.items.map((i) => (i.id === image.id ? image : i)),
    }))

  const act = async (image: GeneratedImage, action: CurationAction) => {
    setActionError(undefined)
    try {
      const changed = await applyAction(image.id, action)
      replaceImage(changed)
      setNotice(`Image ${image.id} ${PAST_TENSE[action]}.`)
      counts.reload()
      return changed
    } catch (error) {
      setActionError(toApiError(error))
      return undefined
    }
  }

  const setFilter = (key: string, value: string) =>
    navigate(withParams(location, { [key]: value, image: null }), { replace: true })

  return (
    <div className="page page-gallery">
      <div className="page-head">
        <h1>ai-artist gallery</h1>
        <ExportDownloads store="ai-artist" />
        <nav className="tabs" aria-label="ai-artist">
          <Link to="/ai-artist" aria-current="page">
            Gallery
          </Link>
          <Link to="/ai-artist/insights">Training &amp; statistics</Link>
        </nav>
        {counts.data ? <Counts counts={counts.data} label="Images per status" /> : null}
      </div>
      <form className="filters" onSubmit={(e) => e.preventDefault()} aria-label="Filters">
        <label className="field">
          <span>Status</span>
          <ChoiceFilter
            id="filter-status"
            label="Status"
            value={filters.status ?? ''}
            options={IMAGE_STATUSES}
            onChange={(v) => setFilter('status', v)}
          />
        </label>
        <label className="field">
          <span>Model</span>
          <input
            aria-label="Model"
            list="models"
            defaultValue={filters.model_id}
            key={`m${filters.model_id}`}
            placeholder="any model"
            onBlur={(e) => setFilter('model_id', e.target.value.trim())}
            onKeyDown={(e) =>
              e.key === 'Enter' && setFilter('model_id', e.currentTarget.value.trim())
            }
          />
          <datalist id="models">
            {[...new Set([...MODELS, ...listing.items.map((i) => i.model_id)])].map((m) => (
              <option key={m} value={m} />
            ))}
          </datalist>
        </label>
        <label className="field">
          <span>Minimum score</span>
          <input
            aria-label="Minimum score"
            type="number"
            min={0}
            max={10}
            step={0.5}
            value={filters.min_score}
            onChange={(e) => setFilter('min_score', e.target.value)}
          />
        </label>
        <label className="field">
          <span>Tag</span>
          <input
            aria-label="Tag"
            defaultValue={filters.tag}
            key={`t${filters.tag}`}
            placeholder="any tag"
            onBlur={(e) => setFilter('tag', e.target.value.trim())}
            onKeyDown={(e) => e.key === 'Enter' && setFilter('tag', e.currentTarget.value.trim())}
          />
        </label>
        <label className="check">
          <input
            type="checkbox"
            checked={filters.featured === 'true'}
            onChange={(e) => setFilter('featured', e.target.checked ? 'true' : '')}
          />
          Featured only
        </label>
        {filterKey ? (
          <Link to="/ai-artist" className="link">
            Clear filters
          </Link>
        ) : null}
      </form>
      <SearchBar
        label="Search images"
        location={location}
        facets={listing.facets}
        names={{ status: 'Status', model_id: 'Model' }}
      />
      <p className="muted small">
        Keys: arrows move, Enter opens, <kbd>c</kbd> curate, <kbd>r</kbd> reject, <kbd>f</kbd>{' '}
        feature.{' '}
        <span role="status" aria-live="polite">
          {notice}
        </span>
      </p>
      <ErrorBanner error={actionError} />
      <ErrorBanner error={counts.error} onRetry={counts.reload} />
      <ErrorBanner error={listing.error} onRetry={() => void fetchPage(filterKey, listing.next)} />
      {listing.loading && listing.items.length === 0 ? <Loading what="Loading images" /> : null}
      {!listing.loading && !listing.error && listing.items.length === 0 ? (
        <p className="empty">No image matches these filters.</p>
      ) : null}
      {listing.items.length > 0 ? (
        <GalleryGrid
          images={listing.items}
          hasMore={Boolean(listing.next) && !listing.error}
          loadMore={loadMore}
          focusRequest={returnFocus}
          onOpen={(image) => navigate(withParams(location, { image: image.id }))}
          onAction={(image, action) => void act(image, action)}
        />
      ) : null}
      {openId ? (
        <ImageDetail
          id={openId}
          onClose={() => {
            setReturnFocus({ id: openId })
            navigate(withParams(location, { image: null }))
          }}
          onAction={(image, action) => act(image, action)}
        />
      ) : null}
    </div>
  )
}
