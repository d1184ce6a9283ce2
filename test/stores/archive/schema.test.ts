import { afterEach, describe, expect, it } from 'vitest'
import { inspectSchema, openStore, type OpenStore } from '../../../src/core/index.js'
import { archiveStore, type ArchiveRepository } from '../../../src/stores/archive/index.js'
import { ENGINES, useEngine } from '../../engines.js'
import { SEARCH_VECTOR } from '../../../src/core/search/define.js'

/** The seed's columns: PostgreSQL's searchable tables also carry the stored search column (docs/search.md). */
const seedColumn = (c: { name: string }) => c.name !== SEARCH_VECTOR

/** Seed 003's columns with the types its DDL declares ("name TYPE", in the seed's order). */
const SEED_COLUMNS: Record<string, string> = {
  processing_state: `id INTEGER, session_id TEXT, artwork_name TEXT, project_date TEXT, master_path TEXT,
    rd_folder_path TEXT, output_path TEXT, preset_id TEXT, custom_settings TEXT, encoder_type TEXT,
    scene_threshold REAL, min_scene_length INTEGER, total_operations INTEGER,
    completed_operations INTEGER, current_operation TEXT, operation_details TEXT, scenes_data TEXT,
    selected_scenes TEXT, grouped_scenes TEXT, status TEXT, error_message TEXT,
    created_at TIMESTAMP, updated_at TIMESTAMP, completed_at TIMESTAMP, process_metadata TEXT,
    ai_scene_grouping TEXT`,
  operation_log: `id INTEGER, session_id TEXT, operation_type TEXT, operation_name TEXT,
    sequence_number INTEGER, status TEXT, progress REAL, start_time TIMESTAMP, end_time TIMESTAMP,
    duration_seconds REAL, input_file TEXT, output_files TEXT, file_sizes TEXT, settings_used TEXT,
    error_details TEXT, warning_messages TEXT, cpu_usage REAL, gpu_usage REAL, memory_usage INTEGER,
    timestamp TIMESTAMP`,
  user_presets: `id INTEGER, preset_id TEXT, preset_name TEXT, base_preset TEXT, is_default BOOLEAN,
    stills_hq_settings TEXT, stills_web_settings TEXT, video_settings TEXT, thumbnail_settings TEXT,
    advanced_settings TEXT, description TEXT, created_at TIMESTAMP, modified_at TIMESTAMP,
    last_used_at TIMESTAMP, usage_count INTEGER`,
  project_history: `id INTEGER, session_id TEXT, artwork_name TEXT, project_date TEXT,
    output_path TEXT, master_filename TEXT, master_duration REAL, master_resolution TEXT,
    master_fps REAL, master_codec TEXT, master_size_mb REAL, scenes_detected INTEGER,
    scenes_exported INTEGER, stills_created INTEGER, clips_created INTEGER,
    rd_files_processed INTEGER, total_files_created INTEGER, total_output_size_mb REAL,
    compression_ratio REAL, total_processing_time_seconds REAL, gpu_accelerated BOOLEAN,
    average_fps_processed REAL, preset_used TEXT, encoder_used TEXT, completed_successfully BOOLEAN,
    completion_notes TEXT, started_at TIMESTAMP, completed_at TIMESTAMP, metadata TEXT`,
  file_registry: `id INTEGER, session_id TEXT, file_path TEXT, file_type TEXT, file_category TEXT,
    file_size_bytes INTEGER, file_format TEXT, resolution TEXT, aspect_ratio TEXT,
    duration_seconds REAL, frame_number INTEGER, source_file TEXT, compression_settings TEXT,
    processing_time_ms INTEGER, has_metadata BOOLEAN, metadata_embedded TEXT, file_exists BOOLEAN,
    verified BOOLEAN, created_at TIMESTAMP`,
  app_settings: `key TEXT, value TEXT, value_type TEXT, category TEXT, description TEXT,
    modified_at TIMESTAMP`,
}
SEED_COLUMNS.project_history_archive = SEED_COLUMNS.project_history!

// Every integer column is 64-bit: BIGINT on PostgreSQL.
const PG_TYPES: Record<string, string> = {
  INTEGER: 'bigint',
  TEXT: 'text',
  REAL: 'double precision',
  BOOLEAN: 'boolean',
  TIMESTAMP: 'timestamp with time zone',
}

const parseColumns = (text: string) =>
  text.split(',').map((c) => c.trim().split(/\s+/) as [string, string])

