import { isUtf8 } from 'node:buffer'
import { once } from 'node:events'
import type { Writable } from 'node:stream'
import { stringify } from 'csv-stringify/sync'
import type { Database } from '../database.js'
import { ValidationError } from '../errors.js'
import type { StoreDefinition } from '../store.js'
import type { SnapshotReader } from './engine.js'
import { LineQuery } from './lines.js'
import { planTables, rowFormatOf, type TransferPlan } from './tables.js'

/** The formats of an export: one JSON object per line, or RFC 4180 CSV with a header row. */
export const EXPORT_FORMATS = ['ndjson', 'csv'] as const
export type ExportFormat = (typeof EXPORT_FORMATS)[number]

/** Rows read per batch: memory holds one batch, whatever the table's size. */
const BATCH_SIZE = 1000

export interface ExportOptions {
  /** The tables to export, in this order (default: every table, parents first). */
  tables?: readonly string[]
  format: ExportFormat
  /**
   * A condition on each table's rows, in the engine's SQL (`created_at > '2026-01-01'`): the
   * user's own SQL on their own database, run inside a read-only snapshot.
   */
  where?: string
  /** Conditions per table, ANDed with `where` (an API scopes a user's rows with them). */
  scope?: Readonly<Record<string, string>>
  /** Where each table goes; called once per table, before its first row. */
  open(table: string): Writable | Promise<Writable>
  /** Called after a table's last row; closes what `open` returned if it should. */
  close?(table: string, out: Writable, rows: number): void | Promise<void>
}

/** ExportedTable is what one table's export wrote. */
export interface ExportedTable {
  table: string
  rows: number
}

/**
 * exportTables writes tables of an open store in primary-key order, from one read-only,
 * consistent snapshot, streamed through a cursor (memory stays flat whatever the size): NDJSON
 * (values as the repository returns them: JSON columns as JSON, booleans, ISO-8601 UTC
 * timestamps; JSON objects' keys sorted, so both engines export the same bytes) or CSV (a header
 * row, CRLF line ends, quoted where needed; JSON columns as JSON text, booleans `true`/`false`,
 * NULL empty).
 */
export async function exportTables(
  db: Database,
  definition: StoreDefinition,
  options: ExportOptions,
): Promise<ExportedTable[]> {
  const plans = await planTables(db, definition)
  const chosen = (options.tables?.length ? options.tables : plans.map((p) => p.name)).map(
    (name) => {
      const plan = plans.find((p) => p.name === name)
      if (!plan) {
        throw new ValidationError(
          `no table named ${name} in the ${definition.name} store; tables: ${plans.map((p) => p.name).join(', ')}`,
          'table',
        )
      }
      return plan
    },
  )
  return db.engineImpl.transfer.snapshot(db, async (reader) => {
    const done: ExportedTable[] = []
    for (const plan of chosen) {
      const out = await options.open(plan.name)
      let rows = 0
      if (options.format === 'ndjson') {
        // Each line made by the database as far as it can (LineQuery): a row is one string.
        const transfer = db.engineImpl.transfer
        const lines = new LineQuery(plan, transfer.lineFragment)
        const where = whereOf(plan, options)
        const page = (after?: string) =>
          lines.pageSql({ where, after, size: BATCH_SIZE, bytes: transfer.utf8 })
        if (page() !== undefined) {
          // Whole pages of lines as bytes, each read after the last key of the one before.
          for (let after: string | undefined; ;) {
            let last: unknown[] | undefined
            for await (const [row] of reader.arrays(page(after)!, 1)) last = row
            const [key, count, bytes] = last ?? []
            if (!count) break
            let chunk: Buffer | string = bytes as Buffer
            if (!isUtf8(chunk)) {
              // Text that is not UTF-8 (written by another program) is read as JavaScript reads
              // it (each bad sequence a U+FFFD): the page again, decoded by the codec.
              const range = keyRange(plan, after, String(key))
              chunk = await codecLines(reader, plan, where ? `${range} AND (${where})` : range)
            }
            rows += Number(count)
            after = String(key)
            if (!out.write(chunk)) await once(out, 'drain')
          }
        } else {
          for await (const batch of reader.arrays(lines.sql({ where }), BATCH_SIZE)) {
            let chunk = ''
            for (const row of batch) chunk += `${lines.line(row)}\n`
            rows += batch.length
            if (!out.write(chunk)) await once(out, 'drain')
          }
        }
      } else {
        const write = csvWriterOf(plan)
        for await (const raws of reader.rows(selectOf(plan, options), BATCH_SIZE)) {
          const chunk = write(raws, rows === 0)
          rows += raws.length
          if (!out.write(chunk)) await once(out, 'drain')
        }
        if (rows === 0) {
          const empty = write([], true)
          if (empty) out.write(empty)
        }
      }
      await options.close?.(plan.name, out, rows)
      done.push({ table: plan.name, rows })
    }
    return done
  })
}

/**
 * The rows of a page: key after `after` (none: from the first) up to `last`, both integers; put
 * ahead of a `--where`, so that SQLite seeks to this bound, not to one of the user's (pageSql).
 */
function keyRange(plan: TransferPlan, after: string | undefined, last: string): string {
  const key = `"${plan.key[0]!.replace(/"/g, '""')}"`
  return `${after === undefined ? '' : `${key} > ${after} AND `}${key} <= ${last}`
}

/** codecLines is the NDJSON of the rows `where` selects, each row decoded by the codec. */
async function codecLines(reader: SnapshotReader, plan: TransferPlan, where: string) {
  const format = rowFormatOf(plan)
  let text = ''
  for await (const raws of reader.rows(
    `${plan.select} WHERE ${where} ${plan.orderBy}`,
    BATCH_SIZE,
  )) {
    for (const raw of raws) text += `${format.line(format.decode(raw))}\n`
  }
  return text
}

/** The WHERE condition of a table's export (`where` and the table's scope), if any. */
function whereOf(plan: TransferPlan, options: ExportOptions): string | undefined {
  const conditions = [options.where, options.scope?.[plan.name]].filter((c): c is string =>
    Boolean(c && c.trim()),
  )
  return conditions.length ? conditions.map((c) => `(${c})`).join(' AND ') : undefined
}

function selectOf(plan: TransferPlan, options: ExportOptions): string {
  const where = whereOf(plan, options)
  return `${plan.select}${where ? ` WHERE ${where}` : ''} ${plan.orderBy}`
}

/** csvWriterOf returns what turns a batch of raw rows into CSV text. */
function csvWriterOf(plan: TransferPlan): (raws: object[], first: boolean) => string {
  const rows = rowFormatOf(plan)
  return (raws, first) =>
    stringify(
      raws.map((raw) => {
        const row = rows.decode(raw)
        const cells: Record<string, string> = {}
        for (const c of plan.columns) cells[c] = csvCell(row[c])
        return cells
      }),
      { header: first, columns: [...plan.columns], record_delimiter: 'windows' },
    )
}

/** csvCell is a decoded value as CSV text: JSON as its text, booleans as words, NULL empty. */
function csvCell(value: unknown): string {
  if (value === null || value === undefined) return ''
  if (typeof value === 'object') return JSON.stringify(value)
  return String(value)
}
