import {
  insertManyReturning,
  toIsoTimestamp,
  type Database,
  type Executor,
  JOB_COLUMN_NAMES,
} from '../../core/index.js'
import { kindsOf, UPLOAD_COLUMNS } from './import-sources.js'
import { videoBatchTables } from './tables.js'

/**
 * What the importer knows of the database: every row an import can match, keyed by its import
 * identity, with the values it compares (normalised so that a re-import of the same entry is
 * seen as unchanged on both engines), loaded once before the first write.
 */

export type ColumnKind = 'text' | 'integer' | 'real' | 'timestamp' | 'json'

/** The columns an import sets and compares, with their kinds (the rest are genmedia's own). */
export const IMAGE_KINDS: Readonly<Record<string, ColumnKind>> = UPLOAD_COLUMNS
export const PROMPT_KINDS: Readonly<Record<string, ColumnKind>> = kindsOf(
  videoBatchTables.prompts,
  ['id', 'updated_at'],
)
export const VIDEO_KINDS: Readonly<Record<string, ColumnKind>> = kindsOf(videoBatchTables.videos, [
  'id',
  'claimed_at',
  'claimed_by',
  ...JOB_COLUMN_NAMES,
])

/** ExistingRow is a stored row as the importer compares it. */
export interface ExistingRow {
  id: number
  values: Record<string, unknown>
}