const SEED_INDEXES: Record<string, [table: string, columns: string[]]> = {
  idx_session_status: ['processing_state', ['status']],
  idx_session_date: ['processing_state', ['created_at']],
  idx_operation_session: ['operation_log', ['session_id']],
  idx_operation_status: ['operation_log', ['status']],
  idx_preset_name: ['user_presets', ['preset_name']],
  idx_preset_default: ['user_presets', ['is_default']],
  idx_history_artwork: ['project_history', ['artwork_name']],
  idx_history_date: ['project_history', ['completed_at']],
  idx_file_session: ['file_registry', ['session_id']],
  idx_file_type: ['file_registry', ['file_type']],
  idx_file_path: ['file_registry', ['file_path']],
}

const SEED_SETTINGS: [string, string, string, string][] = [
  ['app_version', '1.0.0', 'string', 'system'],
  ['last_output_directory', '', 'string', 'paths'],
  ['last_master_directory', '', 'string', 'paths'],
  ['last_rd_directory', '', 'string', 'paths'],
  ['default_preset', 'webflow_standard', 'string', 'presets'],
  ['scene_threshold_default', '30', 'real', 'processing'],
  ['min_scene_length_default', '15', 'integer', 'processing'],
  ['encoder_preference', 'x264', 'string', 'encoding'],
  ['auto_open_output', '1', 'boolean', 'behavior'],
  ['generate_log', '1', 'boolean', 'behavior'],
  ['extract_midpoint_stills', '1', 'boolean', 'processing'],
  ['copyright_text', '© Yambo Studio', 'string', 'metadata'],
  ['parallel_workers', '4', 'integer', 'performance'],
  ['gpu_enabled', '1', 'boolean', 'performance'],
  ['cache_thumbnails', '1', 'boolean', 'performance'],
  ['max_resume_age_days', '7', 'integer', 'behavior'],
  ['log_level', 'INFO', 'string', 'system'],
  ['ui_theme', 'default', 'string', 'interface'],
  ['window_geometry', '', 'json', 'interface'],
]

