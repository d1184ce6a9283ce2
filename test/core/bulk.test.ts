import { afterEach, describe, expect, it } from 'vitest'
import { z } from 'zod'
import {
  ConflictError,
  insertEach,
  insertMany,
  openStore,
  toIsoTimestamp,
  parseItem,
  ValidationError,
  type OpenStore,
} from '../../src/core/index.js'
import { toSqliteValue } from '../../src/core/engines/sqlite/connection.js'
import { aiArtistStore, type AiArtistRepository } from '../../src/stores/ai-artist/index.js'
import { aiArtistTables } from '../../src/stores/ai-artist/tables.js'
import { ENGINES, useEngine } from '../engines.js'

const COLUMNS = ['filename', 'prompt', 'model_id', 'is_featured', 'tags', 'created_at'] as const
const images = aiArtistTables.generated_images
const codec = images.codec

describe('bulk encoding', () => {
  it('encodes JSON and timestamp columns, leaving the rest and nulls as given', () => {
    const row = codec.encode({
      tags: ['a'],
      generation_params: null,
      created_at: '2025-01-02 03:04:05',
      prompt: 'p',
    })
    expect(row).toEqual({
      tags: '["a"]',
      generation_params: null,
      created_at: new Date('2025-01-02T03:04:05Z'),
      prompt: 'p',
    })
    expect(() => codec.encode({ created_at: 'yesterday' })).toThrow(/created_at/)
  })

  it('gives the encoder of each column: JSON and timestamps, nothing for the rest', () => {
    expect(codec.encoderOf('tags')?.(['a'])).toBe('["a"]')
    expect(codec.encoderOf('created_at')?.('2025-01-02 03:04:05')).toEqual(
      new Date('2025-01-02T03:04:05Z'),
    )
    expect(() => codec.encoderOf('updated_at')?.('yesterday')).toThrow(/updated_at/)
    expect(codec.encoderOf('prompt')).toBeUndefined()
  })

  it('decodes stored timestamps to ISO-8601 UTC and leaves other text alone', () => {
    expect(toIsoTimestamp('2025-01-02 03:04:05')).toBe('2025-01-02T03:04:05.000Z')
    expect(toIsoTimestamp('2025-01-02 03:04:05.5')).toBe('2025-01-02T03:04:05.500Z')
    expect(toIsoTimestamp('2025-01-02T03:04:05+02:00')).toBe('2025-01-02T01:04:05.000Z')
    expect(toIsoTimestamp('not a timestamp, 19')).toBe('not a timestamp, 19')
    expect(toIsoTimestamp('abcd-ef-gh ij:kl:mn')).toBe('abcd-ef-gh ij:kl:mn')
  })

  it('binds a Date by its time, also when the same Date object changes between rows', () => {
    const date = new Date('2025-01-01T00:00:00Z')
    expect(toSqliteValue(date)).toBe('2025-01-01 00:00:00')
    expect(toSqliteValue(date)).toBe('2025-01-01 00:00:00')
    date.setTime(Date.parse('2025-01-01T00:00:01.250Z'))
    expect(toSqliteValue(date)).toBe('2025-01-01 00:00:01.250')
    expect(toSqliteValue(new Date('2024-12-31T23:59:59Z'))).toBe('2024-12-31 23:59:59')
    expect(toSqliteValue(true)).toBe(1)
  })
})

