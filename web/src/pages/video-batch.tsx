import { useState } from 'react'
import type {
  Image,
  ImageLineage,
  PromptSet,
  Video,
  VideoBatchImageStatus as ImageStatus,
  VideoStatus,
} from '../../../src/stores/video-batch/tables'
import { query, type Page } from '../api'
import { useApi } from '../hooks'
import {
  Counts,
  ErrorBanner,
  formatBytes,
  formatDate,
  formatNumber,
  Loading,
  Section,
  StatusBadge,
  ChoiceFilter,
} from '../components/common'
import { Link, navigate, useLocation, withParams, type Location } from '../router'
import { ExportDownloads } from '../components/export-downloads'
import { JobQueue } from '../components/JobQueue'
import { SearchBar, searchParams, type ListPage } from '../components/search-bar'

/**
 * video-batch: the pipeline uploads → prompt sets → videos with status counts, the failures
 * with their errors, an image's lineage (origin and derived images) and a player for its
 * completed videos. `?image=<id>` selects an image, `?status=` filters the uploads.
 */
export default function VideoBatch() {
  const location = useLocation()
  const imageId = Number(location.params.get('image')) || undefined
  const status = location.params.get('status') ?? ''
  const counts = useApi<{
    images: Record<ImageStatus, number>
    videos: Record<VideoStatus, number>
  }>('/api/video-batch/queries/status-counts')
  const uploads = useApi<ListPage<Image>>(
    `/api/video-batch/images${query({ limit: 100, status, ...searchParams(location, ['status']) })}`,
  )
  return (
    <div className="page">
      <div className="page-head">
        <h1>video-batch</h1>
        <ExportDownloads store="video-batch" />
        {counts.data ? (
          <>
            <Counts counts={counts.data.images} label="Uploads per status" />
            <Counts counts={counts.data.videos} label="Videos per status" />
          </>
        ) : null}
      </div>
      <ErrorBanner error={counts.error} onRetry={counts.reload} />
      <div className="split">
        <Section
          title="Uploads"
          actions={
            <ChoiceFilter
              label="Upload status"
              value={status}
              options={Object.keys(counts.data?.images ?? {})}
              anyLabel="every status"
              onChange={(v) => navigate(withParams(location, { status: v }))}
            />
          }
        >
          <SearchBar label="Search uploads" location={location} facets={uploads.data?.facets} />
          <ErrorBanner error={uploads.error} onRetry={uploads.reload} />
          {uploads.loading && !uploads.data ? <Loading /> : null}
          <ul className="side-list" aria-label="Uploads">
            {uploads.data?.items.map((u) => (
              <li key={u.id} data-upload={u.id}>
                <Link
                  className="side-item"
                  to={withParams(location, { image: u.id })}
                  aria-current={u.id === imageId ? 'true' : undefined}
                >
                  <span>
                    <strong>{u.descriptive_name ?? u.original_filename}</strong>{' '}
                    <StatusBadge status={u.status} />
                    <br />
                    <span className="muted small">
                      #{u.id}
                      {u.origin_image_id ? ` · derived from #${u.origin_image_id}` : ''}
                    </span>
                  </span>
                </Link>
              </li>
            ))}
          </ul>
        </Section>
        <div>
          {imageId ? (
            <ImagePipeline id={imageId} location={location} />
          ) : (
            <p className="muted">Pick an upload to see its prompt sets, videos and lineage.</p>
          )}
          <Failures location={location} />
        </div>
      </div>
      <JobQueue store="video-batch" />
    </div>
  )
}

