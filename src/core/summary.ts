import type { SqlDialect } from './dialect.js'
import type { Migration } from './migrator.js'
import { col, type Columns } from './table.js'

/** One running total of a summary table: a column and the value each source row adds to it. */
export interface SummaryTotal {
  /** The row's share, an SQL expression over the row written `$` (`1`, `$.size`, a CASE). */
  value: string
  /** `integer` (64-bit: counts, sums of integers) or `real` (sums of real columns). */
  type: 'integer' | 'real'
}

/**
 * The totals a summary table most often keeps, as SummaryTotals: `rows`, how many source rows
 * the group has; `known(c)`, how many of them have `c` (the count behind a mean of `c`);
 * `sum(c, type)`, the sum of `c` with NULL counted as 0.
 */
export const total = {
  rows: { value: '1', type: 'integer' },
  known: (column: string) =>
    ({ value: `CASE WHEN $.${column} IS NULL THEN 0 ELSE 1 END`, type: 'integer' }) as const,
  sum: <T extends SummaryTotal['type']>(column: string, type: T) => ({
    value: `COALESCE($.${column}, 0)`,
    type,
  }),
} as const

/**
 * SummarySpec names a summary table: per group of a source table, running totals that a
 * dashboard aggregate reads instead of reading every source row. Expressions are SQL over one
 * source row, written with `$` for the row (the triggers put NEW or OLD there, the fill the
 * source table's name); group expressions must never be NULL (they are the primary key).
 */
export interface SummarySpec {
  /** The summary table. */
  table: string
  /** The table it summarises. */
  source: string
  /** The group columns (TEXT) and the expression of each over a source row. */
  groups: Record<string, string>
  /** The totals kept per group. */
  totals: Record<string, SummaryTotal>
  /**
   * Rows per group, for a source that concurrent writers change all the time (a job queue's
   * statuses): each writing connection adds to its own row of the group (the dialect's
   * `writerShard`; always row 0 on SQLite), so writers never queue on one group row, and a
   * reader sums a group's rows (`SUM(…) GROUP BY` the groups). Absent: one row per group and no
   * `shard` column.
   */
  shards?: number
}

/** A summary table's running total as its store's tables declare it: 0 until a row adds to it. */
const integerTotal = () => col.integer().defaulted()
const realTotal = () => col.real().defaulted()

/** The columns of the totals of `S`, each an integer or a real. */
export type TotalColumns<S extends SummarySpec> = {
  [T in keyof S['totals']]: S['totals'][T]['type'] extends 'real'
    ? ReturnType<typeof realTotal>
    : ReturnType<typeof integerTotal>
}

/**
 * summaryColumns declares the summary table `spec` makes, for its store's tables: the group
 * columns as `groups` declares them (the kind of each group's value), the `shard` column where
 * the table has `shards` rows per group (summaryShardsMigration), then the totals.
 */
export function summaryColumns<S extends SummarySpec, const G extends Columns>(
  spec: S,
  groups: G,
): G & TotalColumns<S>
export function summaryColumns<S extends SummarySpec, const G extends Columns>(
  spec: S,
  groups: G,
  sharded: 'sharded',
): G & { shard: ReturnType<typeof integerTotal> } & TotalColumns<S>
export function summaryColumns(spec: SummarySpec, groups: Columns, sharded?: 'sharded'): Columns {
  const totals = Object.entries(spec.totals).map(([name, total]) => [
    name,
    total.type === 'real' ? realTotal() : integerTotal(),
  ])
  return {
    ...groups,
    ...(sharded ? { shard: integerTotal() } : {}),
    ...Object.fromEntries(totals),
  }
}

const over = (expression: string, row: string) => expression.replace(/\$/g, row)

const tuple = (items: readonly string[]) => `(${items.join(', ')})`

