import { useEffect, useLayoutEffect, useRef, useState, type KeyboardEvent } from 'react'
import { useVirtualizer } from '@tanstack/react-virtual'
import { AuthImage, StatusBadge } from './common'
import { thumbnailUrl, type CurationAction, type GeneratedImage } from '../pages/ai-artist-api'

const TILE = 184
const GAP = 12
const ROW = TILE + 44

interface GalleryGridProps {
  images: GeneratedImage[]
  /** More pages exist: the grid asks for the next one when the person nears the end. */
  hasMore: boolean
  loadMore: () => void
  onOpen: (image: GeneratedImage) => void
  onAction: (image: GeneratedImage, action: CurationAction) => void
  /** The image whose tile takes focus again (after the detail view closes); a new object each time. */
  focusRequest?: { id: number }
}

/**
 * GalleryGrid shows images as a virtualised grid: only the rows on screen (and a few around
 * them) exist in the page, so it stays smooth however many images are loaded. Keyboard: arrow
 * keys, Home and End move the focus, Enter opens the detail, c / r / f curate, reject and
 * feature the focused image.
 */
export function GalleryGrid({
  images,
  hasMore,
  loadMore,
  onOpen,
  onAction,
  focusRequest,
}: GalleryGridProps) {
  const scrollRef = useRef<HTMLDivElement>(null)
  const [columns, setColumns] = useState(4)
  const [focus, setFocus] = useState(0)
  const moveFocus = useRef(false)

  useLayoutEffect(() => {
    const element = scrollRef.current
    if (!element) return
    const measure = () =>
      setColumns(Math.max(1, Math.floor((element.clientWidth - GAP) / (TILE + GAP))))
    measure()
    const observer = new ResizeObserver(measure)
    observer.observe(element)
    return () => observer.disconnect()
  }, [])

  const rowCount = Math.ceil(images.length / columns)
  const virtualizer = useVirtualizer({
    count: rowCount,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW,
    overscan: 3,
  })
  const rows = virtualizer.getVirtualItems()
  const lastRow = rows.at(-1)?.index ?? 0

  useEffect(() => {
    if (hasMore && lastRow >= rowCount - 3) loadMore()
  }, [hasMore, lastRow, rowCount, loadMore])

  useEffect(() => {
    if (focus >= images.length && images.length > 0) setFocus(images.length - 1)
  }, [focus, images.length])

  useEffect(() => {
    if (!focusRequest) return
    const index = images.findIndex((i) => i.id === focusRequest.id)
    if (index < 0) return
    setFocus(index)
    moveFocus.current = true
    // Runs once per closed detail view: a later page of images must not pull the focus back.
  }, [focusRequest])

  useEffect(() => {
    if (!moveFocus.current) return
    const tile = scrollRef.current?.querySelector<HTMLElement>(`[data-index="${focus}"]`)
    if (tile) {
      moveFocus.current = false
      tile.focus({ preventScroll: false })
    }
  })

  const go = (index: number) => {
    const target = Math.max(0, Math.min(images.length - 1, index))
    setFocus(target)
    moveFocus.current = true
    virtualizer.scrollToIndex(Math.floor(target / columns), { align: 'auto' })
  }

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if (event.altKey || event.ctrlKey || event.metaKey) return
    const image = images[focus]
    const moves: Record<string, number> = {
      ArrowRight: focus + 1,
      ArrowLeft: focus - 1,
      ArrowDown: focus + columns,
      ArrowUp: focus - columns,
      PageDown: focus + columns * 3,
      PageUp: focus - columns * 3,
      Home: 0,
      End: images.length - 1,
    }
    const target = moves[event.key]
    if (target !== undefined) {
      event.preventDefault()
      go(target)
      return
    }
    if (!image) return
    const actions: Record<string, CurationAction> = {
      c: 'curate',
      r: 'reject',
      f: image.is_featured ? 'unfeature' : 'feature',
    }
    if (event.key === 'Enter') {
      event.preventDefault()
      onOpen(image)
    } else if (actions[event.key.toLowerCase()]) {
      event.preventDefault()
      onAction(image, actions[event.key.toLowerCase()]!)
    }
  }

  return (
    <div
      ref={scrollRef}
      className="gallery-scroll"
      role="grid"
      aria-label="Images"
      aria-rowcount={rowCount}
      onKeyDown={onKeyDown}
    >
      <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
        {rows.map((row) => (
          <div
            key={row.key}
            role="row"
            aria-rowindex={row.index + 1}
            className="gallery-row"
            style={{ transform: `translateY(${row.start}px)`, height: ROW, gap: GAP }}
          >
            {images.slice(row.index * columns, (row.index + 1) * columns).map((image, i) => {
              const index = row.index * columns + i
              return (
                <Tile
                  key={image.id}
                  image={image}
                  index={index}
                  focused={index === focus}
                  onFocus={() => setFocus(index)}
                  onOpen={() => onOpen(image)}
                  onAction={(action) => onAction(image, action)}
                />
              )
            })}
          </div>
        ))}
      </div>
      {hasMore ? <p className="muted gallery-more">Loading more images…</p> : null}
    </div>
  )
}

function Tile(props: {
  image: GeneratedImage
  index: number
  focused: boolean
  onFocus: () => void
  onOpen: () => void
  onAction: (action: CurationAction) => void
}) {
  const { image } = props
  return (
    <div role="gridcell" className={`tile tile-${image.status}`} style={{ width: TILE }}>
      <button
        type="button"
        className="tile-open"
        data-index={props.index}
        data-id={image.id}
        tabIndex={props.focused ? 0 : -1}
        onFocus={props.onFocus}
        onClick={props.onOpen}
        aria-label={`Image ${image.id}, ${image.status}${image.is_featured ? ', featured' : ''}, score ${image.final_score ?? 'none'}: ${image.prompt}`}
      >
        <AuthImage src={thumbnailUrl(image.id)} alt="" className="tile-img" />
      </button>
      <div className="tile-meta">
        <span className="tile-id">#{image.id}</span>
        <StatusBadge status={image.status} />
        {image.is_featured ? (
          <span className="star" title="featured">
            ★
          </span>
        ) : null}
        <span className="tile-score">{image.final_score?.toFixed(1) ?? '—'}</span>
      </div>
      <div className="tile-actions">
        <button
          type="button"
          tabIndex={-1}
          title="Curate (c)"
          onClick={() => props.onAction('curate')}
        >
          ✓
        </button>
        <button
          type="button"
          tabIndex={-1}
          title="Reject (r)"
          onClick={() => props.onAction('reject')}
        >
          ✕
        </button>
        <button
          type="button"
          tabIndex={-1}
          title={image.is_featured ? 'Unfeature (f)' : 'Feature (f)'}
          onClick={() => props.onAction(image.is_featured ? 'unfeature' : 'feature')}
        >
          {image.is_featured ? '☆' : '★'}
        </button>
      </div>
    </div>
  )
}
