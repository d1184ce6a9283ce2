import { JOB_COLUMN_NAMES, ValidationError, type Database, type Table } from '../../core/index.js'
import {
  readPrompts,
  readUploads,
  readVideos,
  type ImportIssue,
  type SourceEntry,
} from './import-sources.js'
import {
  changedColumns,
  databaseWriter,
  dryRunWriter,
  IMAGE_KINDS,
  loadKnownState,
  PROMPT_KINDS,
  VIDEO_KINDS,
  type ColumnKind,
  type ExistingRow,
  type KnownState,
  type Writer,
} from './import-state.js'
import { VideoBatchRepository, describeFilename } from './repository.js'
import { videoBatchTables } from './tables.js'

export type { ImportIssue } from './import-sources.js'

export interface ImportOptions {
  /** The image upload log (CSV). */
  uploads?: string
  /** The folder of prompt JSON files. */
  prompts?: string
  /** The video generation log (JSON Lines). */
  videos?: string
  /** Write nothing; report what would change. */
  dryRun?: boolean
  /** Abort on the first bad entry, before anything is written. */
  strict?: boolean
  /** Entries per transaction (default 2,000). */
  batchSize?: number
  /** Called after every batch written. */
  onProgress?: (progress: { table: TableName; done: number; total: number }) => void
}

export type TableName = 'images' | 'prompts' | 'videos'

/** TableCounts: what an import did to one table. */
export interface TableCounts {
  /** Valid entries read from the source. */
  read: number
  inserted: number
  updated: number
  unchanged: number
  /** Bad entries, reported in `issues` and not imported. */
  skipped: number
  /** Entries whose key an earlier entry of the same source already had: merged into it. */
  merged: number
}

export interface ImportReport {
  dryRun: boolean
  tables: Record<TableName, TableCounts>
  /** Prompt sets and videos linked to the legacy placeholder image by this import. */
  placeholderLinks: number
  issues: ImportIssue[]
}

export const DEFAULT_BATCH_SIZE = 2000

const { images, prompts, videos } = videoBatchTables

/** A planned row: its key, its existing row if any, and the column values it sets. */
interface Planned {
  key: string
  existing: ExistingRow | undefined
  values: Record<string, unknown>
  /** Values only an insert sets (defaults). */
  defaults: Record<string, unknown>
}

/**
 * importVideoBatch imports a legacy project's logs into the video-batch store: uploads, then
 * prompt sets, then videos (docs/stores/video-batch.md gives the identity rules). Every source is
 * read and validated before the first write; rows are then written in batches of `batchSize`,
 * one transaction each, so a killed import leaves whole batches and a re-run completes it.
 * Idempotent: an entry seen again updates its row (or leaves it unchanged), never duplicates it.
 * Bad entries are skipped and reported; with `strict` the first one throws ValidationError and
 * nothing is written. With `dryRun` nothing is written and the counts say what would change.
 */
export async function importVideoBatch(
  db: Database,
  options: ImportOptions,
): Promise<ImportReport> {
  if (!options.uploads && !options.prompts && !options.videos) {
    throw new ValidationError('nothing to import: give uploads, prompts or videos', 'uploads')
  }
  const issues: ImportIssue[] = []
  const onIssue = (issue: ImportIssue) => {
    if (options.strict) {
      throw new ValidationError(
        `${issue.file}:${issue.line}: ${issue.message} (--strict: nothing was written)`,
        issue.table,
      )
    }
    issues.push(issue)
  }
  const uploads = options.uploads ? await readUploads(options.uploads, onIssue) : []
  const prompts = options.prompts ? readPrompts(options.prompts, onIssue) : []
  const videos = options.videos ? await readVideos(options.videos, onIssue) : []

  const state = await loadKnownState(db)
  const writer = options.dryRun ? dryRunWriter() : databaseWriter(db)
  const report: ImportReport = {
    dryRun: Boolean(options.dryRun),
    tables: { images: counts(), prompts: counts(), videos: counts() },
    placeholderLinks: 0,
    issues,
  }
  for (const issue of issues) report.tables[issue.table].skipped++
  const run = new ImportRun(db, state, writer, report, options)
  await run.importImages(collapse(uploads, report.tables.images))
  await run.importPrompts(collapse(prompts, report.tables.prompts))
  await run.importVideos(collapse(videos, report.tables.videos))
  return report
}

function counts(): TableCounts {
  return { read: 0, inserted: 0, updated: 0, unchanged: 0, skipped: 0, merged: 0 }
}

/**
 * collapse merges entries with the same key, later values over earlier ones (file order), into
 * the first entry of each key (the readers' entries are the importer's own to change).
 */
