import { ValidationError } from './errors.js'

/** Which columns of a table need converting between JavaScript values and stored values. */
export interface ColumnKinds {
  json?: readonly string[]
  boolean?: readonly string[]
  timestamp?: readonly string[]
}

/**
 * RowCodec converts rows of one table. `decode` turns a stored row into the store's row type:
 * JSON columns parsed, booleans as booleans, timestamps as ISO-8601 UTC strings, the same on
 * both engines. `encode` turns input values into what both engines store: JSON as text,
 * timestamps as Dates (the engine layer writes them in its own form).
 */
export interface RowCodec<Row> {
  decode(raw: Record<string, unknown>): Row
  decodeAll(raws: readonly Record<string, unknown>[]): Row[]
  /**
   * encode copies `values` into a new row, with JSON columns stringified and timestamps turned
   * into Dates (nulls stay null).
   */
  encode<T extends Record<string, unknown>>(values: T): Record<string, unknown>
  /**
   * encoderOf returns what encodes one non-null value of `column` as `encode` does, or
   * undefined when the column is stored as given. Bulk inserts choose them once per batch.
   */
  encoderOf(column: string): ((value: unknown) => unknown) | undefined
}

export function createCodec<Row>(kinds: ColumnKinds): RowCodec<Row> {
  const json = kinds.json ?? []
  const booleans = kinds.boolean ?? []
  const timestamps = kinds.timestamp ?? []
  const decode = (raw: Record<string, unknown>): Row => {
    const row: Record<string, unknown> = { ...raw }
    for (const c of json) {
      const v = row[c]
      if (typeof v === 'string') row[c] = parseJsonValue(v)
    }
    for (const c of booleans) {
      const v = row[c]
      if (v !== undefined && v !== null) row[c] = Boolean(v)
    }
    for (const c of timestamps) {
      const v = row[c]
      if (v !== undefined && v !== null) row[c] = toIsoTimestamp(v)
    }
    return row as Row
  }
  const encodeJson = (value: unknown) => JSON.stringify(value)
  const timestampEncoders = new Map(
    timestamps.map((c) => [c, (value: unknown) => parseTimestamp(value, c)] as const),
  )
  return {
    decode,
    decodeAll: (raws) => raws.map(decode),
    encode(values) {
      const out: Record<string, unknown> = { ...values }
      for (const c of json) {
        const v = out[c]
        if (v !== undefined && v !== null) out[c] = encodeJson(v)
      }
      for (const c of timestamps) {
        const v = out[c]
        if (v !== undefined && v !== null) out[c] = parseTimestamp(v, c)
      }
      return out
    },
    encoderOf(column) {
      return json.includes(column) ? encodeJson : timestampEncoders.get(column)
    },
  }
}

function parseJsonValue(value: unknown): unknown {
  if (typeof value !== 'string') return value
  try {
    return JSON.parse(value)
  } catch {
    // Rows written by other tools may hold plain text in a JSON column; show it as it is.
    return value
  }
}

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
