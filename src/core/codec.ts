import { ValidationError } from './errors.js'

const SQLITE_TIMESTAMP = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(\.\d+)?$/

/**
 * toIsoTimestamp turns a stored timestamp into ISO-8601 UTC (`2026-01-08T12:00:00.000Z`).
 * SQLite's CURRENT_TIMESTAMP text is UTC. Values that are no timestamp are returned unchanged.
 */
export function toIsoTimestamp(value: unknown): unknown {
  if (value === null || value === undefined) return value
  if (value instanceof Date) return value.toISOString()
  if (typeof value !== 'string') return value
  const m = SQLITE_TIMESTAMP.exec(value)
  if (m) return `${m[1]}T${m[2]}${(m[3] ?? '.').padEnd(4, '0').slice(0, 4)}Z`
  const date = new Date(value)
  return Number.isNaN(date.getTime()) ? value : date.toISOString()
}

/**
 * parseTimestamp accepts a Date, an ISO-8601 string or SQLite's `YYYY-MM-DD HH:MM:SS` (UTC) and
 * returns a Date; anything else throws ValidationError naming `field`.
 */
export function parseTimestamp(value: unknown, field: string): Date {
  if (value instanceof Date && !Number.isNaN(value.getTime())) return value
  if (typeof value === 'string') {
    const text = SQLITE_TIMESTAMP.test(value) ? `${value.replace(' ', 'T')}Z` : value
    const date = new Date(text)
    if (!Number.isNaN(date.getTime())) return date
  }
  throw new ValidationError(`${field} must be a timestamp, got ${JSON.stringify(value)}`, field)
}