function collapse(entries: SourceEntry[], tableCounts: TableCounts): SourceEntry[] {
  tableCounts.read = entries.length
  const byKey = new Map<string, SourceEntry>()
  for (const entry of entries) {
    const earlier = byKey.get(entry.key)
    if (!earlier) {
      byKey.set(entry.key, entry)
      continue
    }
    tableCounts.merged++
    const metadata = earlier.values.metadata as Record<string, unknown> | undefined
    Object.assign(earlier.values, entry.values)
    if (metadata && entry.values.metadata) {
      earlier.values.metadata = { ...metadata, ...(entry.values.metadata as object) }
    }
    earlier.line = entry.line
    earlier.imageFilename = entry.imageFilename ?? earlier.imageFilename
    earlier.promptFile = entry.promptFile ?? earlier.promptFile
  }
  return [...byKey.values()]
}

class ImportRun {
  readonly #db: Database
  readonly #state: KnownState
  readonly #writer: Writer
  readonly #report: ImportReport
  readonly #options: ImportOptions

  constructor(
    db: Database,
    state: KnownState,
    writer: Writer,
    report: ImportReport,
    options: ImportOptions,
  ) {
    this.#db = db
    this.#state = state
    this.#writer = writer
    this.#report = report
    this.#options = options
  }

