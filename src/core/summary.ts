import type { SqlDialect } from './dialect.js'
import type { Migration } from './migrator.js'

/** One running total of a summary table: a column and the value each source row adds to it. */
export interface SummaryTotal {
  /** The row's share, an SQL expression over the row written `$` (`1`, `$.size`, a CASE). */
  value: string
  /** `integer` (64-bit: counts, sums of integers) or `real` (sums of real columns). */
  type: 'integer' | 'real'
}

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
}

const over = (expression: string, row: string) => expression.replace(/\$/g, row)

const tuple = (items: readonly string[]) => `(${items.join(', ')})`

/**
 * summaryTable returns the statements that create a summary table, fill it from the rows the
 * source holds now, and create the triggers that keep it right in the same transaction as every
 * INSERT, UPDATE and DELETE of the source, whoever writes (genmedia, the seed's own programs,
 * plain SQL). Why triggers and not a cache: an aggregate read from the summary is exact at every
 * moment, and costs a few rows however large the source grows.
 *
 * On PostgreSQL two writers of one group wait for each other on the group's row until the first
 * commits. An UPDATE that moves a row between groups touches the two group rows in key order,
 * so that two such moves in opposite directions cannot deadlock.
 */
export function summaryTable(d: SqlDialect, spec: SummarySpec): string[] {
  const groups = Object.keys(spec.groups)
  const totals = Object.keys(spec.totals)
  const groupOf = (row: string) => groups.map((g) => over(spec.groups[g]!, row))
  const valueOf = (row: string) => totals.map((t) => over(spec.totals[t]!.value, row))
  const key = tuple(groups)
  const typeOf = (t: SummaryTotal) => (t.type === 'integer' ? d.bigIntegerType : d.type('REAL'))
  const create = `CREATE TABLE ${spec.table} (
    ${[
      ...groups.map((g) => `${g} TEXT NOT NULL`),
      ...totals.map((t) => `${t} ${typeOf(spec.totals[t]!)} NOT NULL DEFAULT 0`),
      `PRIMARY KEY ${key}`,
    ].join(',\n    ')}
)`
  const fillGroups = groupOf(spec.source)
  const fill = `INSERT INTO ${spec.table} (${[...groups, ...totals].join(', ')})
SELECT ${[...fillGroups, ...valueOf(spec.source).map((v) => `COALESCE(SUM(${v}), 0)`)].join(', ')}
FROM ${spec.source}
GROUP BY ${fillGroups.join(', ')}`
  const newGroup = tuple(groupOf('NEW'))
  const oldGroup = tuple(groupOf('OLD'))
  // The share of NEW added and the share of OLD taken away, for whichever group row is updated.
  const moved = totals
    .map((t, i) => {
      const plus = `CASE WHEN ${key} = ${newGroup} THEN ${valueOf('NEW')[i]} ELSE 0 END`
      const minus = `CASE WHEN ${key} = ${oldGroup} THEN ${valueOf('OLD')[i]} ELSE 0 END`
      return `${t} = ${t} + (${plus}) - (${minus})`
    })
    .join(', ')
  const changed = [...groupOf('OLD'), ...valueOf('OLD')]
    .map((o, i) => `${o} IS DISTINCT FROM ${[...groupOf('NEW'), ...valueOf('NEW')][i]}`)
    .join(' OR ')
  return [
    create,
    fill,
    ...d.trigger({
      name: `${spec.table}_on_insert`,
      table: spec.source,
      timing: 'AFTER',
      event: 'INSERT',
      body: [
        `INSERT INTO ${spec.table} (${[...groups, ...totals].join(', ')}) VALUES (${[
          ...groupOf('NEW'),
          ...valueOf('NEW'),
        ].join(', ')}) ON CONFLICT ${key} DO UPDATE SET ${totals
          .map((t) => `${t} = ${spec.table}.${t} + excluded.${t}`)
          .join(', ')}`,
      ],
    }),
    ...d.trigger({
      name: `${spec.table}_on_delete`,
      table: spec.source,
      timing: 'AFTER',
      event: 'DELETE',
      body: [
        `UPDATE ${spec.table} SET ${totals
          .map((t, i) => `${t} = ${t} - (${valueOf('OLD')[i]})`)
          .join(', ')} WHERE ${key} = ${oldGroup}`,
      ],
    }),
    ...d.trigger({
      name: `${spec.table}_on_update`,
      table: spec.source,
      timing: 'AFTER',
      event: 'UPDATE',
      when: changed,
      body: [
        `INSERT INTO ${spec.table} ${key} VALUES ${newGroup} ON CONFLICT ${key} DO NOTHING`,
        // The lower group first, then the higher: the same order in every writer.
        `UPDATE ${spec.table} SET ${moved} WHERE (${oldGroup} <= ${newGroup} AND ${key} = ${oldGroup}) OR (${oldGroup} > ${newGroup} AND ${key} = ${newGroup})`,
        `UPDATE ${spec.table} SET ${moved} WHERE (${oldGroup} < ${newGroup} AND ${key} = ${newGroup}) OR (${oldGroup} > ${newGroup} AND ${key} = ${oldGroup})`,
      ],
    }),
  ]
}

/** dropSummaryTable returns the statements that undo summaryTable. */
export function dropSummaryTable(d: SqlDialect, spec: SummarySpec): string[] {
  return [
    ...d.dropTrigger(`${spec.table}_on_update`, spec.source),
    ...d.dropTrigger(`${spec.table}_on_delete`, spec.source),
    ...d.dropTrigger(`${spec.table}_on_insert`, spec.source),
    `DROP TABLE IF EXISTS ${spec.table}`,
  ]
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