/** The statements and expressions every summary table is made of, sharded or not. */
function summaryParts(d: SqlDialect, spec: SummarySpec) {
  const groups = Object.keys(spec.groups)
  const totals = Object.keys(spec.totals)
  const groupOf = (row: string) => groups.map((g) => over(spec.groups[g]!, row))
  const valueOf = (row: string) => totals.map((t) => over(spec.totals[t]!.value, row))
  const typeOf = (t: SummaryTotal) => (t.type === 'integer' ? d.bigIntegerType : d.type('REAL'))
  const create = (key: string, shard: string[]) => `CREATE TABLE ${spec.table} (
    ${[
      ...groups.map((g) => `${g} TEXT NOT NULL`),
      ...shard,
      ...totals.map((t) => `${t} ${typeOf(spec.totals[t]!)} NOT NULL DEFAULT 0`),
      `PRIMARY KEY ${key}`,
    ].join(',\n    ')}
)`
  const fillGroups = groupOf(spec.source)
  const fill = `INSERT INTO ${spec.table} (${[...groups, ...totals].join(', ')})
SELECT ${[...fillGroups, ...valueOf(spec.source).map((v) => `COALESCE(SUM(${v}), 0)`)].join(', ')}
FROM ${spec.source}
GROUP BY ${fillGroups.join(', ')}`
  const changed = [...groupOf('OLD'), ...valueOf('OLD')]
    .map((o, i) => `${o} IS DISTINCT FROM ${[...groupOf('NEW'), ...valueOf('NEW')][i]}`)
    .join(' OR ')
  const trigger = (event: 'INSERT' | 'UPDATE' | 'DELETE', body: string[], when?: string) =>
    d.trigger({
      name: `${spec.table}_on_${event.toLowerCase()}`,
      table: spec.source,
      timing: 'AFTER',
      event,
      ...(when ? { when } : {}),
      body,
    })
  const newGroup = tuple(groupOf('NEW'))
  const oldGroup = tuple(groupOf('OLD'))
  return { groups, totals, groupOf, valueOf, create, fill, changed, trigger, newGroup, oldGroup }
}

/**
 * summaryTable returns the statements that create a summary table, fill it from the rows the
 * source holds now, and create the triggers that keep it right in the same transaction as every
 * INSERT, UPDATE and DELETE of the source, whoever writes (genmedia, the seed's own programs,
 * plain SQL). Why triggers and not a cache: an aggregate read from the summary is exact at every
 * moment, and costs a few rows however large the source grows.
 *
 * On PostgreSQL two writers of one group wait for each other on the group's row until the first
 * commits (unless the spec has `shards`). An UPDATE that moves a row between groups touches the
 * two group rows in key order, so that two such moves in opposite directions cannot deadlock.
 */
export function summaryTable(d: SqlDialect, spec: SummarySpec): string[] {
  const { groups, create, fill } = summaryParts(d, spec)
  const key = spec.shards === undefined ? tuple(groups) : tuple([...groups, 'shard'])
  const shard = spec.shards === undefined ? [] : [`shard ${d.bigIntegerType} NOT NULL DEFAULT 0`]
  return [create(key, shard), fill, ...rowTriggers(d, spec)]
}

/** rowTriggers are the triggers of summaryTable: run for each row the source's statements change. */
function rowTriggers(d: SqlDialect, spec: SummarySpec): string[] {
  if (spec.shards !== undefined) return shardedRowTriggers(d, spec, spec.shards)
  const { groups, totals, groupOf, valueOf, changed, trigger, newGroup, oldGroup } = summaryParts(
    d,
    spec,
  )
  const key = tuple(groups)
  // The share of NEW added and the share of OLD taken away, for whichever group row is updated.
  const moved = totals
    .map((t, i) => {
      const plus = `CASE WHEN ${key} = ${newGroup} THEN ${valueOf('NEW')[i]} ELSE 0 END`
      const minus = `CASE WHEN ${key} = ${oldGroup} THEN ${valueOf('OLD')[i]} ELSE 0 END`
      return `${t} = ${t} + (${plus}) - (${minus})`
    })
    .join(', ')
  return [
    ...trigger('INSERT', [
      `INSERT INTO ${spec.table} (${[...groups, ...totals].join(', ')}) VALUES (${[
        ...groupOf('NEW'),
        ...valueOf('NEW'),
      ].join(', ')}) ON CONFLICT ${key} DO UPDATE SET ${totals
        .map((t) => `${t} = ${spec.table}.${t} + excluded.${t}`)
        .join(', ')}`,
    ]),
    ...trigger('DELETE', [
      `UPDATE ${spec.table} SET ${totals
        .map((t, i) => `${t} = ${t} - (${valueOf('OLD')[i]})`)
        .join(', ')} WHERE ${key} = ${oldGroup}`,
    ]),
    ...trigger(
      'UPDATE',
      [
        `INSERT INTO ${spec.table} ${key} VALUES ${newGroup} ON CONFLICT ${key} DO NOTHING`,
        // The lower group first, then the higher: the same order in every writer.
        `UPDATE ${spec.table} SET ${moved} WHERE (${oldGroup} <= ${newGroup} AND ${key} = ${oldGroup}) OR (${oldGroup} > ${newGroup} AND ${key} = ${newGroup})`,
        `UPDATE ${spec.table} SET ${moved} WHERE (${oldGroup} < ${newGroup} AND ${key} = ${newGroup}) OR (${oldGroup} > ${newGroup} AND ${key} = ${oldGroup})`,
      ],
      changed,
    ),
  ]
}

