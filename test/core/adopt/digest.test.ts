import { afterEach, describe, expect, it } from 'vitest'
import { RowDigester, addDigests } from '../../../src/core/adopt/digest.js'
import type { RowDigest } from '../../../src/core/adopt/engine.js'
import { Database } from '../../../src/core/database.js'
import { sqliteAdoption } from '../../../src/core/engines/sqlite/adopt.js'
import { ENGINES, SQLITE, useEngine } from '../../engines.js'

function digestOf(rows: readonly (readonly unknown[])[]): RowDigest {
  const digester = new RowDigester()
  for (const row of rows) digester.add(row)
  return digester.result
}

const ROWS: unknown[][] = [
  [1, 'a misty forest', 6.5, null],
  [2, '', 0, 'x'],
  [3, 'ラーメン', -1.25, Buffer.from([0, 255])],
]

describe('RowDigester', () => {
  it('does not depend on the order of the rows', () => {
    expect(digestOf([...ROWS].reverse())).toEqual(digestOf(ROWS))
    expect(digestOf(ROWS).rows).toBe(3)
  })

  it('changes when any value changes', () => {
    const base = digestOf(ROWS)
    for (const [row, column, value] of [
      [0, 1, 'a misty forest.'],
      [1, 2, 1],
      [2, 2, -1.2500001],
      [0, 3, ''],
      [2, 3, Buffer.from([0, 254])],
    ] as const) {
      const changed = ROWS.map((r) => [...r])
      changed[row]![column] = value
      expect(digestOf(changed).sum, `row ${row} column ${column}`).not.toBe(base.sum)
    }
  })

  it('tells types apart: text from numbers, null, empty text and bytes', () => {
    const one = (value: unknown) => digestOf([[value]]).sum
    expect(one('5')).not.toBe(one(5))
    expect(one(null)).not.toBe(one(''))
    expect(one(null)).not.toBe(one(0))
    expect(one('')).not.toBe(one(Buffer.alloc(0)))
    expect(one('ab')).not.toBe(one(Buffer.from('ab')))
    expect(one('{"a":1}')).not.toBe(one({ a: 1 }))
  })

  it('counts numbers by value: 5 and 5.0, a bigint and a number, booleans as 0 and 1', () => {
    const one = (value: unknown) => digestOf([[value]]).sum
    expect(one(5.0)).toBe(one(5))
    expect(one(5n)).toBe(one(5))
    expect(one(-7n)).toBe(one(-7))
    expect(one(true)).toBe(one(1))
    expect(one(2 ** 60)).toBe(one(2n ** 60n))
    expect(one(2n ** 53n + 1n)).not.toBe(one(2n ** 53n))
    expect(one(-(2n ** 63n))).not.toBe(one(-(2n ** 63n) + 1n))
    expect(one(0.1 + 0.2)).not.toBe(one(0.3))
  })

  it('keeps the boundaries between values', () => {
    expect(digestOf([['ab', 'c']]).sum).not.toBe(digestOf([['a', 'bc']]).sum)
    expect(digestOf([['a', null]]).sum).not.toBe(digestOf([[null, 'a']]).sum)
    expect(digestOf([[1, 2]]).sum).not.toBe(digestOf([[2, 1]]).sum)
  })

  it('hashes a Date as its ISO text', () => {
    const date = new Date('2026-01-15T12:00:00.000Z')
    expect(digestOf([[date]])).toEqual(digestOf([['2026-01-15T12:00:00.000Z']]))
  })

  it('adds the digests of disjoint sets of rows', () => {
    expect(addDigests(digestOf(ROWS.slice(0, 1)), digestOf(ROWS.slice(1)))).toEqual(digestOf(ROWS))
  })
})

