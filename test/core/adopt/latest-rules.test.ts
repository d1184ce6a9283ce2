import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import pg from 'pg'
import { describe, expect, it } from 'vitest'
import {
  adoptStore,
  col,
  Database,
  defineStore,
  defineTables,
  openBackupTarget,
  summaryTable,
  type Migration,
  type SqlDialect,
  type SummarySpec,
} from '../../../src/core/index.js'
import { ENGINES, useEngine } from '../../engines.js'

/**
 * A store whose rule on items.score is relaxed by a later migration: version 1 takes 0 to 1,
 * version 2 (a rebuild of items) 0 to 10. Version 1 counts items into shelves.item_count with
 * a trigger of the same name as the pipeline's own; version 3 adds totals kept by triggers.
 */
const itemsTable = (d: SqlDialect, name: string, most: number) => `CREATE TABLE ${name} (
    id ${d.autoIncrementPrimaryKey},
    shelf_id INTEGER NOT NULL REFERENCES shelves(id) ON DELETE CASCADE,
    label TEXT NOT NULL,
    score ${d.type('REAL')},
    CONSTRAINT check_items_score CHECK (score >= 0 AND score <= ${most})
)`

const countItems = (d: SqlDialect) =>
  d.trigger({
    name: 'count_shelf_items',
    table: 'items',
    timing: 'AFTER',
    event: 'INSERT',
    body: ['UPDATE shelves SET item_count = item_count + 1 WHERE id = NEW.shelf_id'],
  })

const shelfTotals: SummarySpec = {
  table: 'shelf_totals',
  source: 'items',
  groups: { shelf: 'CAST($.shelf_id AS TEXT)' },
  totals: { items: { value: '1', type: 'integer' } },
}

const migrations: Migration[] = [
  {
    version: 1,
    name: 'shelves and items, scores 0 to 1',
    up: (d) => [
      `CREATE TABLE shelves (id ${d.autoIncrementPrimaryKey}, name TEXT NOT NULL, item_count INTEGER NOT NULL DEFAULT 0)`,
      itemsTable(d, 'items', 1),
      ...countItems(d),
    ],
    down: () => ['DROP TABLE items', 'DROP TABLE shelves'],
  },
  {
    version: 2,
    name: 'scores 0 to 10',
    up: (d) => [
      itemsTable(d, 'items_relaxed', 10),
      'INSERT INTO items_relaxed SELECT * FROM items',
      'DROP TABLE items',
      'ALTER TABLE items_relaxed RENAME TO items',
      ...d.continueIds('items'),
      ...countItems(d),
    ],
    down: () => [],
  },
  {
    version: 3,
    name: 'totals per shelf',
    up: (d) => summaryTable(d, shelfTotals),
    down: () => [],
  },
]

const shelvesStore = defineStore({
  name: 'shelves',
  seed: 'test',
  description: 'items on shelves',
  defaultFile: 'shelves.db',
  schema: 'shelves',
  migrations,
  tables: defineTables({
    shelves: { id: col.id(), name: col.name(), item_count: col.integer().defaulted() },
    items: {
      id: col.id(),
      shelf_id: col.integer(),
      label: col.name(),
      score: col.real().nullable(),
    },
    shelf_totals: { shelf: col.text(), items: col.integer().defaulted() },
  }),
  columnsByConstraint: { check_items_score: 'score' },
  createRepository: () => ({}),
  namedQueries: {},
  seedSampleData: async () => ({}),
})

/**
 * The pipeline's own database, made with plain SQL: shelf 1 holds items scored 0.5 (every
 * version takes it) and 5 (version 2 takes it), and, with `broken`, 50 (no version does);
 * item_count counted by its own trigger. Shelf 2 holds one item.
 */
const SEED_ROWS = (broken: boolean) => [
  "INSERT INTO shelves (id, name) VALUES (1, 'kitchen'), (2, 'garage')",
  `INSERT INTO items (id, shelf_id, label, score) VALUES (1, 1, 'cup', 0.5), (2, 1, 'pan', 5), (3, 2, 'saw', 0.25)${
    broken ? ", (4, 1, 'vase', 50)" : ''
  }`,
]