/**
 * shardedRowTriggers are rowTriggers for `shards` rows per group: each trigger adds its change
 * as a delta to the writing connection's row of the group (an upsert), a row that moves between
 * groups to the lower group's row first, then to the higher's.
 */
function shardedRowTriggers(d: SqlDialect, spec: SummarySpec, shards: number): string[] {
  const { groups, totals, groupOf, valueOf, changed, trigger, newGroup, oldGroup } = summaryParts(
    d,
    spec,
  )
  const key = tuple([...groups, 'shard'])
  // Adds `deltas` to the writer's row of `group` (expressions over NEW and OLD) where `when` holds.
  const add = (group: readonly string[], deltas: readonly string[], when = '1 = 1') =>
    `INSERT INTO ${spec.table} (${[...groups, 'shard', ...totals].join(', ')}) SELECT ${[
      ...group,
      d.writerShard(shards),
      ...deltas,
    ].join(', ')} WHERE ${when} ON CONFLICT ${key} DO UPDATE SET ${totals
      .map((t) => `${t} = ${spec.table}.${t} + excluded.${t}`)
      .join(', ')}`
  const oldFirst = `${oldGroup} <= ${newGroup}`
  const pick = (first: 'OLD' | 'NEW', second: 'OLD' | 'NEW') =>
    groupOf(first).map((g, i) => `CASE WHEN ${oldFirst} THEN ${g} ELSE ${groupOf(second)[i]} END`)
  // A group's change: the share of NEW when NEW is in it, less the share of OLD when OLD was.
  const moved = (group: readonly string[]) =>
    valueOf('NEW').map((plus, i) => {
      const minus = valueOf('OLD')[i]
      return `(CASE WHEN ${tuple(group)} = ${newGroup} THEN ${plus} ELSE 0 END) - (CASE WHEN ${tuple(group)} = ${oldGroup} THEN ${minus} ELSE 0 END)`
    })
  const lower = pick('OLD', 'NEW')
  const higher = pick('NEW', 'OLD')
  return [
    ...trigger('INSERT', [add(groupOf('NEW'), valueOf('NEW'))]),
    ...trigger('DELETE', [
      add(
        groupOf('OLD'),
        valueOf('OLD').map((v) => `-(${v})`),
      ),
    ]),
    ...trigger(
      'UPDATE',
      [add(lower, moved(lower)), add(higher, moved(higher), `${oldGroup} <> ${newGroup}`)],
      changed,
    ),
  ]
}

/**
 * statementTriggers keep `spec`'s table right as rowTriggers do, once per statement: the
 * statement's rows (transition tables) summed per group and added to the group rows in one
 * upsert, groups in key order. Row triggers update a group's row once per source row, and on
 * PostgreSQL every update of a row leaves a version of it that the transaction cannot prune:
 * 100,000 images added in one transaction made each update walk the versions before it, and
 * the insert ran at 500 rows/s. An UPDATE's rows unchanged in their group and totals cancel
 * out (EXCEPT ALL) before any sum, so a statement that changes nothing summed writes nothing.
 */
