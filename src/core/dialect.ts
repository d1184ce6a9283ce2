import { sql, type RawBuilder } from 'kysely'

/**
 * The SQL that differs between SQLite and PostgreSQL, in one place. Migrations and stores ask a
 * `SqlDialect` for a fragment instead of asking which engine they run on.
 */
export type EngineName = 'sqlite' | 'postgres'

/** A column type as a seed declares it; the dialect maps it to what fits the engine. */
export type SeedType =
  'INTEGER' | 'TEXT' | 'REAL' | 'BOOLEAN' | 'JSON' | 'DATETIME' | 'TIMESTAMP' | 'TIMESTAMPTZ'

/** TriggerSpec describes a row trigger whose body is plain SQL valid on both engines. */
export interface TriggerSpec {
  name: string
  table: string
  timing: 'AFTER'
  /** `INSERT`, `UPDATE`, `DELETE` or `UPDATE OF col[, col]`. */
  event: string
  /** A condition on NEW/OLD, without the WHEN keyword. */
  when?: string
  /** Statements referring to NEW and OLD, without trailing semicolons. */
  body: string[]
}

/** SequenceSpec names a per-group numbering trigger: see SqlDialect.sequenceTrigger. */
export interface SequenceSpec {
  name: string
  table: string
  column: string
  groupBy: string
}

export interface SqlDialect {
  readonly name: EngineName
  /** `INTEGER PRIMARY KEY AUTOINCREMENT` or an identity column. */
  readonly autoIncrementPrimaryKey: string
  /** Maps a seed's declared type to the engine's type (seed types are kept verbatim on SQLite). */
  type(seedType: SeedType): string
  /** The literal for a boolean default (`0`/`1` on SQLite, `false`/`true` on PostgreSQL). */
  booleanLiteral(value: boolean): string
  /** Default expression for "now" in a timestamp column. */
  readonly currentTimestamp: string
  /** Default expression for "now" in a TEXT column (seed 000 keeps text timestamps). */
  readonly currentTimestampText: string
  /**
   * A timestamp column a seed declares TEXT with `DEFAULT datetime('now')` (seed 000): `TEXT`
   * with that default on SQLite, TIMESTAMPTZ with CURRENT_TIMESTAMP on PostgreSQL, where a real
   * timestamp type keeps one format for defaults, triggers and bound Dates.
   */
  readonly textTimestamp: { readonly type: string; readonly currentDefault: string }
  /** A 64-bit integer column (byte sizes): INTEGER is 64-bit on SQLite but 32-bit on PostgreSQL. */
  readonly bigIntegerType: string
  /**
   * The order of an index column that serves `ORDER BY col DESC NULLS LAST`: SQLite's DESC
   * already puts NULLs last (and refuses NULLS LAST in an index); PostgreSQL's puts them first.
   */
  readonly indexDescNullsLast: string
  /**
   * Statements creating a trigger that sets `column` to now on every update of a row that does
   * not set it itself. SQLite's RETURNING shows a row before AFTER triggers run, so an UPDATE
   * … RETURNING should also set the column (to CURRENT_TIMESTAMP) to return the new value.
   */
  touchTrigger(name: string, table: string, column?: string): string[]
  /** Statements creating a trigger from a portable spec. */
  trigger(spec: TriggerSpec): string[]
  /** Statements dropping a trigger (and its function on PostgreSQL). */
  dropTrigger(name: string, table: string): string[]
  /**
   * Statements creating a trigger that numbers `column` 1, 2, 3… within each value of `groupBy`:
   * a row inserted with `column` = 0 (declare the column `NOT NULL DEFAULT 0`) gets one more than
   * the highest number of its group. Rows inserted with a number keep it. Drop with dropTrigger.
   */
  sequenceTrigger(spec: SequenceSpec): string[]
  /** An SQL expression: the current time minus `days` days, comparable with timestamp columns. */
  daysAgo(days: number): string
  /** Whether a claim subquery can lock and skip rows (`FOR UPDATE SKIP LOCKED`). */
  readonly supportsSkipLocked: boolean
  /** The placeholder of the `index`-th (1-based) parameter in raw SQL. */
  parameter(index: number): string
  /**
   * A statement that takes a lock named `key` until the transaction ends, or undefined where the
   * transaction itself already serialises writers.
   */
  transactionLock(key: string): string | undefined
  /** A condition: the JSON array in `column` contains the string `value`. */
  jsonArrayContains(column: string, value: string): RawBuilder<boolean>
  /**
   * Functions that let the seeds' SQLite-flavoured SQL run unchanged on PostgreSQL (`datetime`,
   * `round(double precision, integer)`), created in the store's schema; none on SQLite.
   */
  compatibilityFunctions(): string[]
  /** Statements dropping what compatibilityFunctions created. */
  dropCompatibilityFunctions(): string[]
}

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

