import { afterEach, describe, expect, it } from 'vitest'
import {
  inspectSchema,
  MIGRATION_TABLE,
  openStore,
  SchemaVersionError,
  type OpenStore,
} from '../../../src/core/index.js'
import { aiArtistStore, type AiArtistRepository } from '../../../src/stores/ai-artist/index.js'
import { ENGINES, useEngine } from '../../engines.js'
import { SEARCH_VECTOR } from '../../../src/core/search/define.js'

/** The seed's columns: PostgreSQL's searchable tables also carry the stored search column (docs/search.md). */
const seedColumn = (c: { name: string }) => c.name !== SEARCH_VECTOR

const VERSIONS = aiArtistStore.migrations.map((m) => m.version)
const LATEST = Math.max(...VERSIONS)

/** Seed 004's columns with the types its DDL declares (SQLite keeps them verbatim). */
const SEED_COLUMNS: Record<string, Record<string, [sqlite: string, postgres: string]>> = {
  generated_images: {
    id: ['INTEGER', 'integer'],
    filename: ['TEXT', 'text'],
    prompt: ['TEXT', 'text'],
    negative_prompt: ['TEXT', 'text'],
    source_url: ['TEXT', 'text'],
    source_query: ['TEXT', 'text'],
    model_id: ['TEXT', 'text'],
    generation_params: ['JSON', 'jsonb'],
    seed: ['INTEGER', 'integer'],
    aesthetic_score: ['REAL', 'double precision'],
    clip_score: ['REAL', 'double precision'],
    technical_score: ['REAL', 'double precision'],
    final_score: ['REAL', 'double precision'],
    created_at: ['DATETIME', 'timestamp with time zone'],
    status: ['TEXT', 'text'],
    is_featured: ['BOOLEAN', 'boolean'],
    tags: ['JSON', 'jsonb'],
    diversity_score: ['REAL', 'double precision'],
    updated_at: ['DATETIME', 'timestamp with time zone'],
  },
  training_sessions: {
    id: ['INTEGER', 'integer'],
    name: ['TEXT', 'text'],
    model_path: ['TEXT', 'text'],
    config: ['JSON', 'jsonb'],
    dataset_size: ['INTEGER', 'integer'],
    final_loss: ['REAL', 'double precision'],
    training_time_seconds: ['REAL', 'double precision'],
    metrics: ['JSON', 'jsonb'],
    started_at: ['DATETIME', 'timestamp with time zone'],
    completed_at: ['DATETIME', 'timestamp with time zone'],
    status: ['TEXT', 'text'],
  },
  creation_sessions: {
    id: ['INTEGER', 'integer'],
    theme: ['TEXT', 'text'],
    images_created: ['INTEGER', 'integer'],
    images_kept: ['INTEGER', 'integer'],
    avg_score: ['REAL', 'double precision'],
    started_at: ['DATETIME', 'timestamp with time zone'],
    completed_at: ['DATETIME', 'timestamp with time zone'],
  },
}

const SEED_DEFAULTS: [table: string, column: string, sqlite: string, postgres: RegExp][] = [
  ['generated_images', 'negative_prompt', "''", /^''::text$/],
  ['generated_images', 'generation_params', "'{}'", /^'\{\}'::jsonb$/],
  ['generated_images', 'created_at', 'CURRENT_TIMESTAMP', /^CURRENT_TIMESTAMP$/],
  ['generated_images', 'status', "'pending'", /^'pending'::text$/],
  ['generated_images', 'is_featured', '0', /^false$/],
  ['generated_images', 'tags', "'[]'", /^'\[\]'::jsonb$/],
  ['training_sessions', 'config', "'{}'", /^'\{\}'::jsonb$/],
  ['training_sessions', 'metrics', "'{}'", /^'\{\}'::jsonb$/],
  ['training_sessions', 'started_at', 'CURRENT_TIMESTAMP', /^CURRENT_TIMESTAMP$/],
  ['training_sessions', 'status', "'running'", /^'running'::text$/],
  ['creation_sessions', 'images_created', '0', /^0$/],
  ['creation_sessions', 'images_kept', '0', /^0$/],
  ['creation_sessions', 'started_at', 'CURRENT_TIMESTAMP', /^CURRENT_TIMESTAMP$/],
]

const SEED_INDEXES: Record<string, string[]> = {
  idx_filename: ['filename'],
  idx_model_id: ['model_id'],
  idx_created_at: ['created_at'],
  idx_status: ['status'],
  idx_final_score: ['final_score'],
  idx_featured: ['is_featured'],
  idx_status_score: ['status', 'final_score'],
  idx_covering: ['status', 'final_score', 'filename', 'created_at'],
  idx_diversity_score: ['diversity_score'],
  idx_training_name: ['name'],
  idx_training_status: ['status'],
  idx_training_started: ['started_at'],
  idx_session_started: ['started_at'],
  idx_session_theme: ['theme'],
}

