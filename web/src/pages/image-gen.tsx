import { useState } from 'react'
import { getUserId, query, setUserId, type Page } from '../api'
import { useApi } from '../hooks'
import {
  AuthImage,
  ErrorBanner,
  formatDate,
  Json,
  Loading,
  Section,
  StatusBadge,
  ChoiceFilter,
} from '../components/common'
import { Link, navigate, useLocation, withParams, type Location } from '../router'
import { NewJobForm } from './image-gen-form'
import {
  JOB_PARAMETERS,
  type GeneratedImage,
  type GenerationJob,
  type GenerationJobWithReferences,
  type Session,
  type User,
} from './image-gen-api'
import { ExportDownloads } from '../components/export-downloads'
import { JobQueue } from '../components/JobQueue'
import { SearchBar, searchParams, type ListPage } from '../components/search-bar'

/**
 * image-gen: the session navigation panel (thumbnails, counts, most recent first), a session's
 * images in generation order, a job's parameters and reference images, and the new-generation
 * form. An admin (or anyone, on a server open without tokens) picks the user to act as from the
 * user list (`?user=`); a user token acts as its own user.
 */
export default function ImageGen() {
  const location = useLocation()
  const user = location.params.get('user') ?? getUserId()
  const sessionId = Number(location.params.get('session')) || undefined
  const jobId = Number(location.params.get('job')) || undefined
  const creating = location.params.get('new') === '1'
  const me = useApi<User>('/api/image-gen/me', user)
  // Only admins may list users; a user token is answered 403 and acts as its own user.
  const users = useApi<Page<User>>('/api/image-gen/users?limit=500')
  const acting = me.data !== undefined
  const sessions = useApi<Page<Session>>(acting ? '/api/image-gen/sessions?limit=100' : null, user)
  const go = (changes: Record<string, string | number | null>) =>
    navigate(withParams(location, { session: null, job: null, new: null, ...changes }))

  return (
    <div className="page">
      <div className="page-head">
        <h1>image-gen</h1>
        <ExportDownloads store="image-gen" />
        <UserPicker location={location} user={user} me={me.data} users={users.data?.items} />
      </div>
      {acting || me.loading ? null : me.error?.status === 403 && users.data ? (
        <p className="empty" data-testid="pick-user">
          Pick a user to act as: image-gen keeps each user’s sessions and jobs apart.
        </p>
      ) : (
        <ErrorBanner error={me.error} />
      )}
      {acting ? (
        <div className="split">
          <Section
            title="Sessions"
            actions={
              <button type="button" onClick={() => go({ new: 1, session: sessionId ?? null })}>
                New generation
              </button>
            }
          >
            <ErrorBanner error={sessions.error} onRetry={sessions.reload} />
            {sessions.loading && !sessions.data ? <Loading /> : null}
            {sessions.data?.items.length === 0 ? <p className="empty">No sessions yet.</p> : null}
            <ul className="side-list" aria-label="Sessions">
              {sessions.data?.items.map((s) => (
                <li key={s.id}>
                  <Link
                    className="side-item"
                    to={withParams(location, { session: s.id, job: null, new: null })}
                    aria-current={s.id === sessionId && !jobId && !creating ? 'true' : undefined}
                  >
                    {s.thumbnail_url ? (
                      <AuthImage src={s.thumbnail_url} alt="" className="side-thumb" />
                    ) : (
                      <span className="side-thumb" />
                    )}
                    <span>
                      <strong>{s.title}</strong>
                      <br />
                      <span className="muted small">
                        {s.generated_count} image{s.generated_count === 1 ? '' : 's'} ·{' '}
                        {formatDate(s.updated_at)}
                      </span>
                    </span>
                  </Link>
                </li>
              ))}
            </ul>
          </Section>
          <div>
            {creating ? (
              <NewJobForm
                user={user}
                sessions={sessions.data?.items ?? []}
                defaultSession={sessionId}
                onCreated={(job) => {
                  sessions.reload()
                  go({ job: job.id })
                }}
              />
            ) : jobId ? (
              <JobDetail id={jobId} user={user} location={location} />
            ) : sessionId ? (
              <SessionView id={sessionId} user={user} location={location} />
            ) : (
              <JobList user={user} location={location} />
            )}
          </div>
        </div>
      ) : null}
      <JobQueue store="image-gen" unit="shots" />
    </div>
  )
}

