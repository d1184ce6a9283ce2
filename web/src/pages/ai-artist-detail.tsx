import { useEffect, useRef, useState } from 'react'
import { useApi } from '../hooks'
import {
  AuthImage,
  ErrorBanner,
  formatDate,
  formatNumber,
  Json,
  Loading,
  StatusBadge,
} from '../components/common'
import { thumbnailUrl, type CurationAction, type GeneratedImage } from './ai-artist-api'

interface ImageDetailProps {
  id: number
  onClose: () => void
  /** Applies an action and returns the changed image (undefined when it failed; the page shows why). */
  onAction: (image: GeneratedImage, action: CurationAction) => Promise<GeneratedImage | undefined>
}

/**
 * ImageDetail is the dialog of one image: its prompt, parameters, seed and scores, with
 * curate / reject / feature. Escape or the close button returns to the grid.
 */
export function ImageDetail({ id, onClose, onAction }: ImageDetailProps) {
  const loaded = useApi<GeneratedImage>(`/api/ai-artist/images/${id}`)
  const [image, setImage] = useState<GeneratedImage>()
  const dialog = useRef<HTMLDivElement>(null)
  useEffect(() => setImage(loaded.data), [loaded.data])
  useEffect(() => dialog.current?.focus(), [])

  const act = async (action: CurationAction) => {
    if (!image) return
    const changed = await onAction(image, action)
    if (changed) setImage(changed)
  }

  return (
    <div className="overlay" onClick={(e) => e.target === e.currentTarget && onClose()}>
      <div
        ref={dialog}
        className="dialog"
        role="dialog"
        aria-modal="true"
        aria-label={`Image ${id}`}
        tabIndex={-1}
        onKeyDown={(e) => {
          if (e.key === 'Escape') {
            e.preventDefault()
            onClose()
          }
        }}
      >
        <header className="dialog-head">
          <h2>Image #{id}</h2>
          <button type="button" className="ghost" onClick={onClose} aria-label="Close">
            ✕
          </button>
        </header>
        <ErrorBanner error={loaded.error} onRetry={loaded.reload} />
        {!image && loaded.loading ? <Loading what="Loading the image" /> : null}
        {image ? (
          <div className="detail">
            <div className="detail-image">
              <AuthImage src={thumbnailUrl(image.id)} alt={image.prompt} className="detail-img" />
              <div className="detail-actions">
                <button type="button" onClick={() => void act('curate')}>
                  Curate
                </button>
                <button type="button" className="danger" onClick={() => void act('reject')}>
                  Reject
                </button>
                <button
                  type="button"
                  onClick={() => void act(image.is_featured ? 'unfeature' : 'feature')}
                >
                  {image.is_featured ? 'Unfeature' : 'Feature'}
                </button>
              </div>
            </div>
            <dl className="facts">
              <dt>Status</dt>
              <dd data-testid="detail-status">
                <StatusBadge status={image.status} />
                {image.is_featured ? ' ★ featured' : ''}
              </dd>
              <dt>Prompt</dt>
              <dd className="prompt">{image.prompt}</dd>
              <dt>Negative prompt</dt>
              <dd>{image.negative_prompt ?? '—'}</dd>
              <dt>Model</dt>
              <dd>{image.model_id}</dd>
              <dt>Seed</dt>
              <dd>{image.seed ?? '—'}</dd>
              <dt>Scores</dt>
              <dd>
                <table className="scores">
                  <tbody>
                    {(
                      [
                        ['final', image.final_score],
                        ['aesthetic', image.aesthetic_score],
                        ['clip', image.clip_score],
                        ['technical', image.technical_score],
                        ['diversity', image.diversity_score],
                      ] as const
                    ).map(([name, value]) => (
                      <tr key={name}>
                        <th>{name}</th>
                        <td className="num">{formatNumber(value, 3)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </dd>
              <dt>Tags</dt>
              <dd>{image.tags?.length ? image.tags.join(', ') : '—'}</dd>
              <dt>File</dt>
              <dd className="mono">{image.filename}</dd>
              {image.source_url ? (
                <>
                  <dt>Source</dt>
                  <dd>
                    <a href={image.source_url} target="_blank" rel="noreferrer">
                      {image.source_query ?? image.source_url}
                    </a>
                  </dd>
                </>
              ) : null}
              <dt>Created</dt>
              <dd>{formatDate(image.created_at)}</dd>
              <dt>Parameters</dt>
              <dd>
                <Json value={image.generation_params} />
              </dd>
            </dl>
          </div>
        ) : null}
      </div>
    </div>
  )
}
