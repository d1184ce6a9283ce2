import cliProgress from 'cli-progress'
import Table from 'cli-table3'
import { GenmediaError, ValidationError } from '../core/index.js'

/** Output options every command accepts. */
export interface OutputOptions {
  json?: boolean
}

/** printJson writes one JSON document to stdout (what scripts parse). */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`)
}

/**
 * printTable writes rows as a readable table; `columns` maps header → cell of a row. The table
 * fits the terminal (80 columns when stdout is not one): the widest columns are narrowed until
 * it does, and their cells wrap. Scripts that need whole values use --json.
 */
export function printTable<Row>(
  rows: readonly Row[],
  columns: Record<string, (row: Row) => unknown>,
): void {
  const head = Object.keys(columns)
  const cells = rows.map((row) => Object.values(columns).map((cell) => formatCell(cell(row))))
  const natural = head.map(
    (h, i) => Math.max(...[h, ...cells.map((r) => r[i]!)].map(longestLine)) + 2,
  )
  const colWidths = fitWidths(natural, terminalWidth() - (head.length + 1))
  const table = new Table({
    head,
    style: { head: [], border: [] },
    colWidths,
    wordWrap: true,
    wrapOnWordBoundary: true,
  })
  // Words longer than their column (paths, URLs) are broken, not cut short with "…".
  for (const row of cells) table.push(row.map((cell, i) => breakLongWords(cell, colWidths[i]! - 2)))
  process.stdout.write(`${table.toString()}\n`)
}

/**
 * fieldColumns are printTable's columns for fields shown as the row holds them, each headed by
 * its own name: `printTable(rows, fieldColumns(['table', 'read', 'inserted']))`.
 */
export function fieldColumns<const K extends string>(
  names: readonly K[],
): Record<K, (row: Readonly<Record<K, unknown>>) => unknown> {
  return Object.fromEntries(
    names.map((name) => [name, (row: Record<K, unknown>) => row[name]]),
  ) as Record<K, (row: Readonly<Record<K, unknown>>) => unknown>
}

/**
 * progressBar returns a listener drawing a bar of `done` out of `total` on stderr, when stderr
 * is a terminal and output is not JSON, and a function that stops it; silent otherwise.
 * `format` is the bar's (cli-progress), where `{<label>}` shows that field of the progress.
 */
export function progressBar<P extends { done: number; total: number }>(
  format: string,
  label: keyof P & string,
  json: boolean | undefined,
): { onProgress?: (progress: P) => void; stop(): void } {
  if (json || !process.stderr.isTTY) return { stop: () => undefined }
  const bar = new cliProgress.SingleBar(
    { stream: process.stderr, format },
    cliProgress.Presets.shades_classic,
  )
  let started = false
  return {
    onProgress: (progress) => {
      const payload = { [label]: progress[label] }
      if (!started) bar.start(progress.total, progress.done, payload)
      started = true
      bar.setTotal(progress.total)
      bar.update(progress.done, payload)
    },
    stop: () => {
      if (started) bar.stop()
      started = false
    },
  }
}

/** terminalWidth is stdout's width when it is a terminal, else 80. */
export function terminalWidth(): number {
  return (process.stdout.isTTY && process.stdout.columns) || 80
}

/** The narrowest a column is made (padding included), however little room there is. */
const MIN_COLUMN = 8

/**
 * fitWidths narrows column widths to share `available` characters: every column wider than a
 * common cap is cut to it (the narrow ones keep their width), the cap as high as still fits.
 */
export function fitWidths(natural: readonly number[], available: number): number[] {
  const total = (cap: number) => natural.reduce((sum, w) => sum + Math.min(w, cap), 0)
  if (total(Infinity) <= available) return [...natural]
  let cap = MIN_COLUMN
  while (total(cap + 1) <= available && cap < Math.max(...natural)) cap++
  const widths = natural.map((w) => Math.min(w, cap))
  // Hand the characters the cap leaves over to the cut columns, left to right.
  let spare = available - total(cap)
  for (let i = 0; i < widths.length && spare > 0; i++) {
    if (natural[i]! > cap) {
      widths[i]!++
      spare--
    }
  }
  return widths
}

function breakLongWords(text: string, width: number): string {
  return text.replace(new RegExp(`\\S{${width + 1},}`, 'g'), (word) =>
    word.replace(new RegExp(`.{1,${width}}`, 'g'), (part) => `${part}\n`).trimEnd(),
  )
}

function longestLine(text: string): number {
  return Math.max(...text.split('\n').map((line) => line.length))
}

function formatCell(value: unknown): string {
  if (value === null || value === undefined) return ''
  if (typeof value === 'object') return JSON.stringify(value)
  return String(value)
}

/** formatBytes renders a size for people: 1.2 MB. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB']
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`
}

/**
 * The CLI's exit codes, one per kind of outcome (docs/cli.md): `failure` when the command could
 * not do its work or found something wrong (doctor, init --check), `usage` when it was called
 * wrongly (an unknown command or option, a missing or invalid argument) or refused to act
 * without a confirmation, and did nothing.
 */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const

/** CliError is a failure the CLI reports in one line, with its own exit code. */
export class CliError extends GenmediaError {
  readonly exitCode: number

  constructor(
    message: string,
    exitCode: number = EXIT.failure,
    code: string = exitCode === EXIT.usage ? 'usage' : 'failed',
  ) {
    super(code, message)
    this.exitCode = exitCode
  }
}

/**
 * reportError prints an error as one line (`genmedia: …`) or, with --json, as
 * `{"error": {code, message, field?}}` on stdout, and returns the exit code to use.
 */
export function reportError(error: unknown, json: boolean): number {
  const e = error instanceof Error ? error : new Error(String(error))
  const code = e instanceof GenmediaError ? e.code : 'error'
  const field = e instanceof ValidationError ? e.field : undefined
  if (json) {
    printJson({ error: { code, message: e.message, ...(field ? { field } : {}) } })
  } else {
    process.stderr.write(`genmedia: ${e.message}\n`)
    if (process.env.GENMEDIA_DEBUG && e.stack) process.stderr.write(`${e.stack}\n`)
  }
  return e instanceof CliError ? e.exitCode : EXIT.failure
}

/**
 * run wraps a command action: errors are reported in one line and set the exit code; the
 * action's own non-zero result (e.g. "something was skipped") is kept.
 */
export function run<Args extends unknown[]>(
  action: (...args: Args) => Promise<number | void>,
): (...args: Args) => Promise<void> {
  return async (...args: Args) => {
    // commander passes the Command itself last; its options say whether --json was given.
    const command = args[args.length - 1] as { optsWithGlobals?: () => OutputOptions }
    const json = Boolean(command?.optsWithGlobals?.().json)
    try {
      const code = await action(...args)
      if (typeof code === 'number') process.exitCode = code
    } catch (error) {
      process.exitCode = reportError(error, json)
    }
  }
}