/**
 * UserPicker chooses the image-gen user the dashboard acts as: a list of the users where the
 * dashboard may read it (an admin, or an open server), else a user id to type.
 */
function UserPicker({
  location,
  user,
  me,
  users,
}: {
  location: Location
  user: string
  me?: User
  users?: User[]
}) {
  const [value, setValue] = useState(user)
  const choose = (id: string) => {
    setUserId(id.trim())
    navigate(withParams(location, { user: id.trim(), session: null, job: null, new: null }))
  }
  if (users) {
    return (
      <label className="field filters">
        <span>Acting as</span>
        <select
          aria-label="User"
          value={me ? String(me.id) : ''}
          onChange={(e) => choose(e.target.value)}
        >
          <option value="" disabled>
            pick a user
          </option>
          {users.map((u) => (
            <option key={u.id} value={u.id}>
              {u.display_name ? `${u.display_name} (${u.email})` : u.email}
            </option>
          ))}
        </select>
      </label>
    )
  }
  return (
    <form
      className="filters"
      onSubmit={(e) => {
        e.preventDefault()
        choose(value)
      }}
    >
      <label className="field">
        <span>Acting as user id</span>
        <input
          aria-label="User id"
          value={value}
          onChange={(e) => setValue(e.target.value)}
          inputMode="numeric"
          size={6}
        />
      </label>
      <button type="submit">Switch</button>
      {me ? (
        <span className="muted">
          {me.display_name ?? me.email} ({me.email})
        </span>
      ) : null}
    </form>
  )
}

function SessionView({ id, user, location }: { id: number; user: string; location: Location }) {
  const session = useApi<Session>(`/api/image-gen/sessions/${id}`, user)
  const images = useApi<GeneratedImage[]>(`/api/image-gen/sessions/${id}/images`, user)
  const jobs = useApi<Page<GenerationJob>>('/api/image-gen/jobs?limit=200', user)
  const own = jobs.data?.items.filter((j) => j.session_id === id) ?? []
  return (
    <>
      <Section title={session.data?.title ?? `Session ${id}`}>
        <ErrorBanner error={session.error ?? images.error} onRetry={images.reload} />
        {images.loading && !images.data ? <Loading what="Loading the images" /> : null}
        {images.data?.length === 0 ? (
          <p className="empty">No images generated in this session yet.</p>
        ) : null}
        <div className="thumbs" aria-label="Session images">
          {images.data?.map((image) => (
            <figure key={image.id} data-image={image.id}>
              <AuthImage src={image.thumbnail_url ?? image.gcp_url} alt={image.prompt_used ?? ''} />
              <figcaption>
                #{image.generation_index} ·{' '}
                <Link to={withParams(location, { job: image.generation_job_id, session: null })}>
                  job {image.generation_job_id}
                </Link>
                <div className="muted small">{image.prompt_used}</div>
              </figcaption>
            </figure>
          ))}
        </div>
      </Section>
      <Section title="Jobs of this session">
        <ErrorBanner error={jobs.error} onRetry={jobs.reload} />
        <JobTable jobs={own} location={location} />
      </Section>
    </>
  )
}

