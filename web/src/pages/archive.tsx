import type {
  ActiveSession,
  AppSetting,
  OperationLogEntry,
  PresetSummary,
  ProjectStatistics,
} from '../../../src/stores/archive/tables'
import type { Page } from '../api'
import { useApi } from '../hooks'
import {
  ErrorBanner,
  formatDate,
  formatNumber,
  Loading,
  ProgressBar,
  Section,
  StatusBadge,
} from '../components/common'
import { Link, useLocation, withParams, type Location } from '../router'
import { ExportDownloads } from '../components/export-downloads'

/**
 * archive (seed 003): active sessions with progress bars, the operation log of the session in
 * `?session=`, presets, settings and the 30-day statistics.
 */
export default function Archive() {
  const location = useLocation()
  const active = useApi<Page<ActiveSession>>('/api/archive/active-sessions?limit=100')
  const open = active.data?.items
  const chosen = location.params.get('session') ?? open?.[0]?.session_id
  return (
    <div className="page">
      <h1>archive</h1>
      <ExportDownloads store="archive" />
      <Statistics30 />
      <Section title="Active sessions">
        <ErrorBanner error={active.error} onRetry={active.reload} />
        {active.loading && !active.data ? <Loading /> : null}
        {open?.length === 0 ? <p className="empty">No session is open.</p> : null}
        {open?.length ? (
          <table className="table" aria-label="Active sessions">
            <thead>
              <tr>
                <th>Artwork</th>
                <th>Status</th>
                <th>Progress</th>
                <th>Current operation</th>
                <th>Updated</th>
              </tr>
            </thead>
            <tbody>
              {open.map((s) => (
                <tr key={s.session_id} className={s.session_id === chosen ? 'selected' : undefined}>
                  <td>
                    <Link to={withParams(location, { session: s.session_id })}>
                      {s.artwork_name}
                    </Link>
                    <div className="muted small mono">{s.session_id}</div>
                  </td>
                  <td>
                    <StatusBadge status={s.status} />
                  </td>
                  <td>
                    <ProgressBar
                      value={Math.round(s.progress_percent ?? 0)}
                      max={100}
                      label={`Progress of ${s.artwork_name}`}
                    />
                  </td>
                  <td className="mono">{s.current_operation ?? '—'}</td>
                  <td>{formatDate(s.updated_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
      </Section>
      {chosen ? <OperationLog sessionId={chosen} /> : null}
      <div className="grid-2">
        <Presets />
        <Settings location={location} />
      </div>
    </div>
  )
}

function Statistics30() {
  const stats = useApi<ProjectStatistics>('/api/archive/statistics')
  const labels: [keyof ProjectStatistics, string][] = [
    ['total_projects', 'Projects'],
    ['successful_projects', 'Successful'],
    ['avg_processing_time', 'Avg processing (s)'],
    ['total_files_created', 'Files created'],
    ['total_output_size_mb', 'Output (MB)'],
    ['avg_compression_ratio', 'Avg compression'],
  ]
  return (
    <Section title="Last 30 days">
      <ErrorBanner error={stats.error} onRetry={stats.reload} />
      {stats.data ? (
        <dl className="counts" aria-label="30-day statistics">
          {labels.map(([key, label]) => (
            <div key={key} className="count">
              <dt>{label}</dt>
              <dd>{formatNumber(stats.data![key], 1)}</dd>
            </div>
          ))}
        </dl>
      ) : null}
    </Section>
  )
}

function OperationLog({ sessionId }: { sessionId: string }) {
  const log = useApi<Page<OperationLogEntry>>(
    `/api/archive/sessions/${encodeURIComponent(sessionId)}/operations?limit=200`,
  )
  return (
    <Section title={`Operation log of ${sessionId}`}>
      <ErrorBanner error={log.error} onRetry={log.reload} />
      {log.loading && !log.data ? <Loading /> : null}
      {log.data?.items.length === 0 ? <p className="empty">No operation logged yet.</p> : null}
      {log.data?.items.length ? (
        <table className="table" aria-label="Operation log">
          <thead>
            <tr>
              <th className="num">#</th>
              <th>Operation</th>
              <th>Status</th>
              <th>Progress</th>
              <th className="num">Duration (s)</th>
              <th>Started</th>
              <th>Problems</th>
            </tr>
          </thead>
          <tbody>
            {log.data.items.map((o) => (
              <tr key={o.id}>
                <td className="num">{o.sequence_number}</td>
                <td>
                  {o.operation_name}
                  <div className="muted small">{o.operation_type}</div>
                </td>
                <td>
                  <StatusBadge status={o.status} />
                </td>
                <td>
                  <ProgressBar
                    value={Math.round((o.progress ?? 0) * 100)}
                    max={100}
                    label={`Progress of ${o.operation_name}`}
                  />
                </td>
                <td className="num">{formatNumber(o.duration_seconds, 0)}</td>
                <td>{formatDate(o.start_time)}</td>
                <td className="error-text small">
                  {o.error_details ?? ''}
                  {o.warning_messages?.length ? o.warning_messages.join('; ') : ''}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </Section>
  )
}

function Presets() {
  const presets = useApi<PresetSummary[]>('/api/archive/presets')
  return (
    <Section title="Presets">
      <ErrorBanner error={presets.error} onRetry={presets.reload} />
      <table className="table" aria-label="Presets">
        <thead>
          <tr>
            <th>Preset</th>
            <th className="num">Uses</th>
            <th>Last used</th>
          </tr>
        </thead>
        <tbody>
          {presets.data?.map((p) => (
            <tr key={p.preset_id}>
              <td>
                {p.preset_name}{' '}
                {p.is_default ? <span className="badge badge-ok">default</span> : null}
                <div className="muted small">{p.description}</div>
              </td>
              <td className="num">{p.usage_count}</td>
              <td>{formatDate(p.last_used_at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Section>
  )
}

function Settings({ location }: { location: Location }) {
  const category = location.params.get('category') ?? ''
  const settings = useApi<AppSetting[]>(
    `/api/archive/settings${category ? `?category=${encodeURIComponent(category)}` : ''}`,
  )
  return (
    <Section
      title="Settings"
      actions={
        category ? (
          <Link to={withParams(location, { category: null })}>every category</Link>
        ) : undefined
      }
    >
      <ErrorBanner error={settings.error} onRetry={settings.reload} />
      <table className="table" aria-label="Settings">
        <thead>
          <tr>
            <th>Key</th>
            <th>Value</th>
            <th>Category</th>
          </tr>
        </thead>
        <tbody>
          {settings.data?.map((s) => (
            <tr key={s.key} title={s.description ?? undefined}>
              <td className="mono">{s.key}</td>
              <td>{typeof s.value === 'string' ? s.value : JSON.stringify(s.value)}</td>
              <td>
                {s.category ? (
                  <Link to={withParams(location, { category: s.category })}>{s.category}</Link>
                ) : (
                  '—'
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </Section>
  )
}
