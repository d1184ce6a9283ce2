import { sql } from 'kysely'
import type { SeedType, SqlDialect } from '../../dialect.js'
import { sqliteDropSearchIndex, sqliteSearchIndex, sqliteNarrowToMatches } from './search.js'

const SQLITE_TYPES: Record<SeedType, string> = {
  INTEGER: 'INTEGER',
  TEXT: 'TEXT',
  REAL: 'REAL',
  BOOLEAN: 'BOOLEAN',
  JSON: 'JSON',
  DATETIME: 'DATETIME',
  TIMESTAMP: 'TIMESTAMP',
  TIMESTAMPTZ: 'TIMESTAMP',
}

/** sqliteDialect is SQLite's SQL: the seeds' own, kept verbatim where it can be. */
export const sqliteDialect: SqlDialect = {
  name: 'sqlite',
  autoIncrementPrimaryKey: 'INTEGER PRIMARY KEY AUTOINCREMENT',
  type: (t) => SQLITE_TYPES[t],
  booleanLiteral: (v) => (v ? '1' : '0'),
  currentTimestamp: 'CURRENT_TIMESTAMP',
  currentTimestampText: "(datetime('now'))",
  textTimestamp: { type: 'TEXT', currentDefault: "(datetime('now'))" },
  bigIntegerType: 'INTEGER',
  indexDescNullsLast: 'DESC',
  // recursive_triggers is off, so the inner UPDATE does not fire the trigger again. The WHEN
  // clause lets an UPDATE that sets the column itself keep its value.
  touchTrigger: (name, table, column = 'updated_at') => [
    `CREATE TRIGGER ${name} AFTER UPDATE ON ${table} FOR EACH ROW WHEN NEW.${column} IS OLD.${column} BEGIN UPDATE ${table} SET ${column} = CURRENT_TIMESTAMP WHERE rowid = NEW.rowid; END`,
  ],
  trigger: (spec) => [
    `CREATE TRIGGER ${spec.name} ${spec.timing} ${spec.event} ON ${spec.table} FOR EACH ROW${
      spec.when ? ` WHEN ${spec.when}` : ''
    } BEGIN ${spec.body.map((s) => `${s};`).join(' ')} END`,
  ],
  dropTrigger: (name) => [`DROP TRIGGER IF EXISTS ${name}`],
  // SQLite cannot assign to NEW, so an AFTER trigger fixes the row it just inserted; writers are
  // serialised by the database lock, so no two rows of a group get the same number.
  continueIds: () => [],
  sequenceTrigger: ({ name, table, column, groupBy }) => [
    `CREATE TRIGGER ${name} AFTER INSERT ON ${table} FOR EACH ROW WHEN NEW.${column} = 0 BEGIN UPDATE ${table} SET ${column} = (SELECT COALESCE(MAX(${column}), 0) + 1 FROM ${table} WHERE ${groupBy} = NEW.${groupBy}) WHERE rowid = NEW.rowid; END`,
  ],
  daysAgo: (days) => `datetime('now', '-${Number(days)} days')`,
  supportsSkipLocked: false,
  supportsWritableCte: false,
  parameter: () => '?',
  // Write transactions begin IMMEDIATE and so already hold SQLite's single write lock.
  transactionLock: () => undefined,
  writerShard: () => '0',
  jsonArrayContains: (column, value) =>
    sql<boolean>`EXISTS (SELECT 1 FROM json_each(${sql.ref(column)}) WHERE value = ${value})`,
  compatibilityFunctions: () => [],
  dropCompatibilityFunctions: () => [],
  searchIndex: sqliteSearchIndex,
  dropSearchIndex: sqliteDropSearchIndex,
  storeSearchVector: () => [],
  dropStoredSearchVector: () => [],
  narrowToMatches: sqliteNarrowToMatches,
  widenIntegers: () => [],
  narrowIntegers: () => [],
}