  async importImages(entries: SourceEntry[]): Promise<void> {
    const now = new Date()
    const planned: Planned[] = []
    // An origin that is no image yet may be one this log creates, at any place in it: such a
    // row is written without it first, in file order like every other, and given its origin
    // once all are written. Ids then follow the log's order whatever the run, so one run, two
    // runs and a killed-then-resumed run give the same store.
    const unresolved: { entry: SourceEntry; origin: number }[] = []
    for (const entry of entries) {
      const origin = entry.values.origin_image_id as number | null | undefined
      let values = entry.values
      if (origin != null && !this.#state.imageIds.has(origin)) {
        unresolved.push({ entry, origin })
        const existing = this.#state.imagesByName.get(entry.key)?.values.origin_image_id
        values = { ...values, origin_image_id: existing ?? null }
      }
      planned.push({
        key: entry.key,
        existing: this.#state.imagesByName.get(entry.key),
        values,
        defaults: {
          timestamp: now,
          created_at: now,
          updated_at: now,
          status: 'pending',
          descriptive_name: describeFilename(entry.key),
        },
      })
    }
    await this.#write(images, IMAGE_KINDS, 'original_filename', planned, (p, id) => {
      this.#state.imageIds.add(id)
      // Later phases need only the id (links): keys are unique within a phase after collapse.
      this.#state.imagesByName.set(p.key, { id, values: {} })
      const uploaded = p.values.uploaded_filename as string | null | undefined
      if (uploaded && !this.#state.imageIdsByUploaded.has(uploaded)) {
        this.#state.imageIdsByUploaded.set(uploaded, id)
      }
    })
    await this.#linkOrigins(unresolved)
  }

  /**
   * #linkOrigins sets the origins that pointed at rows of the same log, now written, in one
   * transaction; an origin that is still no image is reported (the row stays, without it).
   */
  async #linkOrigins(unresolved: { entry: SourceEntry; origin: number }[]): Promise<void> {
    const links: [number, number][] = []
    for (const { entry, origin } of unresolved) {
      const id = this.#state.imagesByName.get(entry.key)?.id
      if (id !== undefined && this.#state.imageIds.has(origin)) links.push([id, origin])
      else {
        this.#issue(
          'images',
          entry,
          `origin_image_id ${origin} is no image of this store (the image is kept without it)`,
        )
      }
    }
    if (links.length === 0) return
    await this.#writer.batch(async (w) => {
      for (const [id, origin] of links) {
        await w.update(images.name, id, images.codec.encode({ origin_image_id: origin }))
      }
    })
  }

  async importPrompts(entries: SourceEntry[]): Promise<void> {
    const now = new Date()
    const links = entries.map((e) => this.#imageIdOf(e.imageFilename))
    const placeholder = links.includes(undefined) ? await this.#placeholderId() : 0
    const planned = entries.map((entry, i): Planned => {
      if (links[i] === undefined) this.#report.placeholderLinks++
      return {
        key: entry.key,
        existing: this.#state.promptsBySource.get(entry.key),
        values: { ...entry.values, image_id: links[i] ?? placeholder, source_file: entry.key },
        defaults: { created_at: now, updated_at: now },
      }
    })
    await this.#write(prompts, PROMPT_KINDS, 'source_file', planned, (p, id) => {
      this.#state.promptsBySource.set(p.key, { id, values: { image_id: p.values.image_id } })
    })
  }

  async importVideos(entries: SourceEntry[]): Promise<void> {
    const now = new Date()
    const links = entries.map((e) => {
      const prompt = e.promptFile ? this.#state.promptsBySource.get(e.promptFile) : undefined
      const imageId =
        this.#imageIdOf(e.imageFilename) ?? (prompt?.values.image_id as number | undefined)
      return { imageId, promptId: prompt?.id ?? null }
    })
    const placeholder = links.some((l) => l.imageId === undefined) ? await this.#placeholderId() : 0
    const defaults = { created_at: now, prompt_type: 'base' }
    const planned = entries.map((entry, i): Planned => {
      const link = links[i]!
      if ((link.imageId ?? placeholder) === this.#state.placeholderId)
        this.#report.placeholderLinks++
      const filename = entry.values.video_filename as string | null | undefined
      const existing =
        this.#state.videosByKey.get(entry.key) ??
        (filename ? this.#state.unkeyedVideosByFilename.get(filename) : undefined)
      // The entry's own values, completed (the readers' entries are the importer's to change).
      const values = entry.values
      values.image_id = link.imageId ?? placeholder
      values.prompt_id = link.promptId
      values.source_key = entry.key
      return { key: entry.key, existing, values, defaults }
    })
    await this.#write(videos, VIDEO_KINDS, 'source_key', planned, (p, id) => {
      const filename = p.values.video_filename as string | null | undefined
      if (filename) this.#state.unkeyedVideosByFilename.delete(filename)
      this.#state.videosByKey.set(p.key, { id, values: {} })
    })
  }

  #imageIdOf(filename: string | undefined): number | undefined {
    if (!filename) return undefined
    return (
      this.#state.imagesByName.get(filename)?.id ?? this.#state.imageIdsByUploaded.get(filename)
    )
  }

  /** The placeholder's id, created when first needed (a stand-in id on a dry run). */
  async #placeholderId(): Promise<number> {
    if (this.#state.placeholderId === undefined) {
      this.#state.placeholderId = this.#options.dryRun
        ? 0
        : (await new VideoBatchRepository(this.#db).getLegacyPlaceholder()).id
    }
    return this.#state.placeholderId
  }

  /** #issue reports a problem with an entry that is written all the same. */
  #issue(table: TableName, entry: SourceEntry, message: string): void {
    this.#report.issues.push({ table, file: entry.file, line: entry.line, message })
  }

  /**
   * #write writes planned rows in batches, one transaction each: changed rows are updated,
   * unchanged ones left alone, new ones inserted. `remember` records a written row in the known
   * state, after its batch committed. New rows set every column of the table but the key (NULL
   * where neither the entry nor the defaults give one).
   */
  async #write(
    table: Table<any, TableName>,
    kinds: Readonly<Record<string, ColumnKind>>,
    keyColumn: string,
    planned: Planned[],
    remember: (p: Planned, id: number) => void,
  ): Promise<void> {
    const tally = this.#report.tables[table.name]
    const encode = (values: Record<string, unknown>) => table.codec.encode(values)
    const columns = insertedColumns(table)
    const rowOf = insertRowOf(table, columns)
    const size = this.#options.batchSize ?? DEFAULT_BATCH_SIZE
    for (let start = 0; start < planned.length; start += size) {
      const batch = planned.slice(start, start + size)
      const written = await this.#writer.batch(async (w) => {
        const done: [Planned, number][] = []
        const inserts: Planned[] = []
        for (const p of batch) {
          if (!p.existing) {
            inserts.push(p)
            continue
          }
          const changed = changedColumns(kinds, p.existing.values, p.values)
          if (changed.length === 0) {
            tally.unchanged++
            continue
          }
          await w.update(
            table.name,
            p.existing.id,
            encode(Object.fromEntries(changed.map((c) => [c, p.values[c]]))),
          )
          tally.updated++
          done.push([{ ...p, values: { ...p.existing.values, ...p.values } }, p.existing.id])
        }
        const rows = inserts.map(rowOf)
        const ids = await w.insert(table.name, columns, rows, keyColumn)
        for (const p of inserts) done.push([p, ids.get(p.key)!])
        tally.inserted += inserts.length
        return done
      })
      for (const [p, id] of written) remember(p, id)
      this.#options.onProgress?.({
        table: table.name,
        done: Math.min(start + size, planned.length),
        total: planned.length,
      })
    }
  }
}

/**
 * insertRowOf returns what turns a planned row into the encoded values of `columns` its INSERT
 * binds: what `table.codec.encode({ ...defaults, ...values })` gives, NULL where neither has a
 * value, in one object per row (with the encoders chosen once).
 */
function insertRowOf(
  table: Table<any, TableName>,
  columns: readonly string[],
): (p: Planned) => Record<string, unknown> {
  const encoders = columns.map((c) => table.codec.encoderOf(c))
  return (p) => {
    const row: Record<string, unknown> = {}
    for (let i = 0; i < columns.length; i++) {
      const column = columns[i]!
      const given = p.values[column]
      const value = given === undefined ? p.defaults[column] : given
      const encoder = encoders[i]
      row[column] = value === undefined || value === null ? null : encoder ? encoder(value) : value
    }
    return row
  }
}

/** The columns an import inserts: every writable one but the job runtime's own (their defaults). */
function insertedColumns(table: Table<any, string>): readonly string[] {
  const runtime: readonly string[] = JOB_COLUMN_NAMES
  return table.writable.filter((column) => !runtime.includes(column))
}