// REAL is a 4-byte float on PostgreSQL; SQLite's REAL is 8 bytes, so DOUBLE PRECISION keeps values equal.
const POSTGRES_TYPES: Record<SeedType, string> = {
  INTEGER: 'INTEGER',
  TEXT: 'TEXT',
  REAL: 'DOUBLE PRECISION',
  BOOLEAN: 'BOOLEAN',
  JSON: 'JSONB',
  DATETIME: 'TIMESTAMPTZ',
  TIMESTAMP: 'TIMESTAMPTZ',
  TIMESTAMPTZ: 'TIMESTAMPTZ',
}

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
  sequenceTrigger: ({ name, table, column, groupBy }) => [
    `CREATE TRIGGER ${name} AFTER INSERT ON ${table} FOR EACH ROW WHEN NEW.${column} = 0 BEGIN UPDATE ${table} SET ${column} = (SELECT COALESCE(MAX(${column}), 0) + 1 FROM ${table} WHERE ${groupBy} = NEW.${groupBy}) WHERE rowid = NEW.rowid; END`,
  ],
  daysAgo: (days) => `datetime('now', '-${Number(days)} days')`,
  supportsSkipLocked: false,
  parameter: () => '?',
  // Write transactions begin IMMEDIATE and so already hold SQLite's single write lock.
  transactionLock: () => undefined,
  jsonArrayContains: (column, value) =>
    sql<boolean>`EXISTS (SELECT 1 FROM json_each(${sql.ref(column)}) WHERE value = ${value})`,
  compatibilityFunctions: () => [],
  dropCompatibilityFunctions: () => [],
}

export const postgresDialect: SqlDialect = {
  name: 'postgres',
  autoIncrementPrimaryKey: 'INTEGER GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY',
  type: (t) => POSTGRES_TYPES[t],
  booleanLiteral: (v) => (v ? 'true' : 'false'),
  currentTimestamp: 'CURRENT_TIMESTAMP',
  currentTimestampText: "(to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'))",
  textTimestamp: { type: 'TIMESTAMPTZ', currentDefault: 'CURRENT_TIMESTAMP' },
  bigIntegerType: 'BIGINT',
  indexDescNullsLast: 'DESC NULLS LAST',
  // A BEFORE trigger edits the row in place: an AFTER trigger that updated its own table would
  // fire itself again on PostgreSQL.
  touchTrigger: (name, table, column = 'updated_at') => [
    `CREATE OR REPLACE FUNCTION ${name}_fn() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.${column} IS NOT DISTINCT FROM OLD.${column} THEN NEW.${column} := CURRENT_TIMESTAMP; END IF; RETURN NEW; END $$`,
    `CREATE TRIGGER ${name} BEFORE UPDATE ON ${table} FOR EACH ROW EXECUTE FUNCTION ${name}_fn()`,
  ],
  trigger: (spec) => [
    `CREATE OR REPLACE FUNCTION ${spec.name}_fn() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN ${spec.body
      .map((s) => `${s};`)
      .join(' ')} RETURN NULL; END $$`,
    `CREATE TRIGGER ${spec.name} ${spec.timing} ${spec.event} ON ${spec.table} FOR EACH ROW${
      spec.when ? ` WHEN (${spec.when})` : ''
    } EXECUTE FUNCTION ${spec.name}_fn()`,
  ],
  // A BEFORE trigger sets the number before the row is written (and before NOT NULL and unique
  // checks). The advisory lock makes concurrent writers of one group wait for each other; in READ
  // COMMITTED the MAX that follows the lock then sees the rows the other writer committed.
  sequenceTrigger: ({ name, table, column, groupBy }) => [
    `CREATE OR REPLACE FUNCTION ${name}_fn() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.${column} = 0 THEN PERFORM pg_advisory_xact_lock(hashtext('${table}.${column}:' || NEW.${groupBy})); SELECT COALESCE(MAX(${column}), 0) + 1 INTO NEW.${column} FROM ${table} WHERE ${groupBy} = NEW.${groupBy}; END IF; RETURN NEW; END $$`,
    `CREATE TRIGGER ${name} BEFORE INSERT ON ${table} FOR EACH ROW EXECUTE FUNCTION ${name}_fn()`,
  ],
  dropTrigger: (name, table) => [
    `DROP TRIGGER IF EXISTS ${name} ON ${table}`,
    `DROP FUNCTION IF EXISTS ${name}_fn()`,
  ],
  daysAgo: (days) => `(CURRENT_TIMESTAMP - INTERVAL '${Number(days)} days')`,
  supportsSkipLocked: true,
  parameter: (index) => `$${index}`,
  transactionLock: (key) => `SELECT pg_advisory_xact_lock(hashtext('${key.replace(/'/g, "''")}'))`,
  jsonArrayContains: (column, value) =>
    sql<boolean>`${sql.ref(column)} @> ${JSON.stringify([value])}::jsonb`,
  compatibilityFunctions: () => [
    // round(double precision, integer) does not exist on PostgreSQL (only for numeric); SQLite's
    // ROUND(AVG(x), 2) in the seeds needs it.
    `CREATE OR REPLACE FUNCTION round(double precision, integer) RETURNS double precision LANGUAGE sql IMMUTABLE AS 'SELECT round($1::numeric, $2)::double precision'`,
    // SQLite's datetime('now') and datetime('now', '-30 days'): modifiers are intervals.
    `CREATE OR REPLACE FUNCTION datetime(text) RETURNS timestamptz LANGUAGE sql STABLE AS $$SELECT CASE WHEN $1 = 'now' THEN now() ELSE $1::timestamptz END$$`,
    `CREATE OR REPLACE FUNCTION datetime(text, text) RETURNS timestamptz LANGUAGE sql STABLE AS $$SELECT datetime($1) + $2::interval$$`,
  ],
  dropCompatibilityFunctions: () => [
    'DROP FUNCTION IF EXISTS datetime(text, text)',
    'DROP FUNCTION IF EXISTS datetime(text)',
    'DROP FUNCTION IF EXISTS round(double precision, integer)',
  ],
}

export function dialectFor(engine: EngineName): SqlDialect {
  return engine === 'sqlite' ? sqliteDialect : postgresDialect
}