/** stableJson is JSON with object keys sorted, so equal objects give equal text. */
export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    )
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`
  }
  return JSON.stringify(value ?? null)
}

/** normalize turns a stored or an imported value into the form the importer compares. */
export function normalize(kind: ColumnKind, value: unknown): unknown {
  if (value === null || value === undefined) return null
  switch (kind) {
    case 'timestamp':
      return toIsoTimestamp(value)
    case 'json': {
      if (typeof value !== 'string') return stableJson(value)
      try {
        return stableJson(JSON.parse(value))
      } catch {
        return value
      }
    }
    case 'integer':
    case 'real':
      return Number(value)
    default:
      return value
  }
}

/** changedColumns returns the given columns whose normalised value differs from the stored one. */
export function changedColumns(
  kinds: Readonly<Record<string, ColumnKind>>,
  stored: Record<string, unknown>,
  given: Record<string, unknown>,
): string[] {
  return Object.keys(given).filter((c) => normalize(kinds[c]!, given[c]) !== stored[c])
}

function normalizeRow(kinds: Readonly<Record<string, ColumnKind>>, raw: Record<string, unknown>) {
  const values: Record<string, unknown> = {}
  for (const [column, kind] of Object.entries(kinds)) values[column] = normalize(kind, raw[column])
  return values
}

export interface KnownState {
  /** Images by original_filename (the lowest id when several share it). */
  imagesByName: Map<string, ExistingRow>
  /** Image ids by uploaded_filename (the lowest id), for links. */
  imageIdsByUploaded: Map<string, number>
  imageIds: Set<number>
  /** Prompt sets by source_file. */
  promptsBySource: Map<string, ExistingRow>
  /** Videos by source_key. */
  videosByKey: Map<string, ExistingRow>
  /** Videos without a source_key (recorded through the repository) by video_filename. */
  unkeyedVideosByFilename: Map<string, ExistingRow>
  placeholderId: number | undefined
}

/** loadKnownState reads every row an import can match, in one query per table. */
export async function loadKnownState(db: Database): Promise<KnownState> {
  const cols = (kinds: Readonly<Record<string, ColumnKind>>) =>
    ['id', ...Object.keys(kinds)].map((c) => `"${c}"`).join(', ')
  const state: KnownState = {
    imagesByName: new Map(),
    imageIdsByUploaded: new Map(),
    imageIds: new Set(),
    promptsBySource: new Map(),
    videosByKey: new Map(),
    unkeyedVideosByFilename: new Map(),
    placeholderId: undefined,
  }
  const images = await db.query<Record<string, unknown>>(
    `SELECT ${cols(IMAGE_KINDS)} FROM images ORDER BY id`,
  )
  for (const raw of images) {
    const id = Number(raw.id)
    state.imageIds.add(id)
    if (raw.status === 'legacy') {
      state.placeholderId = id
      continue
    }
    const name = raw.original_filename as string
    if (!state.imagesByName.has(name)) {
      state.imagesByName.set(name, { id, values: normalizeRow(IMAGE_KINDS, raw) })
    }
    const uploaded = raw.uploaded_filename as string | null
    if (uploaded && !state.imageIdsByUploaded.has(uploaded))
      state.imageIdsByUploaded.set(uploaded, id)
  }
  const prompts = await db.query<Record<string, unknown>>(
    `SELECT ${cols(PROMPT_KINDS)} FROM prompts WHERE source_file IS NOT NULL`,
  )
  for (const raw of prompts) {
    state.promptsBySource.set(raw.source_file as string, {
      id: Number(raw.id),
      values: normalizeRow(PROMPT_KINDS, raw),
    })
  }
  const videos = await db.query<Record<string, unknown>>(
    `SELECT ${cols(VIDEO_KINDS)} FROM videos WHERE source_key IS NOT NULL OR video_filename IS NOT NULL ORDER BY id`,
  )
  for (const raw of videos) {
    const row = { id: Number(raw.id), values: normalizeRow(VIDEO_KINDS, raw) }
    if (raw.source_key) state.videosByKey.set(raw.source_key as string, row)
    else if (!state.unkeyedVideosByFilename.has(raw.video_filename as string)) {
      state.unkeyedVideosByFilename.set(raw.video_filename as string, row)
    }
  }
  return state
}

/** BatchWriter writes one batch of an import inside one transaction. */
export interface BatchWriter {
  /** insert adds rows and returns their ids by the value of `keyColumn`. */
  insert(
    table: string,
    columns: readonly string[],
    rows: Record<string, unknown>[],
    keyColumn: string,
  ): Promise<Map<string, number>>
  update(table: string, id: number, values: Record<string, unknown>): Promise<void>
}

/** Writer runs batches: in a transaction each (a real import), or not at all (--dry-run). */
export interface Writer {
  batch<T>(fn: (w: BatchWriter) => Promise<T>): Promise<T>
}

/** databaseWriter writes each batch in one transaction through reused prepared statements. */
export function databaseWriter(db: Database): Writer {
  const p = (i: number) => db.dialect.parameter(i)
  const writerFor = (trx: Executor): BatchWriter => ({
    async insert(table, columns, rows, keyColumn) {
      // The log's origin_image_id values name images by the ids an uninterrupted import gives
      // them: a batch a kill rolled back must not leave a gap before the next one's ids.
      for (const statement of db.dialect.continueIds(table)) await db.query(statement, [], trx)
      const returned = await insertManyReturning<Record<string, unknown>>(
        db,
        table,
        columns,
        rows,
        ['id', keyColumn],
        trx,
      )
      return new Map(returned.map((r) => [String(r[keyColumn]), Number(r.id)]))
    },
    async update(table, id, values) {
      const columns = Object.keys(values)
      const set = columns.map((c, i) => `"${c}" = ${p(i + 1)}`).join(', ')
      await db.query(
        `UPDATE "${table}" SET ${set} WHERE id = ${p(columns.length + 1)}`,
        [...columns.map((c) => values[c] ?? null), id],
        trx,
      )
    },
  })
  return { batch: (fn) => db.transaction((trx) => fn(writerFor(trx))) }
}

/** dryRunWriter writes nothing; new rows get negative stand-in ids so later links resolve. */
export function dryRunWriter(): Writer {
  let nextId = 0
  const writer: BatchWriter = {
    async insert(_table, _columns, rows, keyColumn) {
      return new Map(rows.map((r) => [String(r[keyColumn]), --nextId]))
    },
    async update() {},
  }
  return { batch: (fn) => fn(writer) }
}