describe.each(ENGINES)('insertMany on $name', (engine) => {
  const ctx = useEngine(engine)
  let store: OpenStore<AiArtistRepository> | undefined
  afterEach(async () => {
    await store?.close()
    store = undefined
  })
  const open = async () => {
    store = await openStore(aiArtistStore, { location: ctx.freshLocation('bulk') })
    return store
  }
  const rows = (count: number, start = 0) => {
    const shared = new Date('2025-02-03T04:05:06Z')
    return Array.from({ length: count }, (_, i) =>
      codec.encode({
        filename: `f${start + i}.png`,
        prompt: `p${i}`,
        model_id: 'm',
        is_featured: i % 2 === 0,
        tags: [`t${i}`],
        created_at: i % 3 === 0 ? shared : new Date(Date.UTC(2025, 0, 1, 0, 0, i)),
      }),
    )
  }

  it('stores every value as given, in its own transaction or the caller’s', async () => {
    const { db, repo } = await open()
    expect(await insertMany(db, 'generated_images', COLUMNS, rows(700))).toBe(700)
    await db.transaction(async (trx) => {
      await insertMany(db, 'generated_images', COLUMNS, rows(3, 700), trx)
    })
    const page = await repo.listImages({}, { limit: 500 })
    expect(page.items).toHaveLength(500)
    const byName = new Map(
      [...page.items, ...(await repo.listImages({}, { limit: 500, after: page.next })).items].map(
        (i) => [i.filename, i],
      ),
    )
    expect(byName.size).toBe(703)
    expect(byName.get('f0.png')).toMatchObject({
      is_featured: true,
      tags: ['t0'],
      created_at: '2025-02-03T04:05:06.000Z',
    })
    expect(byName.get('f5.png')).toMatchObject({
      is_featured: false,
      tags: ['t5'],
      created_at: '2025-01-01T00:00:05.000Z',
    })
    expect(byName.get('f701.png')).toMatchObject({ created_at: '2025-01-01T00:00:01.000Z' })
  })

  it('is all or nothing and reports a constraint as ConflictError', async () => {
    const { db, repo } = await open()
    const batch = [...rows(5), ...rows(1)]
    await expect(insertMany(db, 'generated_images', COLUMNS, batch)).rejects.toBeInstanceOf(
      ConflictError,
    )
    await expect(
      db.transaction(async (trx) => {
        await insertMany(db, 'generated_images', COLUMNS, rows(2, 10), trx)
        await insertMany(db, 'generated_images', COLUMNS, rows(1, 10), trx)
      }),
    ).rejects.toBeInstanceOf(ConflictError)
    expect((await repo.listImages()).items).toEqual([])
  })

  it.runIf(engine.name === 'postgres')(
    'prepares its multi-row INSERT once per connection on PostgreSQL',
    async () => {
      store = await openStore(aiArtistStore, { location: ctx.freshLocation('bulk'), poolSize: 1 })
      const { db } = store
      // On PGlite every connection shares one session, so count what these inserts add.
      const preparedInserts = async () =>
        Number(
          (
            await db.query<{ n: string | number }>(
              `SELECT count(*) AS n FROM pg_prepared_statements WHERE statement LIKE 'INSERT INTO "generated_images"%'`,
            )
          )[0]!.n,
        )
      const before = await preparedInserts()
      expect(await insertMany(db, 'generated_images', COLUMNS, rows(1_200))).toBe(1_200)
      expect(await insertMany(db, 'generated_images', COLUMNS, rows(600, 1_200))).toBe(600)
      // The one connection holds one prepared INSERT of 500 rows, used by both calls; the
      // shorter last statements are not kept.
      expect((await preparedInserts()) - before).toBe(1)
      const [count] = await db.query<{ n: string | number }>(
        'SELECT count(*) AS n FROM generated_images',
      )
      expect(Number(count!.n)).toBe(1_800)
    },
  )

  it('sends its statements where captureQueries records them', async () => {
    const { db } = await open()
    const { queries } = await db.captureQueries(() =>
      insertMany(db, 'generated_images', COLUMNS, rows(2)),
    )
    expect(queries.filter((q) => /^INSERT INTO "generated_images"/.test(q.sql))).toHaveLength(1)
  })

  const inputSchema = z.strictObject({
    filename: z.string().min(1),
    prompt: z.string().min(1),
    model_id: z.string().optional(),
    is_featured: z.boolean().optional(),
    tags: z.array(z.string()).nullable().optional(),
    created_at: z.union([z.string(), z.date()]).optional(),
  })
  type Input = z.input<typeof inputSchema>
  const each = (now: Date) => ({
    parse: (input: Input, i: number) => parseItem(inputSchema, input, 'image', i),
    columns: COLUMNS,
    defaults: { model_id: 'default-model', is_featured: false, tags: ['d'], created_at: now },
  })

  it('insertEach validates and encodes each input, filling what it leaves out from defaults', async () => {
    const { db, repo } = await open()
    const now = new Date('2025-04-05T06:07:08Z')
    const inputs: Input[] = Array.from({ length: 620 }, (_, i) => ({
      filename: `e${i}.png`,
      prompt: `p${i}`,
      ...(i === 1 ? { tags: null, model_id: 'sdxl', is_featured: true } : {}),
      ...(i === 2 ? { created_at: '2025-01-02 03:04:05', tags: ['x', 'y'] } : {}),
    }))
    expect(await insertEach(db, images, inputs, each(now))).toBe(620)
    const first = await repo.listImages({}, { limit: 500 })
    const rest = await repo.listImages({}, { limit: 500, after: first.next })
    const byName = new Map([...first.items, ...rest.items].map((i) => [i.filename, i]))
    expect(byName.size).toBe(620)
    expect(byName.get('e0.png')).toMatchObject({
      model_id: 'default-model',
      is_featured: false,
      tags: ['d'],
      created_at: '2025-04-05T06:07:08.000Z',
    })
    // null is kept as null (not replaced by the default); given values are encoded
    expect(byName.get('e1.png')).toMatchObject({ model_id: 'sdxl', is_featured: true, tags: null })
    expect(byName.get('e2.png')).toMatchObject({
      tags: ['x', 'y'],
      created_at: '2025-01-02T03:04:05.000Z',
    })
  })

  it('insertEach refuses a bad input by its position and field, leaving nothing written', async () => {
    const { db, repo } = await open()
    const inputs: Input[] = Array.from({ length: 600 }, (_, i) => ({
      filename: `r${i}.png`,
      prompt: i === 598 ? '' : `p${i}`,
    }))
    const refused = insertEach(db, images, inputs, each(new Date()))
    await expect(refused).rejects.toBeInstanceOf(ValidationError)
    await expect(refused).rejects.toMatchObject({ field: 'prompt' })
    await expect(refused).rejects.toThrow(/^image 599: prompt/)
    const late = [{ filename: 'ok.png', prompt: 'p', created_at: 'not a time' }]
    await expect(insertEach(db, images, late, each(new Date()))).rejects.toMatchObject({
      field: 'created_at',
    })
    expect((await repo.listImages()).items).toEqual([])
  })

  it('insertEach reports the first failure in input order when a later input is also refused', async () => {
    const { db, repo } = await open()
    // Input 1 repeats input 0's file name (a conflict in the first statement); input 598, in a
    // later statement, is refused by validation while the first may still be running.
    const inputs: Input[] = Array.from({ length: 600 }, (_, i) => ({
      filename: `c${i === 1 ? 0 : i}.png`,
      prompt: i === 598 ? '' : `p${i}`,
    }))
    await expect(insertEach(db, images, inputs, each(new Date()))).rejects.toBeInstanceOf(
      ConflictError,
    )
    expect((await repo.listImages()).items).toEqual([])
  })
})
