import type { EngineChecks } from '../../checks.js'
import { quoteIdentifier as quote } from './connection.js'

/**
 * postgresChecks: PostgreSQL alters a table's constraints in place, in the step's transaction
 * (its DDL is transactional); rows, keys, indexes, triggers and views are untouched. Adding a
 * CHECK validates every row.
 */
export const postgresChecks: EngineChecks = {
  before: [],
  after: [],
  async drop(db, trx, change) {
    const drops = [
      ...change.checks.map((c) => `DROP CONSTRAINT ${quote(c.name)}`),
      ...(change.notNull ?? []).map((column) => `ALTER COLUMN ${quote(column)} DROP NOT NULL`),
    ]
    await db.query(`ALTER TABLE ${quote(change.table)} ${drops.join(', ')}`, [], trx)
  },
  async add(db, trx, change) {
    const adds = [
      ...change.checks.map((c) => `ADD CONSTRAINT ${quote(c.name)} CHECK (${c.condition})`),
      ...(change.notNull ?? []).map((column) => `ALTER COLUMN ${quote(column)} SET NOT NULL`),
    ]
    await db.query(`ALTER TABLE ${quote(change.table)} ${adds.join(', ')}`, [], trx)
  },
}
