import type { StoreState } from '../../../src/core/store'
import type { LastVerifiedBackup, StoreHealth } from '../../../src/server/store-status'
import { useApi } from '../hooks'
import { ErrorBanner, formatBytes, formatDate, Loading, Section } from '../components/common'
import { Link } from '../router'

/**
 * StoreReport is what GET /api/stores answers per store: its state, with `health` and
 * `lastVerifiedBackup` when the server reports them (`genmedia serve` does).
 */
interface StoreReport extends StoreState {
  health?: StoreHealth
  lastVerifiedBackup?: LastVerifiedBackup | null
  /**
   * `adoptable`: the location holds a pipeline's own database, not opened until `genmedia
   * adopt` takes it over (`incompatible`: one adopt would refuse); `message` says what to do.
   */
  status?: 'adoptable' | 'incompatible'
  message?: string
}

interface Health {
  status: string
  version: string
  stores: string[]
}

const PAGE_OF: Record<string, string> = {
  'ai-artist': '/ai-artist',
  'image-gen': '/image-gen',
  'video-batch': '/video-batch',
  trends: '/studio',
  metrics: '/studio',
  'image-library': '/studio',
  archive: '/archive',
}

/** Overview lists every store with its engine, size, rows, schema version, health and last backup. */
export default function Overview() {
  const health = useApi<Health>('/api/health')
  const stores = useApi<StoreReport[]>('/api/stores')
  return (
    <div className="page">
      <h1>Overview</h1>
      <ErrorBanner error={health.error ?? stores.error} onRetry={stores.reload} />
      {health.data ? (
        <p className="muted">
          Server {health.data.status}, genmedia {health.data.version}, {health.data.stores.length}{' '}
          stores. API reference: <a href="/api/docs">/api/docs</a>
        </p>
      ) : null}
      {stores.loading && !stores.data ? <Loading what="Reading the stores" /> : null}
      {stores.data ? (
        <Section title="Stores">
          <table className="table" aria-label="Stores">
            <thead>
              <tr>
                <th>Store</th>
                <th>Engine</th>
                <th>Schema</th>
                <th>Rows</th>
                <th className="num">Size</th>
                <th>Health</th>
                <th>Last verified backup</th>
              </tr>
            </thead>
            <tbody>
              {stores.data.map((s) => (
                <tr key={s.store} data-store={s.store}>
                  <td>
                    {PAGE_OF[s.store] ? (
                      <Link to={PAGE_OF[s.store]!}>{s.store}</Link>
                    ) : (
                      <strong>{s.store}</strong>
                    )}
                    <div className="muted small" title={s.location}>
                      seed {s.seed} · {s.schema ?? shortLocation(s.location)}
                    </div>
                  </td>
                  <td>{s.engine}</td>
                  <td>
                    {s.status ? (
                      <span
                        className={`badge badge-${s.status === 'adoptable' ? 'pending' : 'failed'}`}
                      >
                        {s.status}
                      </span>
                    ) : null}
                    {s.status ? null : `v${s.schemaVersion}/${s.latestVersion}`}
                    {!s.status && s.schemaVersion < s.latestVersion ? (
                      <span className="badge badge-failed"> behind</span>
                    ) : null}
                  </td>
                  <td>
                    <ul className="rows">
                      {Object.entries(s.rowCounts).map(([table, n]) => (
                        <li key={table}>
                          <span>{table}</span> <span className="num">{n.toLocaleString()}</span>
                        </li>
                      ))}
                    </ul>
                  </td>
                  <td className="num">{formatBytes(s.sizeBytes)}</td>
                  <td>{healthOf(s)}</td>
                  <td>{backupOf(s)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Section>
      ) : null}
    </div>
  )
}

function shortLocation(location: string): string {
  return location.split(/[\\/]/).pop() ?? location
}

function healthOf(s: StoreReport) {
  if (s.status) return <span className="muted small">{s.message}</span>
  if (!s.health) return <span className="muted">not reported</span>
  const { status, checks: problems } = s.health
  return (
    <span title={problems.map((p) => p.message).join('\n') || undefined}>
      <span className={`badge badge-${status}`}>{status}</span>
      {problems.length ? <span className="muted small"> {problems.length} finding(s)</span> : null}
    </span>
  )
}

function backupOf(s: StoreReport) {
  const backup = s.lastVerifiedBackup
  if (!backup) return <span className="muted">none</span>
  return formatDate(backup.at)
}
