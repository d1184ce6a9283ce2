import type { Command } from 'commander'
import Table from 'cli-table3'
import { stringify } from 'csv-stringify/sync'
import { DEFAULT_SQL_TIMEOUT_MS, runSql } from '../../core/index.js'
import { CliError, reportError, terminalWidth } from '../output.js'
import { openReadOnly, selectStore } from '../stores.js'

const SQL_FORMATS = ['table', 'json', 'ndjson', 'csv'] as const
type SqlFormat = (typeof SQL_FORMATS)[number]

/** Rows a table shows at most; --format prints them all. */
const TABLE_ROWS = 1000

interface SqlOptions {
  format: string
  timeout: string
}

function text(value: unknown): string {
  if (value === null || value === undefined) return ''
  if (value instanceof Uint8Array) return `<${value.length} bytes>`
  if (typeof value === 'object') return JSON.stringify(value)
  return String(value)
}

function jsonValue(value: unknown): unknown {
  return value instanceof Uint8Array ? Buffer.from(value).toString('base64') : value
}

function write(chunk: string): Promise<void> | void {
  if (!process.stdout.write(chunk)) {
    return new Promise((resolve) => process.stdout.once('drain', () => resolve()))
  }
}

/**
 * printer returns how rows are written in `format`: streamed for json, ndjson and csv; a table
 * (at most TABLE_ROWS rows) whose columns share the terminal's width, long cells wrapped.
 */
function printer(format: SqlFormat) {
  let columns: string[] = []
  let count = 0
  const table: unknown[][] = []
  const object = (row: unknown[]) =>
    Object.fromEntries(columns.map((c, i) => [c, jsonValue(row[i])]))
  return {
    columns(names: string[]) {
      columns = names
      if (format === 'csv') return write(stringify([names], { record_delimiter: 'windows' }))
      if (format === 'json') return write('[')
    },
    async rows(rows: unknown[][]) {
      if (format === 'table') {
        for (const row of rows) if (table.length < TABLE_ROWS) table.push(row)
      } else if (format === 'ndjson') {
        await write(rows.map((r) => `${JSON.stringify(object(r))}\n`).join(''))
      } else if (format === 'json') {
        await write(
          rows
            .map((r, i) => `${count + i === 0 ? '\n' : ',\n'}  ${JSON.stringify(object(r))}`)
            .join(''),
        )
      } else {
        await write(
          stringify(
            rows.map((r) => r.map(text)),
            { record_delimiter: 'windows' },
          ),
        )
      }
      count += rows.length
    },
    end() {
      if (format === 'json') return write(count ? '\n]\n' : ']\n')
      if (format !== 'table') return
      const width = terminalWidth()
      const cell = Math.max(8, Math.floor((width - 1) / Math.max(1, columns.length)) - 1)
      const out = new Table({
        head: columns,
        style: { head: [], border: [] },
        colWidths: columns.map(() => cell),
        wordWrap: true,
        wrapOnWordBoundary: false,
      })
      for (const row of table) out.push(row.map((v) => text(v).slice(0, cell * 4)))
      const more =
        count > table.length
          ? `… ${count - table.length} more rows; --format csv or json prints them all\n`
          : ''
      return write(`${out.toString()}\n${count} row${count === 1 ? '' : 's'}\n${more}`)
    },
  }
}

export function registerSql(program: Command): void {
  program
    .command('sql')
    .description(
      'run one read-only SQL statement on a store (SQLite: a read-only connection with query_only; ' +
        'PostgreSQL: a READ ONLY transaction) and print its rows; statements that write are refused, ' +
        'and a statement still running at the time limit is stopped',
    )
    .argument('<store>', 'store name')
    .argument('<statement>', 'one SELECT (or WITH, VALUES, EXPLAIN) in the engine’s SQL')
    .option('--format <format>', SQL_FORMATS.join(', '), 'table')
    .option('--timeout <ms>', 'time limit in milliseconds', String(DEFAULT_SQL_TIMEOUT_MS))
    .action(async (name: string, statement: string, options: SqlOptions) => {
      let code = 0
      // A reader that stops early (`| head`) ends the output, not in an error.
      process.stdout.on('error', (error: NodeJS.ErrnoException) => {
        if (error.code === 'EPIPE') process.exit(0)
        throw error
      })
      try {
        const format = options.format as SqlFormat
        if (!SQL_FORMATS.includes(format)) {
          throw new CliError(
            `--format must be one of ${SQL_FORMATS.join(', ')}, got ${options.format}`,
            2,
          )
        }
        const timeoutMs = Number(options.timeout)
        if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) {
          throw new CliError(
            `--timeout must be a positive number of milliseconds, got ${options.timeout}`,
            2,
          )
        }
        const store = await openReadOnly(selectStore(name))
        try {
          const print = printer(format)
          await runSql(store.db, statement, {
            timeoutMs,
            onColumns: (columns) => print.columns(columns),
            onRows: (rows) => print.rows(rows),
          })
          await print.end()
        } finally {
          await store.close()
        }
      } catch (error) {
        code = reportError(error, false)
      }
      // A SQLite statement stopped at its time limit may still hold its worker thread.
      process.exit(code)
    })
}
