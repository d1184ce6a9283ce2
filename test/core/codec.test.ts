import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { sqliteTextToIso, toIsoTimestamp } from '../../src/core/codec.js'
import { col, defineRow } from '../../src/core/index.js'

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

describe('decoderFor', () => {
  const { codec } = defineRow({
    id: col.id(),
    title: col.text(),
    tags: col.json(z.array(z.string())).nullable(),
    pinned: col.boolean(),
    created_at: col.timestamp(),
  })
  const rows = [
    { id: 1, title: 'a', tags: '["x","y"]', pinned: 1, created_at: '2025-01-02 03:04:05' },
    { id: 2, title: 'b', tags: null, pinned: 0, created_at: '2025-01-02 03:04:05.25' },
    // Plain text in a JSON column (a row another tool wrote) and a column the codec lacks.
    { id: 3, title: 'c', tags: 'not json', pinned: 1, created_at: 'later', extra: 7 },
    { title: '"quoted" \\ name', ['__proto__']: 'text', 'a-b': null },
  ]

  it('decodes rows of values as decode decodes the same rows as objects', () => {
    for (const row of rows) {
      const names = Object.keys(row)
      const decoded = codec.decoderFor(names)(Object.values(row))
      expect(decoded).toEqual(codec.decode(row))
      expect(Object.keys(decoded)).toEqual(names)
    }
  })

  it('keeps a column named __proto__ as a column, the prototype untouched', () => {
    const row = codec.decoderFor(['__proto__', 'id'])(['text', 1]) as Record<string, unknown>
    expect(Object.getPrototypeOf(row)).toBe(Object.prototype)
    expect(Object.getOwnPropertyDescriptor(row, '__proto__')?.value).toBe('text')
    expect(row.id).toBe(1)
  })
})
