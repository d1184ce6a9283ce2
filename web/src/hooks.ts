import { useCallback, useEffect, useState } from 'react'
import { api, ApiError } from './api'

export interface Loaded<T> {
  data: T | undefined
  error: ApiError | undefined
  loading: boolean
  /** reload fetches again (after a change, or from a Retry button). */
  reload: () => void
}

/** toApiError turns anything thrown into an ApiError the page can show. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error
  return new ApiError(0, 'client', (error as Error)?.message ?? String(error))
}

/**
 * useApi GETs `path` (nothing when null) and keeps the answer; a new path aborts the request
 * of the previous one, so a fast typist never sees an older answer replace a newer one.
 */
export function useApi<T>(path: string | null, as?: string): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: ApiError; loading: boolean }>({
    loading: path !== null,
  })
  const [generation, setGeneration] = useState(0)
  useEffect(() => {
    if (path === null) {
      setState({ loading: false })
      return
    }
    const controller = new AbortController()
    setState((s) => ({ ...s, loading: true }))
    api<T>(path, { signal: controller.signal, as }).then(
      (data) => setState({ data, loading: false }),
      (error: unknown) => {
        if ((error as Error).name === 'AbortError') return
        setState({ error: toApiError(error), loading: false })
      },
    )
    return () => controller.abort()
  }, [path, as, generation])
  const reload = useCallback(() => setGeneration((g) => g + 1), [])
  return { data: state.data, error: state.error, loading: state.loading, reload }
}

/** useAction wraps a mutation: `run` calls it, `error` keeps its last failure for the page. */
export function useAction() {
  const [error, setError] = useState<ApiError | undefined>()
  const [busy, setBusy] = useState(false)
  const run = useCallback(async <T>(action: () => Promise<T>): Promise<T | undefined> => {
    setBusy(true)
    setError(undefined)
    try {
      return await action()
    } catch (caught) {
      setError(toApiError(caught))
      return undefined
    } finally {
      setBusy(false)
    }
  }, [])
  return { run, error, busy, clearError: () => setError(undefined) }
}