function statementTriggers(
  d: SqlDialect,
  spec: SummarySpec,
  statementTrigger: NonNullable<SqlDialect['statementTrigger']>,
): string[] {
  const { groups, totals, groupOf, valueOf } = summaryParts(d, spec)
  const shard = spec.shards === undefined ? [] : ['shard']
  // The group and share of each row of a transition table, named as the summary's columns.
  const shares = (rows: 'new_rows' | 'old_rows') =>
    `SELECT ${[...groupOf('r'), ...valueOf('r')]
      .map((expression, i) => `${expression} AS ${[...groups, ...totals][i]}`)
      .join(', ')} FROM ${rows} r`
  const negated = totals.map((t) => `-${t} AS ${t}`)
  const add = (changes: string) =>
    `INSERT INTO ${spec.table} (${[...groups, ...shard, ...totals].join(', ')}) SELECT ${[
      ...groups,
      ...(spec.shards === undefined ? [] : [d.writerShard(spec.shards)]),
      ...totals.map((t) => `SUM(${t})`),
    ].join(', ')} FROM (${changes}) AS change GROUP BY ${groups.join(', ')} HAVING ${totals
      .map((t) => `SUM(${t}) <> 0`)
      .join(' OR ')} ORDER BY ${groups.join(', ')} ON CONFLICT ${tuple([
      ...groups,
      ...shard,
    ])} DO UPDATE SET ${totals.map((t) => `${t} = ${spec.table}.${t} + excluded.${t}`).join(', ')}`
  const removed = (changes: string) =>
    `SELECT ${[...groups, ...negated].join(', ')} FROM (${changes}) AS gone`
  const trigger = (event: 'INSERT' | 'UPDATE' | 'DELETE', changes: string) =>
    statementTrigger({
      name: `${spec.table}_on_${event.toLowerCase()}`,
      table: spec.source,
      event,
      body: [add(changes)],
    })
  return [
    ...trigger('INSERT', shares('new_rows')),
    ...trigger('DELETE', removed(shares('old_rows'))),
    ...trigger(
      'UPDATE',
      `(${shares('new_rows')} EXCEPT ALL ${shares('old_rows')}) UNION ALL ${removed(
        `${shares('old_rows')} EXCEPT ALL ${shares('new_rows')}`,
      )}`,
    ),
  ]
}

/** The statements dropping the three triggers of `spec`'s table, row or statement ones. */
function dropTriggers(d: SqlDialect, spec: SummarySpec): string[] {
  return [
    ...d.dropTrigger(`${spec.table}_on_update`, spec.source),
    ...d.dropTrigger(`${spec.table}_on_delete`, spec.source),
    ...d.dropTrigger(`${spec.table}_on_insert`, spec.source),
  ]
}

/** dropSummaryTable returns the statements that undo summaryTable. */
export function dropSummaryTable(d: SqlDialect, spec: SummarySpec): string[] {
  return [...dropTriggers(d, spec), `DROP TABLE IF EXISTS ${spec.table}`]
}

/** summaryMigration is the migration that makes the summary table `spec` (and undoes it). */
export function summaryMigration(version: number, name: string, spec: SummarySpec): Migration {
  return {
    version,
    name,
    up: (d) => summaryTable(d, spec),
    down: (d) => dropSummaryTable(d, spec),
  }
}

/**
 * summaryShardsMigration is the migration that gives the summary table `spec` (made by an
 * earlier summaryMigration) `shards` rows per group: its triggers and rows are replaced by the
 * sharded table's, filled again from the source. Readers must sum a group's rows.
 */
export function summaryShardsMigration(
  version: number,
  name: string,
  spec: SummarySpec,
  shards: number,
): Migration {
  const sharded = { ...spec, shards }
  return {
    version,
    name,
    up: (d) => [...dropSummaryTable(d, spec), ...summaryTable(d, sharded)],
    down: (d) => [...dropSummaryTable(d, sharded), ...summaryTable(d, spec)],
  }
}

/**
 * summaryStatementTriggersMigration is the migration that moves the summary table `spec` (made
 * by an earlier summaryMigration or summaryShardsMigration) to statement triggers
 * (statementTriggers) where the engine has them, PostgreSQL; on SQLite, which updates a row in
 * place, its row triggers stay and the step does nothing. Give `spec` as its table is now
 * (with its `shards`).
 */
export function summaryStatementTriggersMigration(
  version: number,
  name: string,
  spec: SummarySpec,
): Migration {
  return {
    version,
    name,
    up: (d) =>
      d.statementTrigger
        ? [...dropTriggers(d, spec), ...statementTriggers(d, spec, d.statementTrigger)]
        : [],
    down: (d) => (d.statementTrigger ? [...dropTriggers(d, spec), ...rowTriggers(d, spec)] : []),
  }
}
