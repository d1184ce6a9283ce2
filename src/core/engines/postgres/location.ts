import type { Location } from '../engine.js'

/** PostgresLocation is a `postgres://` or `postgresql://` URL, with genmedia's own `?schema=`. */
export interface PostgresLocation extends Location {
  readonly engine: 'postgres'
  /** The URL without `schema`, handed to node-postgres unchanged. */
  readonly connectionString: string
}

export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location)
}

/**
 * parsePostgresLocation reads a postgres:// URL, splitting genmedia's own `schema` parameter
 * off; returns undefined for any other location.
 */
export function parsePostgresLocation(text: string): PostgresLocation | undefined {
  if (!isPostgresUrl(text)) return undefined
  const url = new URL(text)
  const schema = url.searchParams.get('schema') ?? undefined
  url.searchParams.delete('schema')
  const connectionString = url.toString()
  const redacted = new URL(text)
  if (redacted.password) redacted.password = '***'
  return {
    engine: 'postgres',
    text,
    origin: url.origin,
    redacted: redacted.toString(),
    schema,
    connectionString,
  }
}

/** readOnlyPostgresLocation makes every session of the location read-only. */
export function readOnlyPostgresLocation(location: PostgresLocation): string {
  const url = new URL(location.text)
  url.searchParams.set('options', '-c default_transaction_read_only=on')
  return url.toString()
}
