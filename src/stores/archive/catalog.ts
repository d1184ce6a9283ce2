import { stat } from 'node:fs/promises'
import { basename } from 'node:path'
import type { Selectable, Updateable } from 'kysely'
import {
  ConflictError,
  NotFoundError,
  parseInput,
  parseTimestamp,
  tableRows,
  type Page,
  type PageRequest,
} from '../../core/index.js'
import {
  archivedHistoryList,
  fileList,
  historyList,
  newFileSchema,
  newHistorySchema,
  newPresetSchema,
  newSettingSchema,
  presetPatchSchema,
  type FileFilter,
  type NewFile,
  type NewHistory,
  type NewPreset,
  type NewSetting,
  type PresetPatch,
  type SettingFilter,
} from './inputs.js'
import { MaintenanceRepository } from './maintenance.js'
import { formatSettingValue, parseSettingValue, valueTypeOf } from './settings.js'
import {
  presetSummary,
  archiveTables,
  type AppSetting,
  type ArchiveTables,
  type FileVerification,
  type PresetSummary,
  type ProjectHistoryEntry,
  type ProjectStatistics,
  type RegisteredFile,
  type SettingValue,
  type UserPreset,
} from './tables.js'

const {
  user_presets: presets,
  file_registry: files,
  project_history: histories,
  app_settings: settings,
} = archiveTables

/**
 * CatalogRepository holds the archive store's presets, typed settings, file registry and
 * project history, and the maintenance tasks (MaintenanceRepository); ArchiveRepository adds
 * sessions and operations to it.
 */
