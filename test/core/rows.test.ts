import { afterEach, describe, expect, it } from 'vitest'
import { sql } from 'kysely'
import { z } from 'zod'
import {
  col,
  ConflictError,
  Database,
  defineTables,
  NotFoundError,
  tableRows,
  ValidationError,
  type TablesOf,
} from '../../src/core/index.js'
import { ENGINES, useEngine } from '../engines.js'

const tables = defineTables({
  notes: {
    id: col.id(),
    slug: col.text(),
    title: col.text(),
    tags: col.json(z.array(z.string())).nullable(),
    pinned: col.boolean().nullable({ inWrites: false }).defaulted(),
    created_at: col.timestamp().nullable({ inWrites: false }).defaulted(),
    updated_at: col.timestamp().nullable(),
  },
})
type NoteTables = TablesOf<typeof tables>

describe.each(ENGINES)('tableRows on $name', (engine) => {
  const ctx = useEngine(engine)
  let db: Database<NoteTables> | undefined
  afterEach(async () => {
    await db?.close()
    db = undefined
  })

  const open = async () => {
    db = await Database.open<NoteTables>(ctx.freshLocation('rows'), { schema: 'rows' })
    const d = db.dialect
    await db.query(`CREATE TABLE notes (
    id ${d.autoIncrementPrimaryKey},
    slug TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    tags TEXT,
    pinned ${d.type('BOOLEAN')} DEFAULT ${d.booleanLiteral(false)},
    created_at ${d.type('TIMESTAMP')} DEFAULT ${d.currentTimestamp},
    updated_at ${d.type('TIMESTAMP')}
)`)
    return { db, rows: tableRows(db, tables.notes, 'note') }
  }

  it('inserts a row encoded and returns it decoded, as get reads it', async () => {
    const { rows } = await open()
    const note = await rows.insert({
      slug: 'a',
      title: 'A',
      tags: ['x', 'y'],
      pinned: true,
      created_at: '2025-01-02 03:04:05',
    })
    expect(note).toEqual({
      id: note.id,
      slug: 'a',
      title: 'A',
      tags: ['x', 'y'],
      pinned: true,
      created_at: '2025-01-02T03:04:05.000Z',
      updated_at: null,
    })
    expect(await rows.get(note.id)).toEqual(note)
  })

  it('reads a row by key as the codec decodes it, and the columns a later ALTER adds', async () => {
    const { db, rows } = await open()
    const { id } = await rows.insert({ slug: 'a', title: 'A', tags: ['x'], pinned: true })
    await rows.insert({ slug: 'b', title: 'B' })
    const direct = await rows.get(id)
    // Inside a transaction the read goes through Kysely and the codec's decode.
    expect(await db.transaction((trx) => rows.get(id, trx))).toEqual(direct)
    expect(direct).toMatchObject({ slug: 'a', tags: ['x'], pinned: true, updated_at: null })
    expect(await rows.get(id + 1)).toMatchObject({ slug: 'b', tags: null })
    await db.query('ALTER TABLE notes ADD COLUMN extra TEXT')
    await db.query(`UPDATE notes SET extra = 'more' WHERE id = ${id}`)
    expect(await rows.get(id)).toEqual({ ...direct, extra: 'more' })
    expect(await rows.get(id)).toEqual({ ...direct, extra: 'more' })
  })

  it('throws NotFoundError naming the row for a missing key', async () => {
    const { rows } = await open()
    await expect(rows.get(7)).rejects.toThrow(new NotFoundError('note 7 does not exist'))
    await expect(rows.update(7, { title: 'B' })).rejects.toThrow(
      new NotFoundError('note 7 does not exist'),
    )
    await expect(rows.remove(7)).rejects.toThrow(new NotFoundError('note 7 does not exist'))
  })

  it('updates the given columns, SQL expressions as written, and returns the row', async () => {
    const { rows } = await open()
    const note = await rows.insert({ slug: 'a', title: 'A' })
    const updated = await rows.update(note.id, {
      tags: ['z'],
      pinned: true,
      updated_at: sql`CURRENT_TIMESTAMP`,
    })
    expect(updated).toMatchObject({ slug: 'a', title: 'A', tags: ['z'], pinned: true })
    expect(updated.updated_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/)
    expect(await rows.get(note.id)).toEqual(updated)
    expect(await rows.update(note.id, {})).toEqual(updated)
  })

  it('removes a row once', async () => {
    const { rows } = await open()
    const note = await rows.insert({ slug: 'a', title: 'A' })
    await rows.remove(note.id)
    await expect(rows.get(note.id)).rejects.toBeInstanceOf(NotFoundError)
    await expect(rows.remove(note.id)).rejects.toBeInstanceOf(NotFoundError)
  })

  it('translates constraint errors as Database.run does', async () => {
    const { rows } = await open()
    const note = await rows.insert({ slug: 'a', title: 'A' })
    await rows.insert({ slug: 'b', title: 'B' })
    // A duplicate names its value (issue 17): the caller sees which row it collided with.
    await expect(rows.insert({ slug: 'a', title: 'again' })).rejects.toMatchObject({
      code: 'conflict',
      message: 'slug "a" already exists',
      columns: ['slug'],
    })
    await expect(rows.update(note.id, { slug: 'b' })).rejects.toThrow(/^slug "b" already exists$/)
    await expect(rows.update(note.id, { slug: 'b' })).rejects.toBeInstanceOf(ConflictError)
    await expect(rows.insert({ slug: 'c' })).rejects.toThrow(
      new ValidationError('title is required', 'title'),
    )
  })

  it('finds rows by another key column, with a message of its own', async () => {
    const { db } = await open()
    const bySlug = tableRows(db, tables.notes, (slug) => `no note has slug ${slug}`, 'slug')
    await bySlug.insert({ slug: 'a', title: 'A' })
    expect(await bySlug.update('a', { title: 'B' })).toMatchObject({ slug: 'a', title: 'B' })
    await expect(bySlug.get('b')).rejects.toThrow(new NotFoundError('no note has slug b'))
    await bySlug.remove('a')
    await expect(bySlug.get('a')).rejects.toBeInstanceOf(NotFoundError)
  })

  it('checks a key for statements of their own, as its methods check it', async () => {
    const { db, rows } = await open()
    const note = await rows.insert({ slug: 'a', title: 'A' })
    expect(rows.key(note.id)).toBe(note.id)
    // On PostgreSQL these reach the bigint column as a cast that fails; on SQLite they match
    // nothing: refused before either, the same on both engines.
    for (const key of ['abc', 1e308, 2 ** 53, 1.5] as unknown as number[]) {
      expect(() => rows.key(key)).toThrow(ValidationError)
    }
    const bySlug = tableRows(db, tables.notes, 'note', 'slug')
    expect(() => bySlug.key(7 as unknown as string)).toThrow(ValidationError)
  })

  it('refuses text with NUL in any parameter, as PostgreSQL does', async () => {
    const { db } = await open()
    await db.query(`INSERT INTO notes (slug, title) VALUES ('a', 'A')`)
    const byNul = db.run((k) =>
      k.selectFrom('notes').selectAll().where('slug', '=', 'a\u0000b').execute(),
    )
    await expect(byNul).rejects.toBeInstanceOf(ValidationError)
    const raw = db.query(`SELECT * FROM notes WHERE title = ${db.dialect.parameter(1)}`, ['\u0000'])
    await expect(raw).rejects.toBeInstanceOf(ValidationError)
  })

  it('works inside a transaction, which commits or rolls back its rows', async () => {
    const { db, rows } = await open()
    const kept = await db.transaction(async (trx) => {
      const note = await rows.insert({ slug: 'a', title: 'A' }, trx)
      expect(await rows.get(note.id, trx)).toEqual(note)
      return rows.update(note.id, { title: 'B' }, trx)
    })
    expect(await rows.get(kept.id)).toEqual(kept)

    let dropped = 0
    const rollback = new Error('roll back')
    await expect(
      db.transaction(async (trx) => {
        dropped = (await rows.insert({ slug: 'b', title: 'B' }, trx)).id
        await rows.remove(kept.id, trx)
        throw rollback
      }),
    ).rejects.toBe(rollback)
    await expect(rows.get(dropped)).rejects.toBeInstanceOf(NotFoundError)
    expect(await rows.get(kept.id)).toEqual(kept)

    await expect(
      db.transaction(async (trx) => {
        const error = await rows.insert({ slug: 'a', title: 'again' }, trx).catch((e) => e)
        expect(error).toBeInstanceOf(ConflictError)
        throw error
      }),
    ).rejects.toBeInstanceOf(ConflictError)
  })
})
