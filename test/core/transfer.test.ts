import { join } from 'node:path'
import { Writable } from 'node:stream'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  copyStore,
  CopyError,
  inspectSchema,
  exportTables,
  openStore,
  QueryRefusedError,
  QueryTimeoutError,
  runSql,
  seedStore,
  type ExportFormat,
  type StoreDefinition,
} from '../../src/core/index.js'
import { aiArtistStore } from '../../src/stores/ai-artist/index.js'
import { STORES } from '../../src/stores/registry.js'
import { ENGINES, useEngine } from '../engines.js'

/** A Writable that keeps what is written, for comparing exports byte for byte. */
class Collect extends Writable {
  chunks: Buffer[] = []
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.chunks.push(Buffer.from(chunk))
    done()
  }
  get text(): string {
    return Buffer.concat(this.chunks).toString('utf8')
  }
}

/** exportAll exports every table of the store at `location` and returns each table's bytes. */
async function exportAll(
  definition: StoreDefinition<any>,
  location: string,
  format: ExportFormat,
  where?: string,
  tables?: readonly string[],
): Promise<Record<string, string>> {
  const store = await openStore(definition, { location, readOnly: true })
  const outputs = new Map<string, Collect>()
  try {
    await exportTables(store.db, definition, {
      format,
      where,
      tables,
      open: (table) => {
        const out = new Collect()
        outputs.set(table, out)
        return out
      },
    })
  } finally {
    await store.close()
  }
  return Object.fromEntries([...outputs].map(([t, out]) => [t, out.text]))
}

async function seeded(definition: StoreDefinition<any>, location: string): Promise<void> {
  const store = await openStore(definition, { location })
  try {
    await seedStore(store)
  } finally {
    await store.close()
  }
}

