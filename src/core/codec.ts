import { ValidationError } from './errors.js'

const ZERO = 48
const NINE = 57
/** Where `YYYY-MM-DD?HH:MM:SS` has its digits. */
const DIGITS = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18]

function isDigit(text: string, at: number): boolean {
  const c = text.charCodeAt(at)
  return c >= ZERO && c <= NINE
}

function twoDigits(text: string, at: number): number {
  return (text.charCodeAt(at) - ZERO) * 10 + text.charCodeAt(at + 1) - ZERO
}

/** Whether `text` starts with `YYYY-MM-DD` then `separator`, then `HH:MM:SS`. */
function hasDateTime(text: string, separator: string): boolean {
  if (text.length < 19 || text[10] !== separator || text[4] !== '-' || text[7] !== '-') return false
  if (text[13] !== ':' || text[16] !== ':') return false
  for (let i = 0; i < DIGITS.length; i++) if (!isDigit(text, DIGITS[i]!)) return false
  return true
}

/**
 * sqliteTextToIso turns SQLite's `YYYY-MM-DD HH:MM:SS[.fff…]` (also PostgreSQL's timestamp
 * text) into ISO-8601 UTC with milliseconds, by position: what the regular expression
 * `^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(\.\d+)?$` and a rewrite would do, without a match
 * object per value. Undefined when the
 * text has another form.
 */
export function sqliteTextToIso(text: string): string | undefined {
  if (!hasDateTime(text, ' ')) return undefined
  const end = text.length
  if (end === 19) return `${text.slice(0, 10)}T${text.slice(11)}.000Z`
  if (text[19] !== '.' || end === 20) return undefined
  for (let at = 20; at < end; at++) if (!isDigit(text, at)) return undefined
  const fraction = end >= 23 ? text.slice(19, 23) : text.slice(19).padEnd(4, '0')
  return `${text.slice(0, 10)}T${text.slice(11, 19)}${fraction}Z`
}

const DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

/**
 * isCanonicalIso tells whether `text` is already what `new Date(text).toISOString()` returns
 * (`YYYY-MM-DDTHH:MM:SS.sssZ` naming a real moment: a date that exists, hours below 24), so it
 * can be returned as it is.
 */
function isCanonicalIso(text: string): boolean {
  if (text.length !== 24 || text[19] !== '.' || text[23] !== 'Z' || !hasDateTime(text, 'T')) {
    return false
  }
  if (!isDigit(text, 20) || !isDigit(text, 21) || !isDigit(text, 22)) return false
  const month = twoDigits(text, 5)
  const day = twoDigits(text, 8)
  if (month < 1 || month > 12 || day < 1 || day > DAYS[month - 1]!) return false
  if (month === 2 && day === 29) {
    const year = twoDigits(text, 0) * 100 + twoDigits(text, 2)
    if (year % 4 !== 0 || (year % 100 === 0 && year % 400 !== 0)) return false
  }
  return twoDigits(text, 11) < 24 && twoDigits(text, 14) < 60 && twoDigits(text, 17) < 60
}

/**
 * toIsoTimestamp turns a stored timestamp into ISO-8601 UTC (`2026-01-08T12:00:00.000Z`).
 * SQLite's CURRENT_TIMESTAMP text is UTC. Values that are no timestamp are returned unchanged.
 * SQLite's text and text already in this form (PostgreSQL's rows) are read by position; other
 * text goes through Date.
 */
export function toIsoTimestamp(value: unknown): unknown {
  if (value === null || value === undefined) return value
  if (typeof value === 'string') {
    const text =
      value[10] === ' ' ? sqliteTextToIso(value) : isCanonicalIso(value) ? value : undefined
    if (text !== undefined) return text
    const date = new Date(value)
    return Number.isNaN(date.getTime()) ? value : date.toISOString()
  }
  if (value instanceof Date) return value.toISOString()
  return value
}

/**
 * parseTimestamp accepts a Date, an ISO-8601 string or SQLite's `YYYY-MM-DD HH:MM:SS` (UTC) and
 * returns a Date; anything else throws ValidationError naming `field`.
 */
export function parseTimestamp(value: unknown, field: string): Date {
  if (value instanceof Date && !Number.isNaN(value.getTime())) return value
  if (typeof value === 'string') {
    // SQLite's UTC text is read by position (no regular expression per value).
    const text = value[10] === ' ' ? (sqliteTextToIso(value) ?? value) : value
    const date = new Date(text)
    if (!Number.isNaN(date.getTime())) return date
  }
  throw new ValidationError(`${field} must be a timestamp, got ${JSON.stringify(value)}`, field)
}
