import type { Database, Executor } from './database.js'
import { ConflictError } from './errors.js'
import type { Migration } from './migrator.js'

/** One named CHECK constraint: the column it guards and its condition. */
export interface NamedCheck {
  name: string
  column: string
  /** The condition as the CHECK states it, without the CHECK keyword and its parentheses. */
  condition: string
}

/**
 * CheckChange is what a migration removes of one table's rules: named CHECK constraints, and
 * the NOT NULL of columns the seed leaves optional.
 */
export interface CheckChange {
  table: string
  /** The table's key column: a refused `down` names rows by it. */
  key: string
  checks: readonly NamedCheck[]
  /** Columns whose NOT NULL is removed. */
  notNull?: readonly string[]
}

/**
 * EngineChecks is how an engine removes and restores named CHECK constraints, rows, keys and
 * everything else on the table kept. Both run inside the migration step's transaction.
 */
export interface EngineChecks {
  /** Statements run on the step's connection before its transaction begins, and after it ends. */
  readonly before: readonly string[]
  readonly after: readonly string[]
  drop(db: Database, trx: Executor, change: CheckChange): Promise<void>
  add(db: Database, trx: Executor, change: CheckChange): Promise<void>
}

/** valueList is `values` as a list of SQL string literals (`'a', 'b'`), for an IN (…) of a CHECK. */
export const valueList = (values: readonly string[]) => values.map((v) => `'${v}'`).join(', ')

/** How many refused rows a refusal names. */
const NAMED_ROWS = 5

/**
 * dropChecks is the migration that removes named CHECK constraints from a table (an open value
 * list where one was closed), and the NOT NULL of the change's `notNull` columns; `down` puts
 * them back, and refuses, changing nothing, while a row holds a value one of them forbids. On PostgreSQL it is `ALTER TABLE … DROP CONSTRAINT`; on
 * SQLite, which cannot drop a constraint, the table is rebuilt (engines/sqlite/checks.ts).
 */
export function dropChecks(version: number, name: string, change: CheckChange): Migration {
  return { version, name, up: () => [], down: () => [], dropsChecks: change }
}

/** describeChecks is the text of a CheckChange that a migration's checksum covers. */
export function describeChecks(change: CheckChange): string {
  return [
    ...change.checks.map(
      (c) => `ALTER TABLE ${change.table} DROP CONSTRAINT ${c.name} CHECK (${c.condition})`,
    ),
    ...(change.notNull ?? []).map(
      (column) => `ALTER TABLE ${change.table} ALTER COLUMN ${column} DROP NOT NULL`,
    ),
  ].join('\n;\n')
}

/**
 * changeChecks removes (`up`) or restores (`down`) the constraints of `change` inside `trx`.
 * Before restoring, it looks for rows whose value a constraint refuses and throws
 * ConflictError naming the table, each row's key, the column and the value: the caller's
 * transaction then rolls back and nothing changes.
 */
export async function changeChecks(
  db: Database,
  trx: Executor,
  change: CheckChange,
  direction: 'up' | 'down',
): Promise<void> {
  const engine = db.engineImpl.checks
  if (direction === 'up') return engine.drop(db, trx, change)
  const refused: string[] = []
  const rules = [
    ...change.checks,
    ...(change.notNull ?? []).map((column) => ({ column, condition: `${column} IS NOT NULL` })),
  ]
  for (const check of rules) {
    // A CHECK passes NULL (its condition is not false), so NOT (…) selects exactly the rows it refuses.
    const rows = await db.query<{ k: unknown; v: unknown }>(
      `SELECT ${change.key} AS k, ${check.column} AS v FROM ${change.table} WHERE NOT (${check.condition}) ORDER BY ${change.key} LIMIT ${NAMED_ROWS + 1}`,
      [],
      trx,
    )
    refused.push(
      ...rows
        .slice(0, NAMED_ROWS)
        .map((r) => `${change.key} ${String(r.k)} has ${check.column} ${JSON.stringify(r.v)}`),
    )
    if (rows.length > NAMED_ROWS) refused.push(`more rows with other ${check.column} values`)
  }
  if (refused.length > 0) {
    throw new ConflictError(
      `cannot restore the rules of ${change.table} (${rules.map((r) => ('name' in r ? r.name : `${r.column} NOT NULL`)).join(', ')}): rows hold values they refuse: ${refused.join('; ')}. Change or delete those rows first`,
    )
  }
  return engine.add(db, trx, change)
}
