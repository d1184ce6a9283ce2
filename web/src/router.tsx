import { useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent } from 'react'

/**
 * A small router over the History API: the path picks the page, the search parameters hold
 * filters and selections, so every view is a shareable link.
 */
const CHANGE = 'genmedia:navigate'

function subscribe(callback: () => void): () => void {
  window.addEventListener('popstate', callback)
  window.addEventListener(CHANGE, callback)
  return () => {
    window.removeEventListener('popstate', callback)
    window.removeEventListener(CHANGE, callback)
  }
}

const snapshot = () => window.location.pathname + window.location.search

/** navigate moves to `to` (a path with an optional `?search`), adding a history entry unless replace. */
export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (to === snapshot()) return
  if (options.replace) window.history.replaceState(null, '', to)
  else window.history.pushState(null, '', to)
  window.dispatchEvent(new Event(CHANGE))
}

export interface Location {
  path: string
  params: URLSearchParams
}

/** useLocation re-renders on every navigation and returns the current path and search. */
export function useLocation(): Location {
  const href = useSyncExternalStore(subscribe, snapshot)
  const url = new URL(href, window.location.origin)
  return { path: url.pathname.replace(/\/+$/, '') || '/', params: url.searchParams }
}

/**
 * withParams returns `path` with the current search parameters changed by `changes` (a null or
 * empty value removes the parameter).
 */
export function withParams(
  location: Location,
  changes: Record<string, string | number | null | undefined>,
  path = location.path,
): string {
  const params = new URLSearchParams(location.params)
  for (const [key, value] of Object.entries(changes)) {
    if (value === null || value === undefined || value === '') params.delete(key)
    else params.set(key, String(value))
  }
  const search = params.toString()
  return search ? `${path}?${search}` : path
}

/** Link is an anchor that navigates without reloading the page (modified clicks still open tabs). */
export function Link({
  to,
  replace,
  ...rest
}: AnchorHTMLAttributes<HTMLAnchorElement> & { to: string; replace?: boolean }) {
  const onClick = (event: MouseEvent<HTMLAnchorElement>) => {
    rest.onClick?.(event)
    if (event.defaultPrevented || event.button !== 0) return
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return
    event.preventDefault()
    navigate(to, { replace })
  }
  return <a {...rest} href={to} onClick={onClick} />
}
