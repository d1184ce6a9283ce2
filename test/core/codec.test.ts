import { describe, expect, it } from 'vitest'
import { sqliteTextToIso, toIsoTimestamp } from '../../src/core/codec.js'

/** What toIsoTimestamp returned when it matched each value with a regular expression. */
function reference(value: unknown): unknown {
  if (value === null || value === undefined) return value
  if (value instanceof Date) return value.toISOString()
  if (typeof value !== 'string') return value
  const m = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(\.\d+)?$/.exec(value)
  if (m) return `${m[1]}T${m[2]}${(m[3] ?? '.').padEnd(4, '0').slice(0, 4)}Z`
  const date = new Date(value)
  return Number.isNaN(date.getTime()) ? value : date.toISOString()
}

describe('toIsoTimestamp', () => {
  it('reads timestamps by position exactly as the regular expression and Date did', () => {
    const values: unknown[] = [
      null,
      undefined,
      5,
      new Date(0),
      '',
      'not a time',
      '2025-01-01 00:00:00',
      '2025-01-01 00:00:00.',
      '2025-01-01 00:00:00.1',
      '2025-01-01 00:00:00.123456',
      '2025-01-01 00:00:00.12a',
      '2025-1-01 00:00:00',
      '2025-13-45 99:99:99',
      '2025-01-01T00:00:00Z',
      '2025-01-01T00:00:00.000Z',
      '2024-02-29T00:00:00.000Z',
      '2025-02-29T00:00:00.000Z',
      '1900-02-29T00:00:00.000Z',
      '2000-02-29T00:00:00.000Z',
      '2025-04-31T00:00:00.000Z',
      '2025-01-01T24:00:00.000Z',
      '2025-01-01T23:59:60.000Z',
      '2025-00-01T00:00:00.000Z',
      '2025-01-01T00:00:00.000+01:00',
      '2025-01-01 00:00:00+00',
    ]
    for (const value of values) expect(toIsoTimestamp(value), String(value)).toBe(reference(value))
  })

  it('turns SQLite and PostgreSQL timestamp text into ISO-8601 with milliseconds', () => {
    expect(sqliteTextToIso('2025-01-02 03:04:05')).toBe('2025-01-02T03:04:05.000Z')
    expect(sqliteTextToIso('2025-01-02 03:04:05.5')).toBe('2025-01-02T03:04:05.500Z')
    expect(sqliteTextToIso('2025-01-02 03:04:05.123456')).toBe('2025-01-02T03:04:05.123Z')
    expect(sqliteTextToIso('2025-01-02T03:04:05')).toBeUndefined()
  })
})
