import { afterAll, describe, expect, it } from 'vitest'
import {
  checkDeclaration,
  col,
  defineTables,
  inspectSchema,
  openStore,
  tableNamesOf,
  type OpenStore,
  type TableInfo,
} from '../../src/core/index.js'
import { STORES } from '../../src/stores/registry.js'
import { ENGINES, useEngine } from '../engines.js'

// Every store declares each table once; these tests hold the declarations against the schema
// the migrations create, on each engine.
describe.each(ENGINES)('declared tables on $name', (engine) => {
  const ctx = useEngine(engine)
  const open: OpenStore[] = []
  afterAll(async () => {
    for (const store of open) await store.close()
  })

  it.each(STORES.map((s) => [s.name, s] as const))(
    '%s: every table as declared',
    async (_, definition) => {
      const store = await openStore(definition, {
        location: await ctx.isolatedLocation(definition.name),
      })
      open.push(store)
      const snapshot = await inspectSchema(store.db)
      const declared = Object.values(definition.tables)
      expect(declared.length, 'tables are declared, not named').toBe(
        tableNamesOf(definition).length,
      )
      const drift = declared.flatMap((table) =>
        checkDeclaration(
          table,
          snapshot.tables.find((t) => t.name === table.name),
        ),
      )
      expect(drift).toEqual([])
      const undeclared = snapshot.tables
        .map((t) => t.name)
        .filter((name) => name !== 'genmedia_migrations' && !(name in definition.tables))
      expect(undeclared, 'tables the migrations create but no declaration names').toEqual([])
      await store.close()
      open.pop()
    },
  )
})

describe('checkDeclaration', () => {
  const { notes } = defineTables({
    notes: {
      id: col.id(),
      body: col.text(),
      tags: col.json(col.text().value.array()).nullable().defaulted(),
      created_at: col.timestamp().defaulted(),
    },
  })
  const column = (name: string, type: string, notNull: boolean, dflt: string | null) => ({
    name,
    type,
    notNull,
    default: dflt,
    primaryKey: name === 'id',
  })
  const actual: TableInfo = {
    name: 'notes',
    columns: [
      column('id', 'INTEGER', false, null),
      column('body', 'TEXT', true, null),
      column('tags', 'JSON', false, "'[]'"),
      column('created_at', 'DATETIME', true, 'CURRENT_TIMESTAMP'),
    ],
  }

  it('finds nothing when the declaration matches', () => {
    expect(checkDeclaration(notes, actual)).toEqual([])
  })

  it('names each difference: nullability, default, kind, missing and undeclared columns', () => {
    const drifted: TableInfo = {
      name: 'notes',
      columns: [
        column('id', 'INTEGER', false, null),
        column('body', 'TEXT', false, "''"),
        column('tags', 'REAL', false, "'[]'"),
        column('extra', 'TEXT', false, null),
      ],
    }
    expect(checkDeclaration(notes, drifted)).toEqual([
      'notes.body: declared NOT NULL, the database has nullable',
      "notes.body: declared without a default, the database has DEFAULT ''",
      'notes.tags: declared json, the database has REAL',
      'notes.created_at: declared but missing',
      'notes.extra: in the database, not declared',
    ])
    expect(checkDeclaration(notes, undefined)).toEqual(['notes: declared but missing'])
  })

  it('passes over the search index column a search migration adds, and nothing else', () => {
    const searched: TableInfo = {
      name: 'notes',
      columns: [...actual.columns, column('search_vector', 'tsvector', false, null)],
    }
    expect(checkDeclaration(notes, searched)).toEqual([])
    searched.columns.push(column('search_vectors', 'tsvector', false, null))
    expect(checkDeclaration(notes, searched)).toEqual([
      'notes.search_vectors: in the database, not declared',
    ])
  })
})
