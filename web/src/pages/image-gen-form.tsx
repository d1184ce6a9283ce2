import { useState, type FormEvent } from 'react'
import { api, type Page } from '../api'
import { toApiError, useAction, useApi } from '../hooks'
import { AuthImage, ErrorBanner, Loading, Section } from '../components/common'
import { useBodyEnums } from '../openapi'
import type { GenerationJob, ReferenceImage, Session } from './image-gen-api'

interface NewJobFormProps {
  user: string
  sessions: Session[]
  defaultSession?: number
  onCreated: (job: GenerationJob) => void
}

const TEXT_FIELDS = ['location', 'lighting', 'weather'] as const
const CHOICES = [
  ['shot_type', 'Shot type'],
  ['camera_angle', 'Camera angle'],
  ['style', 'Style'],
] as const

/**
 * NewJobForm is seed 001's prompt panel: prompt, shot type, camera angle, style, aspect ratio,
 * number of shots, scene details and reference images. Submitting creates a pending job.
 */
export function NewJobForm({ user, sessions, defaultSession, onCreated }: NewJobFormProps) {
  const { enums, suggestions, error: enumError } = useBodyEnums('/api/image-gen/jobs', 'post')
  const references = useApi<Page<ReferenceImage>>('/api/image-gen/reference-images?limit=50', user)
  const { run, error, busy } = useAction()
  const [session, setSession] = useState(defaultSession ? String(defaultSession) : '')
  const [chosen, setChosen] = useState<number[]>([])

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault()
    const form = new FormData(event.currentTarget)
    const text = (name: string) => String(form.get(name) ?? '').trim()
    const body: Record<string, unknown> = {
      prompt: text('prompt'),
      aspect_ratio: text('aspect_ratio') || undefined,
      number_of_shots: Number(text('number_of_shots')) || undefined,
      is_custom_enabled: form.get('is_custom_enabled') === 'on',
      reference_image_ids: chosen.length ? chosen : undefined,
    }
    for (const [name] of CHOICES) body[name] = text(name) || null
    for (const name of TEXT_FIELDS) body[name] = text(name) || null
    if (session) body.session_id = Number(session)
    else if (text('session_title')) body.session_title = text('session_title')
    const job = await run(() =>
      api<GenerationJob>('/api/image-gen/jobs', { method: 'POST', body, as: user }),
    )
    if (job) onCreated(job)
  }

  if (enumError) return <ErrorBanner error={toApiError(enumError)} />
  if (!enums) return <Loading what="Loading the form" />
  return (
    <Section title="New generation">
      <form className="form-grid" onSubmit={(e) => void submit(e)} aria-label="New generation">
        <label className="wide">
          Prompt
          <textarea name="prompt" required placeholder="What should the images show?" />
        </label>
        <label>
          Session
          <select value={session} onChange={(e) => setSession(e.target.value)}>
            <option value="">a new session</option>
            {sessions.map((s) => (
              <option key={s.id} value={s.id}>
                {s.title}
              </option>
            ))}
          </select>
        </label>
        {session ? null : (
          <label>
            New session title
            <input name="session_title" placeholder="New Session" />
          </label>
        )}
        {CHOICES.map(([name, label]) => (
          <label key={name}>
            {label}
            <Suggested name={name} values={suggestions[name]} placeholder="—" />
          </label>
        ))}
        <label>
          Aspect ratio
          <Suggested
            name="aspect_ratio"
            values={suggestions.aspect_ratio}
            placeholder={suggestions.aspect_ratio?.[0]}
          />
        </label>
        <label>
          Number of shots
          <input name="number_of_shots" type="number" min={1} max={10} defaultValue={1} />
        </label>
        {TEXT_FIELDS.map((name) => (
          <label key={name}>
            {name[0]!.toUpperCase() + name.slice(1)}
            <input name={name} />
          </label>
        ))}
        <label className="check">
          <span>
            <input name="is_custom_enabled" type="checkbox" /> Custom settings enabled
          </span>
        </label>
        <fieldset className="wide references">
          <legend>Reference images</legend>
          <ErrorBanner error={references.error} onRetry={references.reload} />
          {references.data?.items.length === 0 ? (
            <span className="muted">No reference images uploaded.</span>
          ) : null}
          <div className="thumbs">
            {references.data?.items.map((r) => (
              <label key={r.id} className="reference">
                <AuthImage src={r.gcp_url} alt={r.file_name} />
                <span>
                  <input
                    type="checkbox"
                    checked={chosen.includes(r.id)}
                    onChange={(e) =>
                      setChosen(
                        e.target.checked ? [...chosen, r.id] : chosen.filter((id) => id !== r.id),
                      )
                    }
                  />{' '}
                  {r.file_name}
                </span>
              </label>
            ))}
          </div>
        </fieldset>
        <div className="wide">
          <ErrorBanner error={error} />
          <button type="submit" disabled={busy}>
            {busy ? 'Creating…' : 'Create job'}
          </button>
        </div>
      </form>
    </Section>
  )
}

/**
 * Suggested is a text field of an open value list: the API's suggestions offered as a list to
 * pick from, any other value typed in taken as well.
 */
function Suggested(props: { name: string; values: string[] | undefined; placeholder?: string }) {
  const list = `${props.name}-suggestions`
  return (
    <>
      <input name={props.name} list={list} placeholder={props.placeholder} autoComplete="off" />
      <datalist id={list}>
        {(props.values ?? []).map((v) => (
          <option key={v} value={v} />
        ))}
      </datalist>
    </>
  )
}