export class CatalogRepository extends MaintenanceRepository {
  readonly #presetRows = tableRows(this.db, presets, 'preset', 'preset_id')
  readonly #fileRows = tableRows(this.db, files, 'file')
  readonly #historyRows = tableRows(
    this.db,
    histories,
    (sessionId: string) => `session ${sessionId} has no project history`,
    'session_id',
  )

  // ── presets ─────────────────────────────────────────────────────────────

  /** createPreset stores a user preset; with is_default it becomes the only default. */
  async createPreset(input: NewPreset): Promise<UserPreset> {
    const p = parseInput(newPresetSchema, input)
    return this.db.transaction(async (trx) => {
      if (p.is_default) await trx.updateTable('user_presets').set({ is_default: false }).execute()
      return this.#presetRows.insert(p, trx)
    })
  }

  /** updatePreset changes the given fields and sets modified_at; with is_default see setDefaultPreset. */
  async updatePreset(presetId: string, patch: PresetPatch): Promise<UserPreset> {
    const p = parseInput(presetPatchSchema, patch)
    return this.db.transaction(async (trx) => {
      if (p.is_default) await trx.updateTable('user_presets').set({ is_default: false }).execute()
      return this.#presetRows.update(presetId, { ...p, modified_at: new Date() }, trx)
    })
  }

  /**
   * setDefaultPreset makes `presetId` the one default preset and records it in the
   * default_preset setting, in one transaction. Throws NotFoundError for an unknown preset.
   */
  async setDefaultPreset(presetId: string): Promise<UserPreset> {
    return this.db.transaction(async (trx) => {
      const preset = await this.#presetRows.update(presetId, { is_default: true }, trx)
      await trx
        .updateTable('user_presets')
        .set({ is_default: false })
        .where('preset_id', '!=', presetId)
        .execute()
      await trx
        .updateTable('app_settings')
        .set({ value: presetId, modified_at: new Date() })
        .where('key', '=', 'default_preset')
        .execute()
      return preset
    })
  }

  /** getPreset returns one preset with its settings, or throws NotFoundError. */
  async getPreset(presetId: string): Promise<UserPreset> {
    return this.#presetRows.get(presetId)
  }

  /** Seed: "Load User Presets": the default first, then the most used. */
  async listPresets(): Promise<PresetSummary[]> {
    const rows = await this.db.query(`SELECT
    preset_id,
    preset_name,
    is_default,
    description,
    usage_count,
    last_used_at
FROM user_presets
ORDER BY is_default DESC, usage_count DESC`)
    return presetSummary.codec.decodeAll(rows)
  }

  // ── settings ────────────────────────────────────────────────────────────

  /** getSetting returns a setting with its value typed by value_type; NotFoundError if unknown. */
  async getSetting(key: string): Promise<AppSetting> {
    return decodeSetting(
      await this.rowWhere('app_settings', 'key', key, `setting ${key} does not exist`),
    )
  }

  /** getSettingValues returns the typed values of `keys`; a key that does not exist is left out. */
  async getSettingValues<K extends string>(
    keys: readonly K[],
  ): Promise<Partial<Record<K, SettingValue>>> {
    const rows = await this.k
      .selectFrom('app_settings')
      .selectAll()
      .where('key', 'in', keys)
      .execute()
    return Object.fromEntries(rows.map((r) => [r.key, decodeSetting(r).value])) as Partial<
      Record<K, SettingValue>
    >
  }

  /** listSettings returns every setting (or one category's) by key, values typed. */
  async listSettings(filter: SettingFilter = {}): Promise<AppSetting[]> {
    let q = this.k.selectFrom('app_settings').selectAll().orderBy('key')
    if (filter.category !== undefined) q = q.where('category', '=', filter.category)
    return (await q.execute()).map(decodeSetting)
  }

  /**
   * setSetting stores a new value for an existing setting, checked against its value_type
   * (see formatSettingValue), and sets modified_at. A value that does not fit is refused with
   * ValidationError naming the key; an unknown key throws NotFoundError (see defineSetting).
   */
  async setSetting(key: string, value: unknown): Promise<AppSetting> {
    const current = await this.k
      .selectFrom('app_settings')
      .select('value_type')
      .where('key', '=', key)
      .executeTakeFirst()
    if (!current) throw new NotFoundError(`setting ${key} does not exist; define it first`)
    const text = formatSettingValue(valueTypeOf(current.value_type, key), value, key)
    await this.db.run((k) =>
      k
        .updateTable('app_settings')
        .set({ value: text, modified_at: new Date() })
        .where('key', '=', key)
        .execute(),
    )
    return this.getSetting(key)
  }

  /** defineSetting adds a new setting with its type; ConflictError if the key exists. */
  async defineSetting(input: NewSetting): Promise<AppSetting> {
    const p = parseInput(newSettingSchema, input)
    const text = formatSettingValue(p.value_type, p.value, p.key)
    await this.db.run((k) =>
      k
        .insertInto('app_settings')
        .values({
          key: p.key,
          value: text,
          value_type: p.value_type,
          ...(p.category ? { category: p.category } : {}),
          description: p.description ?? null,
        })
        .execute(),
    )
    return this.getSetting(p.key)
  }

  // ── file registry ───────────────────────────────────────────────────────

  /**
   * registerFile records an output file of a session. Without file_size_bytes the size is read
   * from the disk when the file exists. ValidationError when the session does not exist.
   */
  async registerFile(sessionId: string, input: NewFile): Promise<RegisteredFile> {
    const p = parseInput(newFileSchema, input)
    if (p.file_size_bytes === undefined) {
      const size = await fileSize(p.file_path)
      if (size !== undefined) p.file_size_bytes = size
    }
    return this.#fileRows.insert({ ...p, session_id: sessionId })
  }

  /** listFiles pages through a session's files in registration order, by category or type. */
  async listFiles(
    sessionId: string,
    filter: FileFilter = {},
    page: PageRequest = {},
  ): Promise<Page<RegisteredFile>> {
    return fileList.page(this.db, filter, page, {}, (q) => q.where('session_id', '=', sessionId))
  }

  /**
   * verifyFiles checks a session's registered files against the disk: a file exists and has
   * its recorded size (an unrecorded size is recorded). It stores file_exists and verified for
   * every file in one transaction and reports the missing files and the size mismatches.
   */
  async verifyFiles(
    sessionId: string,
    filter: Pick<FileFilter, 'file_category'> = {},
  ): Promise<FileVerification> {
    const f = parseInput(fileList.filter, filter)
    let q = this.k.selectFrom('file_registry').selectAll().where('session_id', '=', sessionId)
    if (f.file_category) q = q.where('file_category', '=', f.file_category)
    const registered = files.codec.decodeAll(await q.orderBy('id').execute())
    const report: FileVerification = { checked: 0, verified: 0, missing: [], size_mismatch: [] }
    const updates: { id: number; values: Updateable<ArchiveTables['file_registry']> }[] = []
    for (const file of registered) {
      const size = await fileSize(file.file_path)
      report.checked++
      if (size === undefined) {
        report.missing.push(file)
        updates.push({ id: file.id, values: { file_exists: false, verified: false } })
      } else if (file.file_size_bytes !== null && file.file_size_bytes !== size) {
        report.size_mismatch.push({ file, actual_size_bytes: size })
        updates.push({ id: file.id, values: { file_exists: true, verified: false } })
      } else {
        report.verified++
        updates.push({
          id: file.id,
          values: { file_exists: true, verified: true, file_size_bytes: size },
        })
      }
    }
    await this.db.transaction(async (trx) => {
      for (const u of updates) {
        await trx.updateTable('file_registry').set(u.values).where('id', '=', u.id).execute()
      }
    })
    return report
  }

  // ── project history ─────────────────────────────────────────────────────

  /**
   * recordProjectHistory records a finished project. The session must be completed or failed
   * (ConflictError otherwise; NotFoundError if missing); project name, date, output path,
   * master file name, preset, encoder and times default to the session's. ConflictError when
   * the session already has its history.
   */
  async recordProjectHistory(input: NewHistory): Promise<ProjectHistoryEntry> {
    const p = parseInput(newHistorySchema, input)
    const missing = `session ${p.session_id} does not exist`
    const session = await this.rowWhere('processing_state', 'session_id', p.session_id, missing)
    if (session.status !== 'completed' && session.status !== 'failed') {
      throw new ConflictError(
        `session ${p.session_id} is ${session.status}; history is recorded for completed or failed sessions`,
      )
    }
    return this.#historyRows.insert({
      artwork_name: session.artwork_name,
      project_date: session.project_date,
      output_path: session.output_path,
      master_filename: basename(session.master_path),
      preset_used: session.preset_id,
      encoder_used: session.encoder_type,
      completed_successfully: session.status === 'completed',
      started_at: session.created_at ? parseTimestamp(session.created_at, 'started_at') : null,
      completed_at: session.completed_at
        ? parseTimestamp(session.completed_at, 'completed_at')
        : new Date(),
      ...p,
    })
  }

  /** getProjectHistory returns a session's history entry, or throws NotFoundError. */
  async getProjectHistory(sessionId: string): Promise<ProjectHistoryEntry> {
    return this.#historyRows.get(sessionId)
  }

  /** listProjectHistory pages through history, newest first, optionally of one artwork. */
  readonly listProjectHistory = historyList.reader(this.db)

  /** listArchivedHistory pages through project_history_archive, newest first. */
  async listArchivedHistory(page: PageRequest = {}): Promise<Page<ProjectHistoryEntry>> {
    return archivedHistoryList.page(this.db, {}, page)
  }

  /** getProjectStatistics reads the seed's `project_statistics` view (the last 30 days). */
  async getProjectStatistics(): Promise<ProjectStatistics> {
    const [row] = await this.db.query<Record<string, unknown>>('SELECT * FROM project_statistics')
    const num = (v: unknown) => (v === null || v === undefined ? null : Number(v))
    return {
      total_projects: Number(row?.total_projects ?? 0),
      successful_projects: Number(row?.successful_projects ?? 0),
      avg_processing_time: num(row?.avg_processing_time),
      total_files_created: num(row?.total_files_created),
      total_output_size_mb: num(row?.total_output_size_mb),
      avg_compression_ratio: num(row?.avg_compression_ratio),
    }
  }
}

/** decodeSetting reads a stored setting: its value typed by value_type, NULLs as the defaults. */
function decodeSetting(raw: Selectable<ArchiveTables['app_settings']>): AppSetting {
  const r = settings.codec.decode(raw)
  const type = valueTypeOf(r.value_type, r.key)
  return {
    key: r.key,
    value: parseSettingValue(type, r.value, r.key),
    value_type: type,
    category: r.category ?? 'general',
    description: r.description,
    modified_at: r.modified_at,
  }
}

/** fileSize is the size of the regular file at `path`, or undefined when there is none. */
async function fileSize(path: string): Promise<number | undefined> {
  try {
    const s = await stat(path)
    return s.isFile() ? s.size : undefined
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
}