function JobList({ user, location }: { user: string; location: Location }) {
  const status = location.params.get('status') ?? ''
  const jobs = useApi<ListPage<GenerationJob>>(
    `/api/image-gen/jobs${query({ limit: 100, status, ...searchParams(location, ['status']) })}`,
    user,
  )
  return (
    <Section
      title="Generation jobs"
      actions={
        <ChoiceFilter
          label="Job status"
          value={status}
          options={['pending', 'processing', 'completed', 'failed']}
          anyLabel="every status"
          onChange={(v) => navigate(withParams(location, { status: v }))}
        />
      }
    >
      <SearchBar label="Search jobs" location={location} facets={jobs.data?.facets} />
      <ErrorBanner error={jobs.error} onRetry={jobs.reload} />
      {jobs.loading && !jobs.data ? <Loading /> : null}
      {jobs.data ? <JobTable jobs={jobs.data.items} location={location} /> : null}
    </Section>
  )
}

function JobTable({ jobs, location }: { jobs: GenerationJob[]; location: Location }) {
  if (jobs.length === 0) return <p className="empty">No jobs.</p>
  return (
    <table className="table" aria-label="Jobs">
      <thead>
        <tr>
          <th>Job</th>
          <th>Status</th>
          <th>Prompt</th>
          <th>Shots</th>
          <th>Created</th>
        </tr>
      </thead>
      <tbody>
        {jobs.map((j) => (
          <tr key={j.id} data-job={j.id}>
            <td>
              <Link to={withParams(location, { job: j.id, session: null, status: null })}>
                #{j.id}
              </Link>
            </td>
            <td>
              <StatusBadge status={j.status} />
            </td>
            <td>{j.prompt}</td>
            <td className="num">{j.number_of_shots}</td>
            <td>{formatDate(j.created_at)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}

function JobDetail({ id, user, location }: { id: number; user: string; location: Location }) {
  const job = useApi<GenerationJobWithReferences>(`/api/image-gen/jobs/${id}`, user)
  const j = job.data
  return (
    <Section title={`Job #${id}`}>
      <ErrorBanner error={job.error} onRetry={job.reload} />
      {job.loading && !j ? <Loading /> : null}
      {j ? (
        <dl className="facts">
          <dt>Status</dt>
          <dd data-testid="job-status">
            <StatusBadge status={j.status} />
          </dd>
          {j.error_message ? (
            <>
              <dt>Error</dt>
              <dd className="error">{j.error_message}</dd>
            </>
          ) : null}
          <dt>Session</dt>
          <dd>
            {j.session_id ? (
              <Link to={withParams(location, { session: j.session_id, job: null })}>
                session {j.session_id}
              </Link>
            ) : (
              '—'
            )}
          </dd>
          <dt>Prompt</dt>
          <dd className="prompt">{j.prompt}</dd>
          <dt>Generated prompt</dt>
          <dd>{j.generated_prompt ?? '—'}</dd>
          {JOB_PARAMETERS.map(([key, label]) => (
            <FactRow key={key} label={label} value={j[key]} />
          ))}
          <dt>Created</dt>
          <dd>{formatDate(j.created_at)}</dd>
          <dt>Started / completed</dt>
          <dd>
            {formatDate(j.started_at)} / {formatDate(j.completed_at)}
          </dd>
          <dt>Reference images</dt>
          <dd>
            {j.reference_image_urls.length ? (
              <div className="thumbs">
                {j.reference_image_urls.map((url) => (
                  <figure key={url}>
                    <AuthImage src={url} alt="reference image" />
                  </figure>
                ))}
              </div>
            ) : (
              'none'
            )}
          </dd>
        </dl>
      ) : null}
    </Section>
  )
}

function FactRow({ label, value }: { label: string; value: unknown }) {
  const shown =
    value === null || value === undefined ? (
      '—'
    ) : typeof value === 'boolean' ? (
      value ? (
        'yes'
      ) : (
        'no'
      )
    ) : typeof value === 'object' ? (
      <Json value={value} />
    ) : (
      String(value)
    )
  return (
    <>
      <dt>{label}</dt>
      <dd>{shown}</dd>
    </>
  )
}