async function seedDatabase(engine: string, location: string, broken: boolean): Promise<void> {
  if (engine === 'sqlite') {
    const db = new BetterSqlite3(location)
    db.exec(`CREATE TABLE shelves (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, item_count INTEGER NOT NULL DEFAULT 0);
CREATE TABLE items (id INTEGER PRIMARY KEY AUTOINCREMENT, shelf_id INTEGER NOT NULL REFERENCES shelves(id), label TEXT NOT NULL, score REAL);
CREATE TRIGGER count_shelf_items AFTER INSERT ON items BEGIN UPDATE shelves SET item_count = item_count + 1 WHERE id = NEW.shelf_id; END;
${SEED_ROWS(broken).join(';\n')};`)
    db.close()
    return
  }
  const url = new URL(location)
  const schema = url.searchParams.get('schema')!
  url.searchParams.delete('schema')
  const client = new pg.Client({ connectionString: url.toString() })
  await client.connect()
  try {
    await client.query(`CREATE SCHEMA "${schema}"; SET search_path TO "${schema}";
CREATE TABLE shelves (id SERIAL PRIMARY KEY, name TEXT NOT NULL, item_count INTEGER NOT NULL DEFAULT 0);
CREATE TABLE items (id SERIAL PRIMARY KEY, shelf_id INTEGER NOT NULL REFERENCES shelves(id), label TEXT NOT NULL, score REAL);
CREATE FUNCTION count_items() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN UPDATE shelves SET item_count = item_count + 1 WHERE id = NEW.shelf_id; RETURN NULL; END $$;
CREATE TRIGGER count_shelf_items AFTER INSERT ON items FOR EACH ROW EXECUTE FUNCTION count_items();
${SEED_ROWS(broken).join(';\n')};
SELECT setval('items_id_seq', 4), setval('shelves_id_seq', 2);`)
  } finally {
    await client.end()
  }
}

async function read<T>(location: string, statement: string): Promise<T[]> {
  const db = await Database.open(location, { schema: shelvesStore.schema, create: false })
  try {
    return await db.query<T>(statement)
  } finally {
    await db.close()
  }
}

const backups = () => openBackupTarget(mkdtempSync(join(tmpdir(), 'genmedia-adopt-backups-')))

describe.each(ENGINES)('adopt judges rows by the latest migration’s rules ($name)', (engine) => {
  const ctx = useEngine(engine)
  // adopt backs the database up first, and pg_dump cannot reach the in-process PGlite reliably.
  const run = engine.name === 'sqlite' || engine.concurrent
  const seeded = async (broken: boolean) => {
    const location = ctx.freshLocation('shelves')
    await seedDatabase(engine.name, location, broken)
    return location
  }

  it.runIf(run)(
    'takes a row version 1 refuses and a later migration allows, with nothing set aside',
    async () => {
      const location = await seeded(false)
      const result = await adoptStore(shelvesStore, { location, backupTarget: backups() })
      expect(result.problems).toEqual([])
      expect(result.status).toBe('adopted')
      expect(result.plan.baseVersion).toBe(1)
      expect(result.setAside).toEqual([])
      expect(result.after).toEqual({ shelves: 2, items: 3 })
      const items = await read<{ id: number; score: number }>(
        location,
        'SELECT id, score FROM items ORDER BY id',
      )
      expect(items).toEqual([
        { id: 1, score: 0.5 },
        { id: 2, score: 5 },
        { id: 3, score: 0.25 },
      ])
      // The database's own trigger counted item 2 when it was written; genmedia's of version 1
      // was held back, so it is not counted twice. Version 3's totals count it.
      expect(await read(location, 'SELECT id, item_count FROM shelves ORDER BY id')).toEqual([
        { id: 1, item_count: 2 },
        { id: 2, item_count: 1 },
      ])
      expect(await read(location, 'SELECT shelf, items FROM shelf_totals ORDER BY shelf')).toEqual([
        { shelf: '1', items: 2 },
        { shelf: '2', items: 1 },
      ])
      // Every trigger is back: a new item is counted, and takes an id after the pipeline's.
      const db = await Database.open(location, { schema: shelvesStore.schema })
      try {
        const [added] = await db.query<{ id: number }>(
          "INSERT INTO items (shelf_id, label, score) VALUES (2, 'drill', 9) RETURNING id",
        )
        expect(added!.id).toBeGreaterThan(3)
        const [shelf] = await db.query<{ item_count: number }>(
          'SELECT item_count FROM shelves WHERE id = 2',
        )
        expect(shelf!.item_count).toBe(2)
      } finally {
        await db.close()
      }
    },
    60_000,
  )

  it.runIf(run)(
    'refuses only the row the latest migration refuses too, and with --set-aside keeps it aside',
    async () => {
      const location = await seeded(true)
      const refused = await adoptStore(shelvesStore, { location, backupTarget: backups() })
      expect(refused.status).toBe('refused')
      expect(refused.rejected).toEqual([
        expect.objectContaining({ table: 'items', key: 4, column: 'score' }),
      ])
      expect(await read(location, 'SELECT id FROM items ORDER BY id')).toEqual([
        { id: 1 },
        { id: 2 },
        { id: 3 },
        { id: 4 },
      ])

      const adopted = await adoptStore(shelvesStore, {
        location,
        backupTarget: backups(),
        setAside: true,
      })
      expect(adopted.status).toBe('adopted')
      expect(adopted.setAside.map((r) => [r.table, r.key])).toEqual([['items', 4]])
      expect(adopted.after).toEqual({ shelves: 2, items: 3 })
      expect(await read(location, 'SELECT id, score FROM items_set_aside')).toEqual([
        { id: 4, score: 50 },
      ])
      expect(await read(location, 'SELECT shelf, items FROM shelf_totals ORDER BY shelf')).toEqual([
        { shelf: '1', items: 2 },
        { shelf: '2', items: 1 },
      ])
    },
    60_000,
  )
})
