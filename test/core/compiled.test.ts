import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { compiledCheckOf, FAIL } from '../../src/core/compiled.js'
import { STORES } from '../../src/stores/registry.js'
import { newImageSchema } from '../../src/stores/ai-artist/inputs.js'

/** Keys in order, all the way down: zod's output keeps the schema's key order. */
function keyOrder(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(keyOrder)
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    return Object.entries(value).map(([k, v]) => [k, keyOrder(v)])
  }
  return value
}

/**
 * sameAsZod holds the compiled check of `schema` to zod on `value`: where it accepts, zod
 * accepts and returns the same value (keys in the same order, a new object as zod's); where zod
 * refuses, it refuses. Returns whether the compiled check accepted.
 */
function sameAsZod(schema: z.ZodType, value: unknown): boolean {
  const check = compiledCheckOf(schema)
  expect(check).toBeDefined()
  const fast = check!(value)
  const slow = schema.safeParse(value)
  if (!slow.success) {
    expect(fast, JSON.stringify(value)).toBe(FAIL)
    return false
  }
  if (fast === FAIL) return false
  expect(fast).toStrictEqual(slow.data)
  expect(keyOrder(fast)).toStrictEqual(keyOrder(slow.data))
  if (value && typeof value === 'object') expect(fast).not.toBe(value)
  return true
}

const plain = (o: object) => Object.assign(Object.create(null) as object, o)

describe('compiled checks', () => {
  it('return what zod returns, and refuse what zod refuses', () => {
    const schema = z.strictObject({
      name: z.string().trim().min(1).max(8),
      code: z.string().regex(/^[a-z]+$/),
      url: z.string().startsWith('s3://').optional(),
      count: z.number().int().min(0),
      ratio: z.number().gt(0).lt(1).nullable().optional(),
      flag: z.boolean().optional(),
      kind: z.enum(['a', 'b']),
      lit: z.literal('x').optional(),
      when: z.union([z.string(), z.date()]).optional(),
      tags: z.array(z.string()).max(2).optional(),
      meta: z.record(z.string(), z.unknown()).optional(),
      any: z.unknown().optional(),
      nested: z.object({ a: z.number() }).optional(),
    })
    const base = { name: ' ab ', code: 'abc', count: 1, kind: 'a' }
    const accepted = [
      base,
      { ...base, url: 's3://b/k', ratio: 0.5, flag: true, lit: 'x', when: new Date(0) },
      { ...base, ratio: null, when: '2025-01-01', tags: ['a'], meta: { b: 1, a: [2] } },
      { ...base, ratio: undefined, flag: undefined },
      { ...base, nested: { a: 1, extra: 2 }, any: { deep: [1] } },
      { kind: 'b', count: 0, code: 'z', name: 'x' },
      plain({ ...base, meta: plain({ a: 1 }) }),
    ]
    for (const value of accepted) expect(sameAsZod(schema, value)).toBe(true)
    const refused = [
      null,
      [],
      'text',
      { ...base, extra: 1 },
      { ...base, name: '   ' },
      { ...base, name: 'abcdefghi' },
      { ...base, code: 'ABC' },
      { ...base, url: 'http://x' },
      { ...base, count: 1.5 },
      { ...base, count: -1 },
      { ...base, count: Infinity },
      { ...base, count: 2 ** 60 },
      { ...base, count: NaN },
      { ...base, ratio: 1 },
      { ...base, ratio: 0 },
      { ...base, flag: 1 },
      { ...base, kind: 'c' },
      { ...base, lit: 'y' },
      { ...base, when: 5 },
      { ...base, tags: ['a', 'b', 'c'] },
      { ...base, tags: [1] },
      { ...base, meta: [] },
      { ...base, meta: new Date() },
      { ...base, nested: { a: '1' } },
      { name: 'x', count: 1, kind: 'a' },
      { ...base, kind: undefined },
    ]
    for (const value of refused) expect(sameAsZod(schema, value)).toBe(false)
  })

  it('leave to zod what they cannot compile', () => {
    expect(compiledCheckOf(z.string().default('x'))).toBeUndefined()
    expect(compiledCheckOf(z.string().refine((s) => s !== 'x'))).toBeUndefined()
    expect(compiledCheckOf(z.object({ a: z.string().transform((s) => s.length) }))).toBeUndefined()
    expect(compiledCheckOf(z.coerce.number())).toBeUndefined()
    expect(compiledCheckOf(z.string().email())).toBeUndefined()
  })

  it('compile the ingest input and agree with zod on every table insert schema', () => {
    expect(compiledCheckOf(newImageSchema)).toBeDefined()
    for (const store of STORES) {
      for (const table of Object.values(store.tables)) {
        const check = compiledCheckOf(table.insert)
        if (!check) continue
        // An empty insert: accepted exactly where zod accepts it (no required column).
        const empty = table.insert.safeParse({})
        if (empty.success) expect(check({})).toStrictEqual(empty.data)
        else expect(check({})).toBe(FAIL)
        expect(check({ not_a_column: 1 })).toBe(FAIL)
      }
    }
  })
})
