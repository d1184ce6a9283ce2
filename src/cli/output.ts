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

/** printTable writes rows as a readable table; `columns` maps header → cell of a row. */
export function printTable<Row>(
  rows: readonly Row[],
  columns: Record<string, (row: Row) => unknown>,
): void {
  const table = new Table({
    head: Object.keys(columns),
    style: { head: [], border: [] },
  })
  for (const row of rows) {
    table.push(Object.values(columns).map((cell) => formatCell(cell(row))))
  }
  process.stdout.write(`${table.toString()}\n`)
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
