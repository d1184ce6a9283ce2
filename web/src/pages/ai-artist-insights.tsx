import type {
  CreationSession,
  DailyCreationStatistics,
  QualityTier,
  TrainingSession,
} from '../../../src/stores/ai-artist/tables'
import type { Page } from '../api'
import { useApi } from '../hooks'
import {
  ErrorBanner,
  formatDate,
  formatNumber,
  Loading,
  Section,
  StatusBadge,
} from '../components/common'
import { BarChart, LineChart } from '../components/charts'
import { Link } from '../router'

/** ai-artist's training runs, daily creation statistics and quality distribution, with charts. */
export default function AiArtistInsights() {
  const training = useApi<Page<TrainingSession>>('/api/ai-artist/training-sessions?limit=50')
  const daily = useApi<DailyCreationStatistics[]>(
    '/api/ai-artist/queries/daily-creation-statistics',
  )
  const tiers = useApi<QualityTier[]>('/api/ai-artist/queries/quality-distribution')
  const creations = useApi<Page<CreationSession>>('/api/ai-artist/creation-sessions?limit=20')
  const days = [...(daily.data ?? [])].sort((a, b) => a.date.localeCompare(b.date))
  return (
    <div className="page">
      <div className="page-head">
        <h1>ai-artist: training &amp; statistics</h1>
        <nav className="tabs" aria-label="ai-artist">
          <Link to="/ai-artist">Gallery</Link>
          <Link to="/ai-artist/insights" aria-current="page">
            Training &amp; statistics
          </Link>
        </nav>
      </div>
      <div className="grid-2">
        <Section title="Daily creation">
          <ErrorBanner error={daily.error} onRetry={daily.reload} />
          {daily.loading && !daily.data ? <Loading /> : null}
          {days.length ? (
            <LineChart
              label="Images created and kept per day, with average quality"
              labels={days.map((d) => d.date)}
              series={[
                { label: 'created', data: days.map((d) => d.total_created) },
                { label: 'kept', data: days.map((d) => d.total_kept) },
                { label: 'avg quality', data: days.map((d) => d.avg_quality), right: true },
              ]}
            />
          ) : daily.data ? (
            <p className="empty">No creation sessions in the last 30 days.</p>
          ) : null}
        </Section>
        <Section title="Quality of curated images">
          <ErrorBanner error={tiers.error} onRetry={tiers.reload} />
          {tiers.data ? (
            <BarChart
              label="Curated images per quality tier"
              labels={tiers.data.map((t) => t.quality_tier)}
              series={[{ label: 'images', data: tiers.data.map((t) => t.count) }]}
            />
          ) : null}
        </Section>
      </div>
      <Section title="Training sessions">
        <ErrorBanner error={training.error} onRetry={training.reload} />
        {training.loading && !training.data ? <Loading /> : null}
        {training.data ? (
          <table className="table" aria-label="Training sessions">
            <thead>
              <tr>
                <th>Name</th>
                <th>Status</th>
                <th className="num">Dataset</th>
                <th className="num">Final loss</th>
                <th className="num">Hours</th>
                <th>Started</th>
                <th>Completed</th>
              </tr>
            </thead>
            <tbody>
              {training.data.items.map((t) => (
                <tr key={t.id}>
                  <td>
                    {t.name}
                    <div className="muted small mono">{t.model_path}</div>
                  </td>
                  <td>
                    <StatusBadge status={t.status ?? '—'} />
                  </td>
                  <td className="num">{formatNumber(t.dataset_size)}</td>
                  <td className="num">{formatNumber(t.final_loss, 4)}</td>
                  <td className="num">
                    {t.training_time_seconds === null
                      ? '—'
                      : (t.training_time_seconds / 3600).toFixed(2)}
                  </td>
                  <td>{formatDate(t.started_at)}</td>
                  <td>{formatDate(t.completed_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
      </Section>
      <Section title="Recent creation sessions">
        <ErrorBanner error={creations.error} onRetry={creations.reload} />
        {creations.data ? (
          <table className="table" aria-label="Creation sessions">
            <thead>
              <tr>
                <th>Theme</th>
                <th className="num">Created</th>
                <th className="num">Kept</th>
                <th className="num">Avg score</th>
                <th>Started</th>
                <th>Completed</th>
              </tr>
            </thead>
            <tbody>
              {creations.data.items.map((c) => (
                <tr key={c.id}>
                  <td>{c.theme ?? '—'}</td>
                  <td className="num">{c.images_created}</td>
                  <td className="num">{c.images_kept}</td>
                  <td className="num">{formatNumber(c.avg_score)}</td>
                  <td>{formatDate(c.started_at)}</td>
                  <td>{formatDate(c.completed_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
      </Section>
    </div>
  )
}
