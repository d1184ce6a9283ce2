import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { jsonProblem, LIMITS } from '../../src/core/validate.js'

/** The plain recursive reading of jsonProblem's rules, to hold the walk without recursion to. */
function storable(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return !value.includes('\u0000')
  if (value === null || typeof value !== 'object') return true
  if (depth >= LIMITS.jsonDepth) return false
  return Object.entries(value).every(
    ([key, item]) => !key.includes('\u0000') && storable(item, depth + 1),
  )
}

/** `levels` objects, each inside the next: `{ a: { a: … { a: leaf } } }`. */
function nest(levels: number, leaf: unknown = 1): unknown {
  let value = leaf
  for (let i = 0; i < levels; i++) value = { a: value }
  return value
}

describe('jsonProblem', () => {
  it('agrees with the recursive rules on any JSON, NUL in keys and strings and deep nests included', () => {
    const text = fc.oneof(fc.string(), fc.constantFrom('\u0000', 'a\u0000b', ''))
    const deep = fc.integer({ min: 0, max: LIMITS.jsonDepth + 2 }).map((n) => nest(n))
    const json = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        text,
        fc.double({ noNaN: true }),
        fc.boolean(),
        fc.constant(null),
        deep,
        fc.array(tie('value'), { maxLength: 4 }),
        fc.dictionary(text, tie('value'), { maxKeys: 4 }),
      ),
    })).value
    fc.assert(
      fc.property(json, (value) => {
        expect(jsonProblem(value) === undefined).toBe(storable(value))
      }),
      { numRuns: 2000 },
    )
  })

  it('names the problem', () => {
    expect(jsonProblem({ steps: 30, tags: ['a', 'b'] })).toBeUndefined()
    expect(jsonProblem(nest(LIMITS.jsonDepth))).toBeUndefined()
    expect(jsonProblem(nest(LIMITS.jsonDepth + 1))).toBe(
      `nests deeper than ${LIMITS.jsonDepth} levels`,
    )
    expect(jsonProblem({ ['a\u0000']: 1 })).toBe('must not contain NUL (\\u0000)')
    expect(jsonProblem([{ b: ['x', 'y\u0000'] }])).toBe('must not contain NUL (\\u0000)')
    expect(jsonProblem('\u0000')).toBe('must not contain NUL (\\u0000)')
  })

  it('refuses a value nested far deeper than the stack would allow a recursive walk', () => {
    expect(jsonProblem(nest(200_000))).toBe(`nests deeper than ${LIMITS.jsonDepth} levels`)
    const arrays: unknown[] = []
    let inner = arrays
    for (let i = 0; i < 200_000; i++) inner = (inner[0] = []) as unknown[]
    expect(jsonProblem(arrays)).toBe(`nests deeper than ${LIMITS.jsonDepth} levels`)
  })
})