describe.each(ENGINES)('ai-artist schema on $name', (engine) => {
  const ctx = useEngine(engine)
  let store: OpenStore<AiArtistRepository> | undefined

  afterEach(async () => {
    await store?.close()
    store = undefined
  })

  it('has every table, column, type, default, index and trigger seed 004 names', async () => {
    store = await openStore(aiArtistStore, { location: ctx.freshLocation('ai') })
    const schema = await inspectSchema(store.db)
    for (const [table, columns] of Object.entries(SEED_COLUMNS)) {
      const info = schema.tables.find((t) => t.name === table)
      expect(info, table).toBeDefined()
      const actual = Object.fromEntries(
        info!.columns.filter(seedColumn).map((c) => [c.name, c.type]),
      )
      const expected = Object.fromEntries(
        // Every integer column is 64-bit (the seed's INTEGER is on SQLite): BIGINT on PostgreSQL.
        Object.entries(columns).map(([c, [sqlite, postgres]]) => [
          c,
          engine.name === 'sqlite' ? sqlite : postgres.replace(/^integer$/, 'bigint'),
        ]),
      )
      expect(actual).toEqual(expected)
    }
    for (const [table, column, sqliteDefault, pgDefault] of SEED_DEFAULTS) {
      const col = schema.tables
        .find((t) => t.name === table)!
        .columns.find((c) => c.name === column)!
      if (engine.name === 'sqlite') expect(col.default, `${table}.${column}`).toBe(sqliteDefault)
      else expect(col.default, `${table}.${column}`).toMatch(pgDefault)
    }
    const filename = schema.tables[1]!.columns.find((c) => c.name === 'filename')
    expect(filename?.notNull).toBe(true)
    for (const [name, columns] of Object.entries(SEED_INDEXES)) {
      const index = schema.indexes.find((i) => i.name === name)
      expect(index, name).toBeDefined()
      expect(index!.columns.map((c) => c.replace(/ DESC$/, ''))).toEqual(columns)
    }
    expect(schema.triggers.map((t) => t.name)).toContain('update_timestamp')
  })

  it('migrates up, down to nothing and up again to an identical schema', async () => {
    store = await openStore(aiArtistStore, { location: ctx.freshLocation('ai') })
    const before = await inspectSchema(store.db)
    expect(await store.migrator.migrateTo(0)).toMatchObject({
      from: LATEST,
      to: 0,
      reverted: [...VERSIONS].reverse(),
    })
    const empty = await inspectSchema(store.db)
    expect(empty.tables.map((t) => t.name)).toEqual([MIGRATION_TABLE])
    expect(empty.indexes).toEqual([])
    expect(empty.triggers).toEqual([])
    await store.migrator.migrateTo(1)
    const v1 = await inspectSchema(store.db)
    expect(v1.indexes.map((i) => i.name)).not.toContain('idx_diversity_score')
    await store.migrator.migrateTo()
    expect(await inspectSchema(store.db)).toEqual(before)
    expect(await store.migrator.migrateTo()).toMatchObject({ applied: [], reverted: [] })
  })

  it('refuses a database from a newer genmedia, naming both versions', async () => {
    const location = ctx.freshLocation('ai')
    store = await openStore(aiArtistStore, { location })
    await store.db.query(
      `INSERT INTO ${MIGRATION_TABLE} (version, name, checksum, applied_at) VALUES (${LATEST + 1}, 'future', 'x', 'now')`,
    )
    await store.close()
    store = undefined
    const opening = openStore(aiArtistStore, { location })
    await expect(opening).rejects.toThrow(SchemaVersionError)
    await expect(openStore(aiArtistStore, { location })).rejects.toThrow(
      new RegExp(`schema version ${LATEST + 1}, newer than this genmedia's ${LATEST}`),
    )
  })

  it('catches a migration edited after it was applied', async () => {
    const location = ctx.freshLocation('ai')
    store = await openStore(aiArtistStore, { location })
    await store.db.query(`UPDATE ${MIGRATION_TABLE} SET checksum = 'edited' WHERE version = 2`)
    await store.close()
    store = undefined
    await expect(openStore(aiArtistStore, { location })).rejects.toThrow(
      /migration 2 \(add diversity_score\) .* was changed after it was applied/,
    )
  })

  it('applies each migration once when two processes migrate at once', async () => {
    const location = ctx.freshLocation('ai')
    const [a, b] = await Promise.all([
      openStore(aiArtistStore, { location }),
      openStore(aiArtistStore, { location }),
    ])
    try {
      const rows = await a.db.query<{ version: number }>(
        `SELECT version FROM ${MIGRATION_TABLE} ORDER BY version`,
      )
      expect(rows.map((r) => r.version)).toEqual(VERSIONS)
      expect(await b.migrator.currentVersion()).toBe(LATEST)
    } finally {
      await a.close()
      await b.close()
    }
  })
})
