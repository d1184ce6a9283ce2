import { useEffect, useState, type ReactNode } from 'react'
import { authHeaders, getToken, type ApiError } from '../api'

/** ErrorBanner shows an API failure to the person, with the field it names and a retry. */
export function ErrorBanner({
  error,
  onRetry,
}: {
  error: ApiError | undefined
  onRetry?: () => void
}) {
  if (!error) return null
  return (
    <div className="error" role="alert">
      <strong>{error.status ? `Error ${error.status}` : 'Error'}:</strong> {error.message}
      {error.field ? <span className="field"> (field: {error.field})</span> : null}
      {onRetry ? (
        <button type="button" className="link" onClick={onRetry}>
          Retry
        </button>
      ) : null}
    </div>
  )
}

/** Loading is the placeholder shown while a first answer is on its way. */
export function Loading({ what = 'Loading' }: { what?: string }) {
  return (
    <p className="muted" aria-busy="true">
      {what}…
    </p>
  )
}

/** Section is a titled card. */
export function Section({
  title,
  actions,
  children,
  className,
}: {
  title: ReactNode
  actions?: ReactNode
  children: ReactNode
  className?: string
}) {
  return (
    <section className={`card ${className ?? ''}`}>
      <header className="card-head">
        <h2>{title}</h2>
        {actions ? <div className="card-actions">{actions}</div> : null}
      </header>
      {children}
    </section>
  )
}

/**
 * ChoiceFilter is a filter's select: a first, empty choice (`anyLabel`) for "no filter", then
 * `options`; it calls onChange with the value chosen ('' for any).
 */
export function ChoiceFilter({
  label,
  value,
  options,
  onChange,
  anyLabel = 'all',
  id,
}: {
  label: string
  value: string
  options: readonly string[]
  onChange: (value: string) => void
  anyLabel?: string
  id?: string
}) {
  return (
    <select id={id} aria-label={label} value={value} onChange={(e) => onChange(e.target.value)}>
      <option value="">{anyLabel}</option>
      {options.map((option) => (
        <option key={option}>{option}</option>
      ))}
    </select>
  )
}

/** StatusBadge colours a status by its meaning. */
export function StatusBadge({ status }: { status: string }) {
  return <span className={`badge badge-${status.replace(/[^a-z_-]/gi, '')}`}>{status}</span>
}

/** Counts shows `{status: n}` as a row of labelled numbers. */
export function Counts({ counts, label }: { counts: Record<string, number>; label: string }) {
  return (
    <dl className="counts" aria-label={label}>
      {Object.entries(counts).map(([key, n]) => (
        <div key={key} className={`count count-${key}`}>
          <dt>{key}</dt>
          <dd>{n.toLocaleString()}</dd>
        </div>
      ))}
    </dl>
  )
}

/** ProgressBar shows progress as a bar with the percentage as its label. */
export function ProgressBar({ value, max, label }: { value: number; max: number; label: string }) {
  const percent = max > 0 ? Math.min(100, Math.round((value / max) * 100)) : 0
  return (
    <div
      className="progress"
      role="progressbar"
      aria-label={label}
      aria-valuenow={percent}
      aria-valuemin={0}
      aria-valuemax={100}
    >
      <div className="progress-fill" style={{ width: `${percent}%` }} />
      <span className="progress-text">
        {max === 100
          ? `${percent}%`
          : `${value.toLocaleString()} / ${max.toLocaleString()} (${percent}%)`}
      </span>
    </div>
  )
}

/** formatBytes renders a size for people. */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined) return '—'
  const units = ['B', 'KB', 'MB', 'GB', 'TB']
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`
}

/** formatDate renders an ISO timestamp in the person's locale (— when absent). */
export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '—'
  const date = new Date(iso)
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString()
}

/** formatNumber rounds to `digits` decimals (— when absent). */
export function formatNumber(value: number | null | undefined, digits = 2): string {
  if (value === null || value === undefined) return '—'
  return Number.isInteger(value) ? value.toLocaleString() : value.toFixed(digits)
}

/** Json shows a JSON value readably. */
export function Json({ value }: { value: unknown }) {
  return <pre className="json">{JSON.stringify(value, null, 2)}</pre>
}

/**
 * AuthImage shows an image served by the API. Without a token the browser loads it directly
 * (and caches it); with one, an <img> cannot send the Authorization header, so the image is
 * fetched with it and shown from an object URL.
 */
export function AuthImage({
  src,
  alt,
  className,
}: {
  src: string
  alt: string
  className?: string
}) {
  // Only the API's own URLs take the token; a presigned S3 URL must be fetched as it is.
  const sameOrigin = new URL(src, window.location.href).origin === window.location.origin
  const token = sameOrigin ? getToken() : ''
  const [objectUrl, setObjectUrl] = useState<string>()
  const [failed, setFailed] = useState(false)
  useEffect(() => {
    if (!token) return
    let url: string | undefined
    let cancelled = false
    fetch(src, { headers: authHeaders() })
      .then((r) => (r.ok ? r.blob() : Promise.reject(new Error(String(r.status)))))
      .then((blob) => {
        if (cancelled) return
        url = URL.createObjectURL(blob)
        setObjectUrl(url)
      })
      .catch(() => !cancelled && setFailed(true))
    return () => {
      cancelled = true
      if (url) URL.revokeObjectURL(url)
    }
  }, [src, token])
  if (failed) return <div className={`img-missing ${className ?? ''}`}>no image</div>
  const shown = token ? objectUrl : src
  if (!shown) return <div className={`img-loading ${className ?? ''}`} />
  return (
    <img
      src={shown}
      alt={alt}
      className={className}
      loading="lazy"
      decoding="async"
      onError={() => setFailed(true)}
    />
  )
}