describe.each(ENGINES)('the row digest of a table on $name', (engine) => {
  const ctx = useEngine(engine)
  const open: Database[] = []
  afterEach(async () => {
    for (const db of open.splice(0)) await db.close()
  })

  async function table(rows: readonly (readonly unknown[])[]): Promise<Database> {
    const db = await Database.open(ctx.freshLocation('digest'), { schema: 'digest' })
    open.push(db)
    await db.query('CREATE TABLE t (id INTEGER, label TEXT, score REAL, seed BIGINT)')
    const p = (i: number) => db.dialect.parameter(i)
    for (const row of rows) {
      await db.query(`INSERT INTO t VALUES (${p(1)}, ${p(2)}, ${p(3)}, ${p(4)})`, [...row])
    }
    return db
  }

  const digest = (db: Database) =>
    db.transaction((trx) =>
      db.engineImpl.adoption.digest(db, trx, '"t"', ['id', 'label', 'score', 'seed']),
    )

  const rows = [
    [1, 'a', 1.5, '4294967296'],
    [2, null, null, null],
    [3, 'c', 0.25, '-42'],
  ]

  it('counts the rows, ignores their order and changes with any value', async () => {
    const db = await table(rows)
    const before = await digest(db)
    expect(before.rows).toBe(3)
    expect(await digest(await table([...rows].reverse()))).toEqual(before)

    await db.query('UPDATE t SET score = 0.5 WHERE id = 3')
    expect((await digest(db)).sum).not.toBe(before.sum)
    await db.query('UPDATE t SET score = 0.25 WHERE id = 3')
    expect(await digest(db)).toEqual(before)
    await db.query('UPDATE t SET seed = 4294967297 WHERE id = 1')
    expect((await digest(db)).sum).not.toBe(before.sum)
  })

  it.runIf(engine.name === 'sqlite')(
    'tells the text 5 from the integer 5 but not from 5.0, and integers apart past 2^53',
    async () => {
      const db = await table([[1, 'a', 1, '9007199254740993']])
      const before = await digest(db)
      await db.query("UPDATE t SET seed = '9007199254740992'")
      expect((await digest(db)).sum).not.toBe(before.sum)

      // A column without a declared type keeps each value's own type.
      await db.query('ALTER TABLE t ADD COLUMN loose')
      const loose = async (value: string) => {
        await db.query(`UPDATE t SET loose = ${value}`)
        return db.transaction((trx) => db.engineImpl.adoption.digest(db, trx, '"t"', ['loose']))
      }
      const integer = await loose('5')
      expect((await loose("'5'")).sum).not.toBe(integer.sum)
      expect((await loose("X'35'")).sum).not.toBe(integer.sum)
      expect(await loose('5.0')).toEqual(integer)
    },
  )
})

describe.runIf(ENGINES.some((e) => e.name === 'sqlite'))('sameRows on SQLite', () => {
  const ctx = useEngine(SQLITE)
  const open: Database[] = []
  afterEach(async () => {
    for (const db of open.splice(0)) await db.close()
  })
  const COLUMNS = ['id', 'label', 'score', 'loose', 'code']
  const GENMEDIAS =
    'CREATE TABLE t (id INTEGER PRIMARY KEY, label TEXT, score REAL, loose, code TEXT, extra TEXT)'

  /**
   * A table `t` set aside as adopt sets it aside, and genmedia's `t` made by `definition` with
   * the rows copied into it; `change` then alters the copy.
   */
  async function copied(change = '', definition = GENMEDIAS): Promise<Database> {
    const db = await Database.open(ctx.freshLocation('same-rows'), { schema: 'same_rows' })
    open.push(db)
    await db.query(
      'CREATE TABLE t (id INTEGER PRIMARY KEY, label TEXT COLLATE NOCASE, score REAL, loose, code TEXT)',
    )
    await db.query(
      "INSERT INTO t VALUES (1, 'a', 1.5, 5, '5'), (2, NULL, 2, 'x', 'b'), (5, 'Été', NULL, X'00ff', NULL)",
    )
    for (const statement of sqliteAdoption.setAside(db, 't')) await db.query(statement)
    await db.query(definition)
    const list = COLUMNS.join(', ')
    const from = sqliteAdoption.asideName(db, 't')
    await db.query(`INSERT INTO t (${list}) SELECT ${list} FROM ${from}`)
    for (const statement of change.split(';').filter(Boolean)) await db.query(statement)
    return db
  }

  const sameRows = (db: Database) =>
    db.transaction((trx) => sqliteAdoption.sameRows!(db, trx, 't', COLUMNS))

  it('counts the rows of a faithful copy, whatever else genmedia adds', async () => {
    expect(await sameRows(await copied("UPDATE t SET extra = 'new'"))).toBe(3)
    expect(await sameRows(await copied('UPDATE t SET loose = 5.0 WHERE id = 1'))).toBe(3)
  })

  it('finds no match where a value, its type, its case or a row changed', async () => {
    for (const change of [
      "UPDATE t SET loose = '5' WHERE id = 1",
      'UPDATE t SET score = 1.5000001 WHERE id = 1',
      "UPDATE t SET label = 'A' WHERE id = 1",
      "UPDATE t SET label = CAST('a' AS BLOB) WHERE id = 1",
      'UPDATE t SET score = 0 WHERE id = 5',
      'DELETE FROM t WHERE id = 2',
      "INSERT INTO t (id, label) VALUES (9, 'b')",
      'UPDATE t SET id = 6 WHERE id = 5',
    ]) {
      expect(await sameRows(await copied(change)), change).toBeUndefined()
    }
  })

  it('finds no match where a column’s affinity turned the text 5 into the number 5', async () => {
    const numeric = GENMEDIAS.replace('code TEXT', 'code NUMERIC')
    expect(await sameRows(await copied('', numeric))).toBeUndefined()
  })

  it('cannot pair rows without rowids, or where a column hides them', async () => {
    expect(await sameRows(await copied('', `${GENMEDIAS} WITHOUT ROWID`))).toBeUndefined()
    const hidden = GENMEDIAS.replace('extra TEXT', 'rowid')
    expect(await sameRows(await copied('UPDATE t SET rowid = 1', hidden))).toBeUndefined()
  })
})
