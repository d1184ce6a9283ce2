import { Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { exportTables, openStore, planTables, rowFormatOf } from '../../src/core/index.js'
import { aiArtistStore } from '../../src/stores/ai-artist/index.js'
import { ENGINES, useEngine } from '../engines.js'

/**
 * Export lines are made in SQL as far as each engine can be sure of the bytes; these values sit
 * at the edges of that (reals that JavaScript and the engine write differently, integers past
 * 2^53, timestamps in other forms, text to escape, JSON whose keys are not in order) and each
 * line must be what decoding the row with the codec and JSON.stringify writes.
 */
const REALS = [
  5,
  0,
  -0,
  0.1,
  0.30000000000000004,
  1 / 3,
  2 / 3,
  1e-4,
  9.5e-5,
  1e-7,
  123e-20,
  1e15,
  1e15 - 0.5,
  999999999999999,
  1e21,
  1.2345678901234567,
  4.35,
  -7.25,
  689.6141280639822,
  5e-324,
  1.7976931348623157e308,
]
const TEXTS = [
  'plain',
  'quote " and backslash \\',
  'controls \u0001\u001f\b\f\n\r\t and DEL \u007f',
  'line separators \u2028\u2029',
  'é, 😀, \ufeff',
  '',
]
const JSONS = [
  '{"width":1024,"height":768,"nested":{"b":1,"a":[{"y":1,"x":2}]}}',
  '{"10":1,"9":2,"a":3}',
  '{"__proto__":{"b":1},"z":1,"a":{"__proto__":2,"y":[{"d":1,"c":2}]}}',
  '{"n":1.0,"m":1e2,"k":-0,"big":1e400,"tiny":1e-400}',
  '{"u":"\\u00e9\\n"}',
  'not json at all',
  '[]',
  '{}',
  '["a","b"]',
  '["a", "b"]',
  '["a",1]',
  '["a",["b"]]',
  '["a",{"c":1}]',
  '["x\\"y"]',
  '["[x]","{y}"]',
  '["é","😀"]',
  '["a"] ',
  '[1,2]',
  '["a",1.0,"b"]',
  '["","\\u0041"]',
]

async function linesOf(location: string) {
  const store = await openStore(aiArtistStore, { location, readOnly: true })
  try {
    const chunks: Buffer[] = []
    await exportTables(store.db, aiArtistStore, {
      format: 'ndjson',
      tables: ['generated_images'],
      open: () =>
        new Writable({
          write(chunk: Buffer, _encoding, done) {
            chunks.push(Buffer.from(chunk))
            done()
          },
        }),
    })
    const plan = (await planTables(store.db, aiArtistStore)).find(
      (p) => p.name === 'generated_images',
    )!
    const format = rowFormatOf(plan)
    const expected: string[] = []
    await store.db.engineImpl.transfer.snapshot(store.db, async (reader) => {
      for await (const raws of reader.rows(`${plan.select} ${plan.orderBy}`, 100)) {
        for (const raw of raws) expected.push(`${format.line(format.decode(raw))}\n`)
      }
    })
    // Bytes compared, not text: text made of them would hide bytes that are not UTF-8.
    const actual = Buffer.concat(chunks)
    const wanted = Buffer.from(expected.join(''), 'utf8')
    return {
      actual: actual.toString('utf8'),
      expected: expected.join(''),
      same: actual.equals(wanted),
    }
  } finally {
    await store.close()
  }
}

describe.each(ENGINES)('export lines made in SQL on $name', (engine) => {
  const ctx = useEngine(engine)

  it('are the bytes the codec and JSON.stringify write, at the edges of what SQL writes', async () => {
    const location = ctx.freshLocation('lines')
    const store = await openStore(aiArtistStore, { location })
    const pg = engine.name === 'postgres'
    try {
      const insert = async (values: Record<string, unknown>) => {
        const columns = Object.keys(values)
        const marks = columns.map((_, i) => (pg ? `$${i + 2}` : '?'))
        await store.db.query(
          `INSERT INTO generated_images (filename, prompt, model_id, ${columns.join(', ')})
           VALUES (${pg ? '$1' : '?'}, 'p', 'm', ${marks.join(', ')})`,
          [`f${Math.random()}`, ...Object.values(values)],
        )
      }
      for (const diversity_score of REALS) await insert({ diversity_score })
      for (const prompt of TEXTS) await insert({ source_query: prompt })
      for (const params of JSONS) {
        if (pg && params === 'not json at all') continue
        await insert({ generation_params: params, tags: params })
      }
      for (const seed of [2 ** 53 - 1, 2 ** 53 + 2, -(2 ** 62), 0]) await insert({ seed })
      const times = pg
        ? [
            '2026-01-02 03:04:05.123999+00',
            '2026-01-02 03:04:05+00',
            '0500-01-01 00:00:00+00',
            '12000-01-01 00:00:00+00',
            '0044-03-15 12:00:00+00 BC',
          ]
        : [
            '2026-01-02 03:04:05.123',
            '2026-01-02 03:04:05',
            '2026-01-02 03:04:05.5',
            '2026-01-02 03:04:05.123456',
            '2026-01-02T03:04:05Z',
            '2026-01-02T03:04:05.000Z',
            'yesterday',
          ]
      for (const created_at of times) await insert({ created_at })
      if (!pg) {
        for (const is_featured of [2, 0.5, 'yes', '']) await insert({ is_featured })
        await insert({ diversity_score: 'text in a real column', seed: 2.5 })
        // Text that is not UTF-8, as another program may write it.
        await store.db.query(
          `INSERT INTO generated_images (filename, prompt, model_id, source_query)
           VALUES ('bad utf-8', CAST(X'61ff62c3' AS TEXT), 'm', CAST(X'e282' AS TEXT))`,
        )
      }
    } finally {
      await store.close()
    }
    const { actual, expected, same } = await linesOf(location)
    expect(actual.split('\n').length).toBeGreaterThan(40)
    expect(actual).toBe(expected)
    expect(same).toBe(true)
  })
})
