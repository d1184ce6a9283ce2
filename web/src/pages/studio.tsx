import type {
  CollectionImage,
  EmotionCoverage,
  ImageCollection,
  LibraryImage,
} from '../../../src/stores/image-library/tables'
import type {
  PlatformSummary as PlatformSummaryRow,
  VideoMetadata,
  VideoMetrics,
} from '../../../src/stores/metrics/tables'
import type { SourceCount, TrendingTopic } from '../../../src/stores/trends/tables'
import { query, type Page } from '../api'
import { useApi } from '../hooks'
import { ChoiceFilter, ErrorBanner, formatNumber, Loading, Section } from '../components/common'
import { BarChart, LineChart } from '../components/charts'
import { navigate, useLocation, withParams, type Location } from '../router'
import { ExportDownloads } from '../components/export-downloads'
import { SearchBar, searchParams, type ListPage } from '../components/search-bar'

/**
 * Studio, seed 002's content pipeline: unused trending topics by relevance, per-platform
 * metrics over time, the character image library with usage counts, and collections.
 * `?video=`, `?video_q=`, `?topic=`, `?q=`, `?character=`, `?emotion=`, `?pose=` and
 * `?collection=` are in the URL.
 */
export default function Studio() {
  const location = useLocation()
  return (
    <div className="page">
      <h1>Studio</h1>
      <ExportDownloads store="trends" />
      <ExportDownloads store="metrics" />
      <ExportDownloads store="image-library" />
      <div className="grid-2">
        <Topics />
        <PlatformSummary />
      </div>
      <MetricsOverTime location={location} />
      <Library location={location} />
      <Collections location={location} />
    </div>
  )
}

