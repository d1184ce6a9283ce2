import { Component, lazy, Suspense, useState, type ComponentType, type ReactNode } from 'react'
import { getToken, setToken } from './api'
import { Loading } from './components/common'
import { Link, useLocation } from './router'

// Each page is its own chunk: the gallery does not wait for the charting library.
const PAGES: Record<string, ComponentType> = {
  '/': lazy(() => import('./pages/overview')),
  '/ai-artist': lazy(() => import('./pages/ai-artist-gallery')),
  '/ai-artist/insights': lazy(() => import('./pages/ai-artist-insights')),
  '/image-gen': lazy(() => import('./pages/image-gen')),
  '/video-batch': lazy(() => import('./pages/video-batch')),
  '/studio': lazy(() => import('./pages/studio')),
  '/archive': lazy(() => import('./pages/archive')),
}

const NAV: [string, string][] = [
  ['/', 'Overview'],
  ['/ai-artist', 'ai-artist'],
  ['/image-gen', 'image-gen'],
  ['/video-batch', 'video-batch'],
  ['/studio', 'Studio'],
  ['/archive', 'archive'],
]

/** App is the dashboard: a navigation bar and the page the URL names. */
export function App() {
  const { path } = useLocation()
  const Page = PAGES[path]
  const section = NAV.filter(([to]) => to !== '/' && path.startsWith(to))[0]?.[0] ?? path
  return (
    <>
      <header className="topbar">
        <Link to="/" className="brand">
          genmedia
        </Link>
        <nav aria-label="Stores">
          {NAV.map(([to, label]) => (
            <Link key={to} to={to} aria-current={section === to ? 'page' : undefined}>
              {label}
            </Link>
          ))}
        </nav>
        <TokenSetting />
      </header>
      <main>
        <ErrorBoundary key={path}>
          <Suspense fallback={<Loading what="Loading the page" />}>
            {Page ? <Page /> : <NotFound path={path} />}
          </Suspense>
        </ErrorBoundary>
      </main>
    </>
  )
}

function NotFound({ path }: { path: string }) {
  return (
    <div className="error" role="alert">
      There is no page at {path}. <Link to="/">Go to the overview</Link>.
    </div>
  )
}

/** TokenSetting keeps the API token this browser sends (needed once tokens exist). */
function TokenSetting() {
  const [open, setOpen] = useState(false)
  const [value, setValue] = useState(getToken())
  return (
    <div className="token">
      <button type="button" className="ghost" onClick={() => setOpen(!open)} aria-expanded={open}>
        {getToken() ? 'Token set' : 'API token'}
      </button>
      {open ? (
        <form
          className="token-form"
          onSubmit={(event) => {
            event.preventDefault()
            setToken(value.trim())
            window.location.reload()
          }}
        >
          <label>
            API token{' '}
            <input
              type="password"
              value={value}
              onChange={(e) => setValue(e.target.value)}
              placeholder="needed when the server requires tokens"
              autoComplete="off"
            />
          </label>
          <button type="submit">Save</button>
        </form>
      ) : null}
    </div>
  )
}

/** ErrorBoundary shows a page that failed to render instead of a blank screen. */
class ErrorBoundary extends Component<{ children: ReactNode }, { error?: Error }> {
  override state: { error?: Error } = {}

  static getDerivedStateFromError(error: Error) {
    return { error }
  }

  override render() {
    if (this.state.error) {
      return (
        <div className="error" role="alert">
          This page failed: {this.state.error.message}{' '}
          <button type="button" className="link" onClick={() => window.location.reload()}>
            Reload
          </button>
        </div>
      )
    }
    return this.props.children
  }
}