describe.each(ENGINES)('archive schema on $name', (engine) => {
  const ctx = useEngine(engine)
  let store: OpenStore<ArchiveRepository>
  afterEach(() => store?.close())

  it('has every table and column of seed 003 with its declared type, and project_history_archive', async () => {
    store = await openStore(archiveStore, { location: ctx.freshLocation('archive') })
    const schema = await inspectSchema(store.db)
    for (const [table, text] of Object.entries(SEED_COLUMNS)) {
      const found = schema.tables.find((t) => t.name === table)
      expect(found, table).toBeDefined()
      const expected = parseColumns(text).map(([name, type]) => {
        if (engine.name === 'sqlite') return [name, type]
        // Byte sizes outgrow PostgreSQL's 32-bit INTEGER (see seed deviations).
        if (name === 'file_size_bytes') return [name, 'bigint']
        return [name, PG_TYPES[type]]
      })
      expect(found!.columns.filter(seedColumn).map((c) => [c.name, c.type])).toEqual(expected)
    }
    const pk = (table: string) =>
      schema.tables.find((t) => t.name === table)!.columns.filter((c) => c.primaryKey)
    expect(pk('app_settings').map((c) => c.name)).toEqual(['key'])
    expect(pk('project_history_archive').map((c) => c.name)).toEqual(['id'])
    const log = schema.tables.find((t) => t.name === 'operation_log')!
    expect(log.columns.find((c) => c.name === 'sequence_number')).toMatchObject({ notNull: true })
  })

  it('has the seed’s defaults, indexes, views and triggers under their names', async () => {
    store = await openStore(archiveStore, { location: ctx.freshLocation('archive') })
    const schema = await inspectSchema(store.db)
    const column = (table: string, name: string) =>
      schema.tables.find((t) => t.name === table)!.columns.find((c) => c.name === name)!
    const literal = (d: string | null) => d?.replace(/::[a-z ]+$/, '').replace(/^\((.*)\)$/, '$1')
    expect(literal(column('processing_state', 'encoder_type').default)).toBe("'x264'")
    expect(Number(literal(column('processing_state', 'scene_threshold').default))).toBe(30)
    expect(literal(column('processing_state', 'status').default)).toBe("'initialized'")
    expect(literal(column('app_settings', 'value_type').default)).toBe("'string'")
    expect(literal(column('app_settings', 'category').default)).toBe("'general'")
    expect(literal(column('user_presets', 'is_default').default)).toMatch(/^(0|false)$/)
    expect(literal(column('file_registry', 'file_exists').default)).toMatch(/^(1|true)$/)
    expect(column('processing_state', 'created_at').default).toMatch(/CURRENT_TIMESTAMP/i)
    for (const [name, [table, columns]] of Object.entries(SEED_INDEXES)) {
      const index = schema.indexes.find((i) => i.name === name)
      expect(index, name).toMatchObject({ table, columns })
    }
    expect(schema.views).toEqual(['active_sessions', 'project_statistics'])
    const triggers = schema.triggers.map((t) => `${t.table}.${t.name}`)
    for (const name of [
      'processing_state.update_processing_state_timestamp',
      'processing_state.track_preset_usage',
      'processing_state.complete_session',
    ]) {
      expect(triggers).toContain(name)
    }
  })

  it('inserts the seed’s default settings, and db_version in step with the schema', async () => {
    store = await openStore(archiveStore, { location: ctx.freshLocation('archive') })
    const rows = await store.db.query<{
      key: string
      value: string
      value_type: string
      category: string
    }>(
      "SELECT key, value, value_type, category FROM app_settings WHERE key != 'db_version' ORDER BY key",
    )
    expect(rows.map((r) => [r.key, r.value, r.value_type, r.category])).toEqual(
      [...SEED_SETTINGS].sort((a, b) => (a[0] < b[0] ? -1 : 1)),
    )
    const version = async () =>
      (
        await store.db.query<{ value: string }>(
          "SELECT value FROM app_settings WHERE key = 'db_version'",
        )
      )[0]?.value
    expect(await version()).toBe('3.0')
    await store.migrator.migrateTo(2)
    expect(await version()).toBe('2.0')
    await store.migrator.migrateTo(1)
    expect(await version()).toBe('1.0')
    await store.migrator.migrateTo(2)
    expect(await version()).toBe('2.0')
    await store.migrator.migrateTo(3)
    expect(await version()).toBe('3.0')
    await store.migrator.migrateTo(0)
    expect((await inspectSchema(store.db)).tables.map((t) => t.name)).toEqual([
      'genmedia_migrations',
    ])
    await store.migrator.migrateTo()
    expect(await version()).toBe('3.0')
  })

  it('runs the seed’s migration to v2 verbatim on a version 1 database', async () => {
    store = await openStore(archiveStore, {
      location: ctx.freshLocation('archive'),
      migrate: false,
    })
    await store.migrator.migrateTo(1)
    const [current] = await store.db.query<{ value: string }>(
      "SELECT value FROM app_settings WHERE key = 'db_version'",
    )
    expect(current!.value).toBe('1.0')
    await store.db.query(`ALTER TABLE processing_state
            ADD COLUMN ai_scene_grouping TEXT`)
    await store.db.query(`UPDATE app_settings
            SET value = '2.0'
            WHERE key = 'db_version'`)
    const schema = await inspectSchema(store.db)
    const columns = schema.tables.find((t) => t.name === 'processing_state')!.columns
    expect(columns.at(-1)!.name).toBe('ai_scene_grouping')
  })

  it('keeps updated_at moving on PostgreSQL without recursion, and sets completed_at on completion', async () => {
    store = await openStore(archiveStore, { location: ctx.freshLocation('archive') })
    const db = store.db
    await db.query(
      `INSERT INTO processing_state (session_id, artwork_name, project_date, master_path, output_path, preset_id, total_operations, updated_at)
       VALUES ('s1', 'A', '24-12-01', '/m.mov', '/out', 'p', 3, '2020-01-01 00:00:00')`,
    )
    await db.query("UPDATE processing_state SET current_operation = 'x' WHERE session_id = 's1'")
    const [touched] = await db.query<{ updated_at: unknown; completed_at: unknown }>(
      "SELECT updated_at, completed_at FROM processing_state WHERE session_id = 's1'",
    )
    expect(String(touched!.updated_at)).not.toMatch(/^2020/)
    expect(touched!.completed_at).toBeNull()
    await db.query("UPDATE processing_state SET status = 'completed' WHERE session_id = 's1'")
    const [done] = await db.query<{ completed_at: unknown }>(
      "SELECT completed_at FROM processing_state WHERE session_id = 's1'",
    )
    expect(done!.completed_at).not.toBeNull()
  })
})
