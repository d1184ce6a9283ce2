/**
 * The dashboard talks to genmedia only through its HTTP API. Every failure becomes an ApiError
 * carrying the API's own `{error: {code, message, field?}}`, or a network error saying the
 * server cannot be reached, so that pages can show it to the person.
 */
export class ApiError extends Error {
  readonly status: number
  readonly code: string
  readonly field: string | undefined

  constructor(status: number, code: string, message: string, field?: string) {
    super(message)
    this.status = status
    this.code = code
    this.field = field
  }
}

/** Page is a keyset page as every list route answers it. */
export type { Page } from '../../src/core/pagination'

const TOKEN_KEY = 'genmedia.token'
const USER_KEY = 'genmedia.user'

/** getToken returns the API token saved in this browser ('' when none). */
export function getToken(): string {
  return localStorage.getItem(TOKEN_KEY) ?? ''
}

export function setToken(token: string): void {
  if (token) localStorage.setItem(TOKEN_KEY, token)
  else localStorage.removeItem(TOKEN_KEY)
}

/** getUserId returns the image-gen user the dashboard acts as without a user token. */
export function getUserId(): string {
  return localStorage.getItem(USER_KEY) ?? ''
}

export function setUserId(id: string): void {
  if (id) localStorage.setItem(USER_KEY, id)
  else localStorage.removeItem(USER_KEY)
}

/**
 * authHeaders are the headers that identify the dashboard's person to the API: the token, and
 * the image-gen user to act as (`as`, else the saved one) for a server open without tokens.
 */
export function authHeaders(as?: string): Record<string, string> {
  const headers: Record<string, string> = {}
  const token = getToken()
  if (token) headers.authorization = `Bearer ${token}`
  const user = as ?? getUserId()
  if (user) headers['x-genmedia-user'] = user
  return headers
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE'
  body?: unknown
  signal?: AbortSignal
  /** The image-gen user to act as (X-Genmedia-User). */
  as?: string
}

/** api calls one route and returns its JSON body, or throws ApiError. */
export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const headers = authHeaders(options.as)
  if (options.body !== undefined) headers['content-type'] = 'application/json'
  let response: Response
  try {
    response = await fetch(path, {
      method: options.method ?? 'GET',
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
    })
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error
    throw new ApiError(0, 'network', 'The genmedia server cannot be reached. Is it running?')
  }
  if (response.status === 204) return undefined as T
  const text = await response.text()
  let body: unknown
  try {
    body = text ? JSON.parse(text) : undefined
  } catch {
    body = undefined
  }
  if (!response.ok) {
    const error = (body as { error?: { code?: string; message?: string; field?: string } })?.error
    throw new ApiError(
      response.status,
      error?.code ?? 'http_error',
      error?.message ?? `The server answered ${response.status} ${response.statusText}`,
      error?.field,
    )
  }
  return body as T
}

/** query builds `?a=1&b=2` from the defined, non-empty values. */
export function query(
  values: Record<string, string | number | boolean | null | undefined>,
): string {
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(values)) {
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value))
  }
  const text = params.toString()
  return text ? `?${text}` : ''
}