function Topics() {
  const topics = useApi<Pick<TrendingTopic, 'topic' | 'relevance_score'>[]>(
    '/api/trends/queries/unused-topics?limit=10',
  )
  const sources = useApi<SourceCount[]>('/api/trends/queries/topics-by-source')
  return (
    <Section title="Unused trending topics">
      <ErrorBanner error={topics.error ?? sources.error} onRetry={topics.reload} />
      {topics.loading && !topics.data ? <Loading /> : null}
      <table className="table" aria-label="Unused topics">
        <thead>
          <tr>
            <th>Topic</th>
            <th className="num">Relevance</th>
          </tr>
        </thead>
        <tbody>
          {topics.data?.map((t) => (
            <tr key={t.topic}>
              <td>{t.topic}</td>
              <td className="num">{formatNumber(t.relevance_score)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {sources.data ? (
        <p className="muted small">
          {sources.data.map((s) => `${s.source}: ${s.unused} unused of ${s.total}`).join(' · ')}
        </p>
      ) : null}
    </Section>
  )
}

function PlatformSummary() {
  const summary = useApi<PlatformSummaryRow[]>('/api/metrics/queries/platform-summary')
  return (
    <Section title="Platforms (latest snapshots)">
      <ErrorBanner error={summary.error} onRetry={summary.reload} />
      {summary.data ? (
        <BarChart
          label="Total views and average engagement per platform"
          labels={summary.data.map((p) => p.platform)}
          series={[
            { label: 'total views', data: summary.data.map((p) => p.total_views) },
            {
              label: 'avg engagement %',
              data: summary.data.map((p) =>
                p.avg_engagement_rate === null ? null : p.avg_engagement_rate * 100,
              ),
              right: true,
            },
          ]}
        />
      ) : null}
    </Section>
  )
}

function MetricsOverTime({ location }: { location: Location }) {
  const videos = useApi<ListPage<VideoMetadata>>(
    `/api/metrics/videos${query({
      status: 'posted',
      limit: 100,
      topic: location.params.get('topic'),
      ...searchParams(location, ['topic'], 'video_q'),
    })}`,
  )
  const chosen = location.params.get('video') ?? videos.data?.items[0]?.video_id
  const history = useApi<Page<VideoMetrics>>(
    chosen ? `/api/metrics/videos/${encodeURIComponent(chosen)}/history?limit=500` : null,
  )
  const snapshots = history.data?.items ?? []
  const days = [...new Set(snapshots.map((s) => s.timestamp.slice(0, 10)))].sort()
  const platforms = [...new Set(snapshots.map((s) => s.platform))].sort()
  const viewsOn = (platform: string) =>
    days.map((day) => {
      const onDay = snapshots.filter((s) => s.platform === platform && s.timestamp.startsWith(day))
      return onDay.length ? onDay.at(-1)!.views : null
    })
  return (
    <Section
      title="Metrics over time"
      actions={
        <select
          aria-label="Video"
          value={chosen ?? ''}
          onChange={(e) => navigate(withParams(location, { video: e.target.value }))}
        >
          {videos.data?.items.map((v) => (
            <option key={v.video_id} value={v.video_id}>
              {v.title ?? v.video_id}
            </option>
          ))}
        </select>
      }
    >
      <SearchBar
        label="Search videos"
        param="video_q"
        location={location}
        facets={videos.data?.facets}
        names={{ topic: 'Topic' }}
      />
      <ErrorBanner error={videos.error ?? history.error} onRetry={history.reload} />
      {history.loading && !history.data ? <Loading /> : null}
      {videos.data?.items.length === 0 ? <p className="empty">No posted videos.</p> : null}
      {snapshots.length ? (
        <LineChart
          label="Views per platform over time"
          labels={days}
          series={platforms.map((p) => ({ label: `${p} views`, data: viewsOn(p) }))}
        />
      ) : history.data ? (
        <p className="empty">No snapshots of this video yet.</p>
      ) : null}
    </Section>
  )
}

function Library({ location }: { location: Location }) {
  const filter = {
    character: location.params.get('character') ?? '',
    emotion: location.params.get('emotion') ?? '',
    pose: location.params.get('pose') ?? '',
  }
  const coverage = useApi<EmotionCoverage[]>('/api/image-library/queries/images-by-character')
  const images = useApi<ListPage<LibraryImage>>(
    `/api/image-library/images${query({
      ...filter,
      limit: 100,
      ...searchParams(location, ['character', 'emotion', 'pose']),
    })}`,
  )
  const characters = [...new Set(coverage.data?.map((c) => c.character) ?? [])]
  const emotions = [...new Set(coverage.data?.map((c) => c.emotion) ?? [])]
  const set = (key: string, value: string) =>
    navigate(withParams(location, { [key]: value }), { replace: true })
  return (
    <Section title="Character image library">
      <ErrorBanner error={coverage.error ?? images.error} onRetry={images.reload} />
      {coverage.data ? (
        <BarChart
          label="Images and uses per character and emotion"
          height={200}
          labels={coverage.data.map((c) => `${c.character} · ${c.emotion}`)}
          series={[
            { label: 'images', data: coverage.data.map((c) => c.images) },
            { label: 'uses', data: coverage.data.map((c) => c.uses) },
          ]}
        />
      ) : null}
      <form className="filters" aria-label="Library filters" onSubmit={(e) => e.preventDefault()}>
        <label className="field">
          <span>Character</span>
          <ChoiceFilter
            label="Character"
            value={filter.character}
            options={characters}
            onChange={(v) => set('character', v)}
          />
        </label>
        <label className="field">
          <span>Emotion</span>
          <ChoiceFilter
            label="Emotion"
            value={filter.emotion}
            options={emotions}
            onChange={(v) => set('emotion', v)}
          />
        </label>
        <label className="field">
          <span>Pose</span>
          <input
            aria-label="Pose"
            defaultValue={filter.pose}
            key={filter.pose}
            placeholder="any pose"
            onBlur={(e) => set('pose', e.target.value.trim())}
            onKeyDown={(e) => e.key === 'Enter' && set('pose', e.currentTarget.value.trim())}
          />
        </label>
      </form>
      <SearchBar
        label="Search the library"
        location={location}
        facets={images.data?.facets}
        names={{ character: 'Character', emotion: 'Emotion', pose: 'Pose' }}
      />
      <table className="table" aria-label="Library images">
        <thead>
          <tr>
            <th>Character</th>
            <th>Emotion</th>
            <th>Pose</th>
            <th>File</th>
            <th className="num">Quality</th>
            <th className="num">Uses</th>
          </tr>
        </thead>
        <tbody>
          {images.data?.items.map((i) => (
            <tr key={i.id}>
              <td>{i.character}</td>
              <td>{i.emotion}</td>
              <td>{i.pose ?? '—'}</td>
              <td className="mono">{i.file_path}</td>
              <td className="num">{formatNumber(i.quality_score)}</td>
              <td className="num">{i.usage_count}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {images.data?.items.length === 0 ? <p className="empty">No image matches.</p> : null}
    </Section>
  )
}

function Collections({ location }: { location: Location }) {
  const collections = useApi<ImageCollection[]>('/api/image-library/collections')
  const chosen = Number(location.params.get('collection')) || collections.data?.[0]?.id
  const members = useApi<CollectionImage[]>(
    chosen ? `/api/image-library/collections/${chosen}/images` : null,
  )
  return (
    <Section
      title="Collections"
      actions={
        <select
          aria-label="Collection"
          value={chosen ?? ''}
          onChange={(e) => navigate(withParams(location, { collection: e.target.value }))}
        >
          {collections.data?.map((c) => (
            <option key={c.id} value={c.id}>
              {c.name}
            </option>
          ))}
        </select>
      }
    >
      <ErrorBanner error={collections.error ?? members.error} onRetry={members.reload} />
      {collections.data?.length === 0 ? <p className="empty">No collections.</p> : null}
      <p className="muted">{collections.data?.find((c) => c.id === chosen)?.description}</p>
      <ol className="collection" aria-label="Collection images">
        {members.data?.map((m) => (
          <li key={m.id}>
            {m.character} · {m.emotion} · {m.pose ?? '—'}{' '}
            <span className="muted small mono">{m.file_path}</span>{' '}
            <span className="muted small">({m.usage_count} uses)</span>
          </li>
        ))}
      </ol>
    </Section>
  )
}
