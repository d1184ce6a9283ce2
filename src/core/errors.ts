/**
 * GenmediaError is the base of every error genmedia throws on purpose. `code` is stable and
 * machine-readable (the CLI prints it with `--json`, the HTTP API maps it to a status).
 */
export class GenmediaError extends Error {
  readonly code: string

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = new.target.name
    this.code = code
  }
}

/** One invalid field of an input and what is wrong with it. */
export interface FieldProblem {
  field: string
  message: string
}

/**
 * ValidationError is bad input; `field` names the offending column or option (the first, when
 * several are wrong: `fields` lists them all; "" is the input as a whole).
 */
export class ValidationError extends GenmediaError {
  readonly field: string | undefined
  readonly fields: readonly FieldProblem[] | undefined

  constructor(
    message: string,
    field?: string,
    options?: { cause?: unknown; fields?: readonly FieldProblem[] },
  ) {
    super('invalid_input', message, options)
    this.field = field
    this.fields = options?.fields
  }
}

/** NotFoundError: the row, store or file asked for does not exist. */
export class NotFoundError extends GenmediaError {
  constructor(message: string) {
    super('not_found', message)
  }
}

/** ConflictError: the request is valid but collides with the current state (already claimed, duplicate). */
export class ConflictError extends GenmediaError {
  /** The columns of the unique key a duplicate collides with (`video_id`, `platform`, …), if known. */
  readonly columns: readonly string[] | undefined

  constructor(message: string, options?: { cause?: unknown; columns?: readonly string[] }) {
    super('conflict', message, options)
    this.columns = options?.columns
  }
}

/** SchemaVersionError: the database and the code disagree on the schema (newer database, edited migration). */
export class SchemaVersionError extends GenmediaError {
  constructor(message: string) {
    super('schema_version', message)
  }
}

/** ConfigError: a setting or location cannot be used. */
export class ConfigError extends GenmediaError {
  constructor(message: string) {
    super('config', message)
  }
}

/**
 * translateDatabaseError turns the engines' constraint errors into ValidationError or
 * ConflictError naming the column, so callers see the same error on SQLite and PostgreSQL.
 * Named CHECK constraints are mapped to their column through `columnsByConstraint` (from the
 * store definition). Any other error is returned unchanged.
 */
export function translateDatabaseError(
  error: unknown,
  columnsByConstraint: Readonly<Record<string, string>> = {},
): unknown {
  if (error instanceof GenmediaError || !(error instanceof Error)) return error
  const e = error as Error & {
    code?: string
    constraint?: string
    column?: string
    detail?: string
    table?: string
  }
  const message = e.message ?? ''
  // SQLite: "CHECK constraint failed: final_score >= 0 AND final_score <= 10" or "...: check_score_range"
  if (e.code === 'SQLITE_CONSTRAINT_CHECK' || e.code === '23514') {
    const name = e.constraint ?? message.replace(/^.*CHECK constraint failed:\s*/i, '')
    const column = columnsByConstraint[name] ?? columnFromConstraint(name, message, e.table)
    return new ValidationError(`${column ?? 'value'} violates check constraint ${name}`, column, {
      cause: error,
    })
  }
  if (e.code === 'SQLITE_CONSTRAINT_NOTNULL' || e.code === '23502') {
    const column = e.column ?? /NOT NULL constraint failed: \w+\.(\w+)/.exec(message)?.[1]
    return new ValidationError(`${column ?? 'a column'} is required`, column, { cause: error })
  }
  if (
    e.code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    e.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' ||
    e.code === '23505'
  ) {
    const columns = uniqueColumns(message, e.detail)
    const what = columns.length > 0 ? columns.join(', ') : 'a unique value'
    return new ConflictError(`${what} already exists`, { cause: error, columns })
  }
  if (e.code === 'SQLITE_CONSTRAINT_FOREIGNKEY' || e.code === '23503') {
    const column = /Key \((\w+)/.exec(e.detail ?? '')?.[1]
    return new ValidationError(
      `${column ?? 'a reference'} points to a row that does not exist`,
      column,
      {
        cause: error,
      },
    )
  }
  const refused = VALUES_REFUSED[e.code ?? '']
  if (refused) return new ValidationError(`${refused}: ${message}`, e.column, { cause: error })
  return error
}

/**
 * PostgreSQL's errors for a value it cannot take (SQLite stores it): the checks on writes
 * (LIMITS) keep them from happening, and where a value reaches the engine unchecked they are
 * still the caller's mistake (400), not the server's.
 */
const VALUES_REFUSED: Readonly<Record<string, string>> = {
  '22P02': 'value of the wrong type',
  '22003': 'number out of range',
  '22021': 'text the database cannot store',
  '22P05': 'text the database cannot store',
  '22007': 'invalid date or time',
  '22008': 'date or time out of range',
  '54000': 'value too large',
  '54001': 'value nested too deeply',
}

/**
 * uniqueColumns lists the columns of the unique key a duplicate broke: SQLite names them all
 * (`UNIQUE constraint failed: t.video_id, t.platform`), PostgreSQL in its detail
 * (`Key (video_id, platform)=(…) already exists.`).
 */
function uniqueColumns(message: string, detail: string | undefined): string[] {
  const sqlite = /UNIQUE constraint failed: (.*)$/.exec(message)?.[1]
  if (sqlite) return sqlite.split(',').map((c) => c.trim().replace(/^.*\./, ''))
  const postgres = /Key \(([^)]*)\)=/.exec(detail ?? '')?.[1]
  if (postgres) return postgres.split(',').map((c) => c.trim().replace(/"/g, ''))
  return []
}

function columnFromConstraint(name: string, message: string, table?: string): string | undefined {
  // PostgreSQL names an unnamed check `<table>_<column>_check` and reports the table.
  if (table && name.startsWith(`${table}_`) && name.endsWith('_check')) {
    return name.slice(table.length + 1, -'_check'.length)
  }
  // An unnamed SQLite check reports its expression, which starts with the column.
  return /^\(?\s*"?(\w+)"?/.exec(name)?.[1] ?? /(\w+)\s*(?:>=|<=|IN|BETWEEN)/i.exec(message)?.[1]
}