function ImagePipeline({ id, location }: { id: number; location: Location }) {
  const lineage = useApi<ImageLineage>(`/api/video-batch/images/${id}/lineage`)
  const prompts = useApi<PromptSet[]>(`/api/video-batch/images/${id}/prompts`)
  const videos = useApi<Page<Video>>(`/api/video-batch/videos?image_id=${id}&limit=100`)
  const image = lineage.data?.image
  const link = (u: Image) => (
    <Link to={withParams(location, { image: u.id })}>
      #{u.id} {u.descriptive_name ?? u.original_filename}
    </Link>
  )
  return (
    <>
      <Section
        title={
          image
            ? `Image #${image.id}: ${image.descriptive_name ?? image.original_filename}`
            : `Image #${id}`
        }
      >
        <ErrorBanner error={lineage.error} onRetry={lineage.reload} />
        {lineage.loading && !image ? <Loading /> : null}
        {image && lineage.data ? (
          <dl className="facts">
            <dt>Status</dt>
            <dd>
              <StatusBadge status={image.status} />
              {image.error_message ? (
                <span className="error-text"> {image.error_message}</span>
              ) : null}
            </dd>
            <dt>File</dt>
            <dd className="mono">{image.original_filename}</dd>
            <dt>Upload</dt>
            <dd>
              {image.upload_url ? (
                <a href={image.upload_url} target="_blank" rel="noreferrer">
                  {image.upload_url}
                </a>
              ) : (
                '—'
              )}{' '}
              ({formatNumber(image.processing_time_seconds)} s)
            </dd>
            <dt>Derived from</dt>
            <dd aria-label="Ancestors">
              {lineage.data.ancestors.length
                ? lineage.data.ancestors.map((a) => <div key={a.id}>{link(a)}</div>)
                : 'an original upload'}
            </dd>
            <dt>Derived images</dt>
            <dd aria-label="Descendants">
              {lineage.data.descendants.length
                ? lineage.data.descendants.map((d) => (
                    <div key={d.id} style={{ paddingLeft: `${(d.depth - 1) * 1.2}rem` }}>
                      {link(d)}
                    </div>
                  ))
                : 'none'}
            </dd>
          </dl>
        ) : null}
      </Section>
      <Section title="Prompt sets">
        <ErrorBanner error={prompts.error} onRetry={prompts.reload} />
        {prompts.data?.length === 0 ? <p className="empty">No prompt set yet.</p> : null}
        {prompts.data?.map((p) => (
          <dl key={p.id} className="facts prompt-set">
            <dt>Set #{p.id}</dt>
            <dd className="muted">{formatDate(p.created_at)}</dd>
            {(
              [
                ['image', p.image_prompt],
                ['video', p.video_prompt],
                ['refined', p.refined_video_prompt],
                ['creative 1', p.creative_video_prompt_1],
                ['creative 2', p.creative_video_prompt_2],
                ['creative 3', p.creative_video_prompt_3],
              ] as const
            )
              .filter(([, text]) => text)
              .map(([label, text]) => (
                <PromptLine key={label} label={label} text={text!} />
              ))}
          </dl>
        ))}
      </Section>
      <Section title="Videos">
        <ErrorBanner error={videos.error} onRetry={videos.reload} />
        {videos.data?.items.length === 0 ? (
          <p className="empty">No videos for this image.</p>
        ) : null}
        {videos.data?.items.map((v) => (
          <VideoRow key={v.id} video={v} />
        ))}
      </Section>
    </>
  )
}

function PromptLine({ label, text }: { label: string; text: string }) {
  return (
    <>
      <dt>{label}</dt>
      <dd>{text}</dd>
    </>
  )
}

/** videoSource is where the player reads a video: its URL, or its path as a blob-store key. */
function videoSource(video: Video): string | undefined {
  const path = video.video_path
  if (!path) return undefined
  if (/^(https?:)?\/\//.test(path) || path.startsWith('/blobs/')) return path
  if (path.startsWith('/') || path.split('/').includes('..')) return undefined
  return `/blobs/${path.split('/').map(encodeURIComponent).join('/')}`
}

function VideoRow({ video }: { video: Video }) {
  const [playing, setPlaying] = useState(false)
  const [failed, setFailed] = useState(false)
  const source = videoSource(video)
  return (
    <div className="video-row" data-video={video.id}>
      <div>
        <strong>#{video.id}</strong> <StatusBadge status={video.status} />{' '}
        <span className="muted small">
          {video.prompt_type ?? ''} · {video.generation_service ?? ''} ·{' '}
          {formatNumber(video.generation_time_seconds)} s · {formatBytes(video.file_size_bytes)}
        </span>
        <div>{video.prompt_used}</div>
        {video.error_message ? <div className="error-text">{video.error_message}</div> : null}
      </div>
      {video.status === 'completed' && source ? (
        playing ? (
          failed ? (
            <p className="error-text">
              The video file is not in the blob store (key {video.video_path}).
            </p>
          ) : (
            <video controls autoPlay src={source} onError={() => setFailed(true)} width={360} />
          )
        ) : (
          <button type="button" onClick={() => setPlaying(true)}>
            Play {video.video_filename}
          </button>
        )
      ) : null}
    </div>
  )
}

function Failures({ location }: { location: Location }) {
  const uploads = useApi<Page<Image>>('/api/video-batch/images?status=failed&limit=50')
  const videos = useApi<Page<Video>>('/api/video-batch/videos?status=failed&limit=50')
  return (
    <Section title="Failures">
      <ErrorBanner error={uploads.error ?? videos.error} onRetry={videos.reload} />
      <table className="table" aria-label="Failures">
        <thead>
          <tr>
            <th>What</th>
            <th>Error</th>
            <th>When</th>
          </tr>
        </thead>
        <tbody>
          {uploads.data?.items.map((u) => (
            <tr key={`i${u.id}`}>
              <td>
                <Link to={withParams(location, { image: u.id })}>upload #{u.id}</Link>{' '}
                {u.original_filename}
              </td>
              <td className="error-text">{u.error_message}</td>
              <td>{formatDate(u.created_at)}</td>
            </tr>
          ))}
          {videos.data?.items.map((v) => (
            <tr key={`v${v.id}`}>
              <td>
                video #{v.id} of{' '}
                <Link to={withParams(location, { image: v.image_id })}>image #{v.image_id}</Link>
              </td>
              <td className="error-text">{v.error_message}</td>
              <td>{formatDate(v.created_at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Section>
  )
}
