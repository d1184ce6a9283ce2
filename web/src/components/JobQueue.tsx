import { useCallback, useEffect, useState, type ReactNode } from 'react'
import type { JobCounts } from '../../../src/core/jobs/queue'
import { api } from '../api'
import { useAction, useApi } from '../hooks'
import { Counts, ErrorBanner, formatDate, ProgressBar, Section, StatusBadge } from './common'

/** How often the queue is asked again while the page is visible. */
export const QUEUE_POLL_MS = 2000

/**
 * QueueCounts is `GET /api/<store>/queue`: the queue's JobCounts and the per-provider limits
 * (shown by `genmedia jobs`, not here).
 */
type QueueCounts = JobCounts & { limits: unknown[] }

/** QueueJob is one job of `/queue/running` or `/queue/failed`. */
interface QueueJob {
  id: number
  state: string
  attempts: number
  progress: number | null
  total: number | null
  lease_owner: string | null
  lease_expires_at: string | null
  provider: string | null
  error_message: string | null
  job_attempts: { attempt: number; worker: string; outcome: string; error: string | null }[]
}

/**
 * usePolling calls `tick` every `ms` while the page is visible, so that a dashboard left open
 * in a background tab does not keep asking the server.
 */
function usePolling(tick: () => void, ms: number | null): void {
  useEffect(() => {
    if (ms === null) return
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') tick()
    }, ms)
    return () => clearInterval(timer)
  }, [tick, ms])
}

/** lastError is a failed job's error: its last attempt's, else the row's own error_message. */
function lastError(job: QueueJob): string {
  const attempts = job.job_attempts.filter((a) => a.error)
  return attempts.at(-1)?.error ?? job.error_message ?? ''
}

/**
 * JobQueue shows a store's job queue live (`genmedia jobs` in the browser): counts by state,
 * running jobs with their worker and progress, failed and cancelled jobs with their last error,
 * and cancel / retry buttons. It asks the store's `/queue` routes every two seconds; for a
 * person without admin rights (403) it shows nothing.
 */
export function JobQueue({ store, unit = 'units' }: { store: string; unit?: string }) {
  const base = `/api/${store}/queue`
  const counts = useApi<QueueCounts>(base)
  const running = useApi<QueueJob[]>(`${base}/running?limit=20`)
  const failed = useApi<QueueJob[]>(`${base}/failed?limit=20`)
  const action = useAction()
  // A running job asked to stop keeps its lease until its worker's next heartbeat.
  const [cancelling, setCancelling] = useState<ReadonlySet<number>>(new Set())
  const { reload: reloadCounts } = counts
  const { reload: reloadRunning } = running
  const { reload: reloadFailed } = failed
  const reloadAll = useCallback(() => {
    reloadCounts()
    reloadRunning()
    reloadFailed()
  }, [reloadCounts, reloadRunning, reloadFailed])
  // The queue routes are for admins: a user token is answered 403, and sees no queue.
  const forbidden = counts.error?.status === 403
  usePolling(reloadAll, forbidden ? null : QUEUE_POLL_MS)

  const cancel = async (id: number) => {
    const answer = await action.run(() =>
      api<{ id: number; state: 'cancelled' | 'cancelling' }>(`${base}/${id}/cancel`, {
        method: 'POST',
      }),
    )
    if (answer?.state === 'cancelling') setCancelling((s) => new Set(s).add(id))
    reloadAll()
  }
  const retry = async (id?: number) => {
    await action.run(() =>
      api<{ retried: number }>(id === undefined ? `${base}/retry-failed` : `${base}/${id}/retry`, {
        method: 'POST',
      }),
    )
    reloadAll()
  }

  if (forbidden) return null
  const {
    oldest_waiting: oldest,
    limits: _limits,
    ...byState
  } = counts.data ?? ({} as Partial<QueueCounts>)
  return (
    <Section
      title="Job queue"
      className="job-queue"
      actions={
        failed.data?.some((j) => j.state === 'failed') ? (
          <button type="button" disabled={action.busy} onClick={() => void retry()}>
            Retry all failed
          </button>
        ) : null
      }
    >
      <ErrorBanner error={action.error ?? counts.error} onRetry={reloadAll} />
      {counts.data ? (
        <>
          <Counts counts={byState as Record<string, number>} label="Jobs per state" />
          <p className="muted small">
            {oldest ? `Oldest waiting since ${formatDate(oldest)}` : 'Nothing waiting'} · refreshed
            every {QUEUE_POLL_MS / 1000} s
          </p>
        </>
      ) : null}
      <JobTable
        title="Running"
        label="Running jobs"
        empty="No job is running."
        head={['Worker', 'Attempt', 'Progress', 'Lease until']}
        jobs={running.data}
        cells={(job) => (
          <>
            <td>
              {job.lease_owner}
              {job.provider ? <span className="muted small"> · {job.provider}</span> : null}
            </td>
            <td className="num">{job.attempts}</td>
            <td>
              {job.total ? (
                <ProgressBar
                  value={job.progress ?? 0}
                  max={job.total}
                  label={`Progress of job ${job.id} (${unit})`}
                />
              ) : (
                <span className="muted">{job.progress ?? '—'}</span>
              )}
            </td>
            <td>{formatDate(job.lease_expires_at)}</td>
            <td>
              {cancelling.has(job.id) ? (
                <StatusBadge status="cancelling" />
              ) : (
                <button
                  type="button"
                  disabled={action.busy}
                  aria-label={`Cancel job ${job.id}`}
                  onClick={() => void cancel(job.id)}
                >
                  Cancel
                </button>
              )}
            </td>
          </>
        )}
      />
      <JobTable
        title="Failed and cancelled"
        label="Failed jobs"
        empty="No failed jobs."
        head={['State', 'Attempts', 'Last error']}
        jobs={failed.data}
        cells={(job) => (
          <>
            <td>
              <StatusBadge status={job.state} />
            </td>
            <td className="num">{job.attempts}</td>
            <td className="error-text">{lastError(job)}</td>
            <td>
              <button
                type="button"
                disabled={action.busy}
                aria-label={`Retry job ${job.id}`}
                onClick={() => void retry(job.id)}
              >
                Retry
              </button>
            </td>
          </>
        )}
      />
    </Section>
  )
}

/**
 * JobTable is one list of the queue: a heading, a line when it is empty, and a row per job (its
 * number, then `cells`, which end with the row's action).
 */
function JobTable<Job extends { id: number }>(props: {
  title: string
  label: string
  empty: string
  head: string[]
  jobs: Job[] | undefined
  cells: (job: Job) => ReactNode
}) {
  const { jobs } = props
  return (
    <>
      <h3>{props.title}</h3>
      {jobs?.length === 0 ? <p className="empty">{props.empty}</p> : null}
      {jobs?.length ? (
        <table className="table" aria-label={props.label}>
          <thead>
            <tr>
              <th>Job</th>
              {props.head.map((h) => (
                <th key={h}>{h}</th>
              ))}
              <th />
            </tr>
          </thead>
          <tbody>
            {jobs.map((job) => (
              <tr key={job.id} data-queue-job={job.id}>
                <td>#{job.id}</td>
                {props.cells(job)}
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </>
  )
}