describe.each(ENGINES)('copy and export through $name', (engine) => {
  const ctx = useEngine(engine)
  const sqlite = (label: string) =>
    join(ctx.dir, `${label}_${Math.random().toString(36).slice(2)}.db`)

  it.each(STORES.map((s) => [s.name, s] as const))(
    'round trip of %s: SQLite → this engine → SQLite exports the same bytes, table by table',
    async (_name, definition) => {
      const first = sqlite('first')
      await seeded(definition, first)
      const middle = await ctx.isolatedLocation('middle')
      const last = sqlite('last')
      const there = await copyStore(definition, { from: first, to: middle })
      await copyStore(definition, { from: middle, to: last })
      for (const format of ['ndjson', 'csv'] as const) {
        const a = await exportAll(definition, first, format)
        const b = await exportAll(definition, middle, format)
        const c = await exportAll(definition, last, format)
        expect(Object.keys(a).length).toBeGreaterThan(0)
        for (const table of Object.keys(a)) {
          expect(c[table], `${definition.name}.${table} (${format})`).toBe(a[table])
          expect(b[table], `${definition.name}.${table} (${format}) on ${engine.name}`).toBe(
            a[table],
          )
        }
      }
      const rows = Object.values(await exportAll(definition, first, 'ndjson')).join('')
      expect(there.rows).toBe(rows.split('\n').filter(Boolean).length)
    },
  )

  it.each(STORES.map((s) => [s.name, s] as const))(
    'copy of %s leaves the target every index, trigger and foreign key (set aside while loading)',
    async (_name, definition) => {
      const source = sqlite('schema')
      await seeded(definition, source)
      const target = await ctx.isolatedLocation('schema')
      const schemaOf = async () => {
        const store = await openStore(definition, { location: target })
        try {
          const keys = await store.db.engineImpl.transfer.foreignKeys(store.db)
          return {
            ...(await inspectSchema(store.db)),
            keys: keys.map((k) => JSON.stringify(k)).sort(),
          }
        } finally {
          await store.close()
        }
      }
      const before = await schemaOf()
      await copyStore(definition, { from: source, to: target, replace: true })
      expect(await schemaOf()).toEqual(before)
    },
  )

  it('refuses a target that holds rows unless --replace, and replaces it whole', async () => {
    const source = sqlite('source')
    await seeded(aiArtistStore, source)
    const target = await ctx.isolatedLocation('target')
    await seeded(aiArtistStore, target)
    const other = await openStore(aiArtistStore, { location: target })
    const image = await other.repo.addImage({
      filename: 'extra.png',
      prompt: 'only in the target',
      model_id: 'sdxl',
    })
    await other.close()
    await expect(copyStore(aiArtistStore, { from: source, to: target })).rejects.toThrow(
      /already holds rows .*--replace/,
    )
    expect((await exportAll(aiArtistStore, target, 'ndjson')).generated_images).toContain(
      'only in the target',
    )
    await copyStore(aiArtistStore, { from: source, to: target, replace: true })
    const after = await exportAll(aiArtistStore, target, 'ndjson')
    expect(after).toEqual(await exportAll(aiArtistStore, source, 'ndjson'))
    expect(image.id).toBeGreaterThan(0)
  })

  it('keeps ids and carries the id counters: new rows never reuse an id', async () => {
    const source = sqlite('counters')
    await seeded(aiArtistStore, source)
    const store = await openStore(aiArtistStore, { location: source })
    const last = await store.repo.addImage({
      filename: 'last.png',
      prompt: 'then deleted',
      model_id: 'sdxl',
    })
    await store.db.query('DELETE FROM generated_images WHERE id = ?', [last.id])
    await store.close()
    const target = await ctx.isolatedLocation('counters')
    await copyStore(aiArtistStore, { from: source, to: target })
    const copy = await openStore(aiArtistStore, { location: target })
    try {
      const added = await copy.repo.addImage({
        filename: 'new.png',
        prompt: 'after the copy',
        model_id: 'sdxl',
      })
      expect(added.id).toBeGreaterThan(last.id)
    } finally {
      await copy.close()
    }
  })

  it('refuses to copy a store onto itself, and a source that does not exist', async () => {
    const location = await ctx.isolatedLocation('self')
    await seeded(aiArtistStore, location)
    await expect(copyStore(aiArtistStore, { from: location, to: location })).rejects.toThrow(
      CopyError,
    )
    await expect(
      copyStore(aiArtistStore, { from: sqlite('missing'), to: sqlite('nowhere') }),
    ).rejects.toThrow(/does not exist/)
  })

  it('exports only the rows --where selects, in key order', async () => {
    const location = await ctx.isolatedLocation('where')
    await seeded(aiArtistStore, location)
    const all = (await exportAll(aiArtistStore, location, 'ndjson')).generated_images!
    // The condition names a column of generated_images (the summary table has no id).
    const only = ['generated_images']
    const some = (await exportAll(aiArtistStore, location, 'ndjson', 'id <= 5', only))
      .generated_images!
    const ids = some
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { id: number }).id)
    expect(ids).toEqual([1, 2, 3, 4, 5])
    expect(all.startsWith(some)).toBe(true)
    const csv = (await exportAll(aiArtistStore, location, 'csv', 'id = 1', only)).generated_images!
    expect(csv.split('\r\n')[0]).toMatch(/^id,filename,/)
    expect(csv.split('\r\n')).toHaveLength(3)
  })

  it('exports a --where that bounds the key page after page, each page read from where the last ended', async () => {
    // On SQLite, a function in the condition counts the rows the pages visit: a store in memory,
    // whose snapshot is read on the store's own handle, where the function is registered.
    const inMemory = engine.name === 'sqlite'
    const store = await openStore(aiArtistStore, {
      location: inMemory ? ':memory:' : await ctx.isolatedLocation('pages'),
    })
    try {
      const rows = 2500
      await store.repo.addImages(
        Array.from({ length: rows }, (_, i) => ({
          filename: `img_${i}.png`,
          prompt: `prompt ${i}`,
          model_id: 'sdxl-1.0',
        })),
      )
      let visited = 0
      store.db.sqliteHandle?.function('visited', () => ++visited)
      const out = new Collect()
      await exportTables(store.db, aiArtistStore, {
        format: 'ndjson',
        tables: ['generated_images'],
        where: inMemory ? 'id > 0 AND visited() > 0' : 'id > 0',
        open: () => out,
      })
      const ids = out.text
        .trim()
        .split('\n')
        .map((line) => (JSON.parse(line) as { id: number }).id)
      expect(ids).toEqual(Array.from({ length: rows }, (_, i) => i + 1))
      // Each row once: a page that scanned from the first row again would visit 1,000 + 2,000 +
      // 2,500 + 2,500 (the empty page after the last).
      if (inMemory) expect(visited).toBe(rows)
    } finally {
      await store.close()
    }
  })

  describe('genmedia sql', () => {
    let location = ''
    beforeAll(async () => {
      location = await ctx.isolatedLocation('sql')
      await seeded(aiArtistStore, location)
    })
    const refused = [
      "INSERT INTO settings (key, value) VALUES ('a', 'b')",
      "UPDATE generated_images SET prompt = 'x'",
      'DELETE FROM generated_images',
      'DROP TABLE generated_images',
      "ATTACH DATABASE 'elsewhere.db' AS elsewhere",
      'PRAGMA user_version = 7',
      'SELECT 1; DELETE FROM generated_images',
      'WITH gone AS (DELETE FROM generated_images RETURNING id) SELECT * FROM gone',
      '  -- a comment first\n  delete from generated_images',
      'CREATE TABLE t (x INTEGER)',
    ]

    it.each(refused)('refuses %s in one line and changes nothing', async (statement) => {
      const before = await exportAll(aiArtistStore, location, 'ndjson')
      const store = await openStore(aiArtistStore, { location, readOnly: true })
      try {
        const error = await runSql(store.db, statement, {
          onColumns: () => undefined,
          onRows: () => undefined,
        }).catch((e: unknown) => e)
        expect(error).toBeInstanceOf(QueryRefusedError)
        expect((error as Error).message).toMatch(/^refused: /)
        expect((error as Error).message).not.toContain('\n')
      } finally {
        await store.close()
      }
      expect(await exportAll(aiArtistStore, location, 'ndjson')).toEqual(before)
    })

    it.each([
      'DELETE FROM generated_images WHERE id = 1',
      "UPDATE generated_images SET prompt = 'x'",
    ])(
      'the engine itself refuses %s (its session is read-only, whatever the first word)',
      async (statement) => {
        const store = await openStore(aiArtistStore, { location, readOnly: true })
        try {
          const error = await store.db.engineImpl.transfer
            .query(store.db, {
              sql: statement,
              timeoutMs: 5000,
              onColumns: () => undefined,
              onRows: () => undefined,
            })
            .catch((e: unknown) => e)
          expect(error).toBeInstanceOf(QueryRefusedError)
        } finally {
          await store.close()
        }
      },
    )

    it('answers a question', async () => {
      const store = await openStore(aiArtistStore, { location, readOnly: true })
      try {
        let columns: string[] = []
        const rows: unknown[][] = []
        await runSql(
          store.db,
          'SELECT model_id, COUNT(*) AS n FROM generated_images GROUP BY model_id ORDER BY model_id',
          { onColumns: (c) => (columns = c), onRows: (r) => void rows.push(...r) },
        )
        expect(columns).toEqual(['model_id', 'n'])
        expect(rows.length).toBeGreaterThan(1)
      } finally {
        await store.close()
      }
    })

    it.runIf(engine.stopsStatements)('stops a runaway query at its time limit', async () => {
      const store = await openStore(aiArtistStore, { location, readOnly: true })
      try {
        await expect(
          runSql(
            store.db,
            'WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT COUNT(*) FROM r',
            { timeoutMs: 300, onColumns: () => undefined, onRows: () => undefined },
          ),
        ).rejects.toThrow(QueryTimeoutError)
      } finally {
        await store.close()
      }
    })
  })
})
