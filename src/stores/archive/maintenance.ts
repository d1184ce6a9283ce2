import { z } from 'zod'
import { parseInput, toIsoTimestamp, type Database, StoreRepository } from '../../core/index.js'
import { daysSchema } from './inputs.js'
import type { ArchiveTables } from './tables.js'

/** What a task's plan works with, inside the task's transaction. */
interface Step {
  /** The cutoff read from the database's clock; null when the task has no age limit. */
  cutoff: unknown
  /** The cutoff's placeholder, for the task's SQL. */
  at: string
  /** count returns how many rows of `table` match `where` (all without it). */
  count(table: string, where?: string): Promise<number>
  /** run executes one statement, with the cutoff bound where it has one. */
  run(sql: string): Promise<unknown>
}

/** What a task's plan returns: the rows it counted, and how to change them. */
interface Plan<C extends string> {
  counts: Record<C, number>
  apply(): Promise<unknown>
}

/**
 * MaintenanceTaskDeclaration is one maintenance task of seed 003 §6, declared once: the
 * repository method, the HTTP route (`POST /api/archive/maintenance/<name>`) and the CLI
 * command (`genmedia archive <name>`) are derived from it.
 */
interface MaintenanceTaskDeclaration<M extends string, C extends string> {
  /** The repository method that runs it: `repo.cleanupSessions({ dryRun: true })`. */
  method: M
  /** What it does, for people: the command's description, the route's summary. */
  description: string
  /** The seed's age limit in days; none: the task applies to every row unless given one. */
  defaultAgeDays?: number
  /** For a task without an age limit: what one narrows it to. */
  olderThan?: string
  /** What its report counts; the first are the rows it changes. */
  counts: readonly [C, ...C[]]
  /** The one-line summary: what it did (or would do, on a dry run) to the first count's rows. */
  summary: { done: string; dryRun: string; rows: string }
  /** plan counts the rows and says how to change them, inside the task's transaction. */
  plan(step: Step): Promise<Plan<C>>
}

const task = <const M extends string, const C extends string>(
  declaration: MaintenanceTaskDeclaration<M, C>,
) => declaration

/** The maintenance tasks of seed 003 §6, by the name `genmedia archive <task>` runs them. */
export const MAINTENANCE = {
  /**
   * The seed's "Remove incomplete sessions older than 30 days": sessions not completed and not
   * updated since the cutoff are deleted with their log and files (ON DELETE CASCADE). A session
   * that project history refers to is kept (its history must not lose its session) and counted
   * as `kept_with_history`. One transaction.
   */
  cleanup: task({
    method: 'cleanupSessions',
    description:
      'delete incomplete sessions not updated for 30 days, with their log and files (sessions that project history refers to are kept)',
    defaultAgeDays: 30,
    counts: ['sessions', 'operation_logs', 'files', 'kept_with_history'],
    summary: { done: 'deleted', dryRun: 'would delete', rows: 'sessions' },
    async plan({ at, count, run }) {
      const old = `status != 'completed' AND updated_at < ${at}`
      const unreferenced = `NOT EXISTS (SELECT 1 FROM project_history h WHERE h.session_id = processing_state.session_id)`
      const ids = `SELECT session_id FROM processing_state WHERE ${old} AND ${unreferenced}`
      return {
        counts: {
          sessions: await count('processing_state', `${old} AND ${unreferenced}`),
          operation_logs: await count('operation_log', `session_id IN (${ids})`),
          files: await count('file_registry', `session_id IN (${ids})`),
          kept_with_history: await count('processing_state', `${old} AND NOT ${unreferenced}`),
        },
        apply: () => run(`DELETE FROM processing_state WHERE ${old} AND ${unreferenced}`),
      }
    },
  }),
  /**
   * The seed's "Archive completed projects older than 90 days": in one transaction it copies
   * every history row completed before the cutoff into project_history_archive (unless a row
   * with its id is there already) and deletes from project_history exactly the rows now in the
   * archive. Run twice, nothing is doubled; stopped midway, the transaction rolls back and
   * nothing is lost.
   */
  'archive-history': task({
    method: 'archiveHistory',
    description:
      'move project history completed more than 90 days ago into project_history_archive, in one transaction',
    defaultAgeDays: 90,
    counts: ['archived', 'already_in_archive'],
    summary: { done: 'archived', dryRun: 'would archive', rows: 'history rows' },
    async plan({ at, count, run }) {
      const old = `completed_at < ${at}`
      const notArchived = `NOT EXISTS (SELECT 1 FROM project_history_archive a WHERE a.id = project_history.id)`
      return {
        counts: {
          archived: await count('project_history', old),
          already_in_archive: await count('project_history', `${old} AND NOT ${notArchived}`),
        },
        apply: async () => {
          await run(
            `INSERT INTO project_history_archive SELECT * FROM project_history WHERE ${old} AND ${notArchived}`,
          )
          await run(`DELETE FROM project_history WHERE ${old} AND NOT ${notArchived}`)
        },
      }
    },
  }),
  /**
   * The seed's "Clear operation logs older than 30 days", except for sessions still open
   * (initialized, processing, paused): their log is what a resumed tool reads to skip completed
   * operations, so it is kept and counted as `kept_for_open_sessions`.
   */
  'purge-logs': task({
    method: 'purgeLogs',
    description:
      'delete operation log entries older than 30 days (except those of open sessions, which resuming reads)',
    defaultAgeDays: 30,
    counts: ['operation_logs', 'kept_for_open_sessions'],
    summary: { done: 'purged', dryRun: 'would purge', rows: 'log entries' },
    async plan({ at, count, run }) {
      const old = `timestamp < ${at}`
      const closed = `session_id NOT IN (SELECT session_id FROM processing_state WHERE status IN ('initialized', 'processing', 'paused'))`
      return {
        counts: {
          operation_logs: await count('operation_log', `${old} AND ${closed}`),
          kept_for_open_sessions: await count('operation_log', `${old} AND NOT ${closed}`),
        },
        apply: () => run(`DELETE FROM operation_log WHERE ${old} AND ${closed}`),
      }
    },
  }),
  /**
   * The seed's "Reset usage counters": usage_count 0 and last_used_at NULL for every preset, or
   * with an age limit only for presets not used since the cutoff.
   */
  'reset-usage': task({
    method: 'resetUsage',
    description:
      'reset the usage counters of every preset (or, given an age limit, of presets unused for that long)',
    olderThan: 'only presets unused for DAYS days',
    counts: ['presets'],
    summary: { done: 'reset', dryRun: 'would reset', rows: 'presets' },
    async plan({ cutoff, at, count, run }) {
      const unused = cutoff === null ? undefined : `last_used_at IS NULL OR last_used_at < ${at}`
      return {
        counts: { presets: await count('user_presets', unused) },
        apply: () =>
          run(
            `UPDATE user_presets SET usage_count = 0, last_used_at = NULL${unused ? ` WHERE ${unused}` : ''}`,
          ),
      }
    },
  }),
}

export type MaintenanceTask = keyof typeof MAINTENANCE

export const MAINTENANCE_TASKS = Object.keys(MAINTENANCE) as readonly MaintenanceTask[]

/** The seed's age limits: incomplete sessions 30 days, history 90 days, logs 30 days. */
export const DEFAULT_AGE_DAYS = Object.fromEntries(
  MAINTENANCE_TASKS.map((t) => [t, MAINTENANCE[t].defaultAgeDays]),
) as Readonly<Record<MaintenanceTask, number | undefined>>

export interface MaintenanceOptions {
  /** Count what would change, change nothing. */
  dryRun?: boolean
  /** Override the task's age limit in days. */
  olderThanDays?: number
}

/** MaintenanceReport says what a task changed (or, with dryRun, would change). */
export interface MaintenanceReport {
  task: MaintenanceTask
  dry_run: boolean
  older_than_days: number | null
  /** Rows older than this (ISO-8601 UTC) were affected; null when no age limit applied. */
  cutoff: string | null
  /** Rows changed (or that would be), by what they are. */
  counts: Record<string, number>
}

/** summaryOf is a report in one line: `purge-logs: would purge 12 log entries older than …`. */
export function summaryOf(report: MaintenanceReport): string {
  const { done, dryRun, rows } = MAINTENANCE[report.task].summary
  const first = report.counts[MAINTENANCE[report.task].counts[0]]
  const age =
    report.older_than_days === null
      ? ''
      : ` older than ${report.older_than_days} days (before ${report.cutoff})`
  return `${report.task}: ${report.dry_run ? dryRun : done} ${first} ${rows}${age}`
}

/** The repository's maintenance methods, one per task, named by its declaration. */
export type MaintenanceMethods = {
  readonly [T in MaintenanceTask as (typeof MAINTENANCE)[T]['method']]: (
    options?: MaintenanceOptions,
  ) => Promise<MaintenanceReport>
}

/**
 * MaintenanceRepository holds the maintenance methods (`repo.purgeLogs({ dryRun: true })`),
 * each made from its task's declaration; the archive repository extends it.
 */
export const MaintenanceRepository = class extends StoreRepository<ArchiveTables> {
  constructor(db: Database<ArchiveTables>) {
    super(db)
    for (const t of MAINTENANCE_TASKS) {
      Object.defineProperty(this, MAINTENANCE[t].method, {
        value: (options?: MaintenanceOptions) => runMaintenance(db, t, options),
      })
    }
  }
} as new (db: Database<ArchiveTables>) => StoreRepository<ArchiveTables> & MaintenanceMethods

/**
 * runMaintenance runs one task in one transaction: the cutoff is read from the database's
 * clock once (so every statement of the task uses the same instant), the task's plan counts
 * the rows, and unless this is a dry run, applies the change.
 */
export async function runMaintenance(
  db: Database,
  task: MaintenanceTask,
  options: MaintenanceOptions = {},
): Promise<MaintenanceReport> {
  const declaration: MaintenanceTaskDeclaration<string, string> = MAINTENANCE[task]
  const days =
    options.olderThanDays === undefined
      ? declaration.defaultAgeDays
      : parseInput(z.object({ older_than_days: daysSchema }), {
          older_than_days: options.olderThanDays,
        }).older_than_days
  const dryRun = options.dryRun ?? false
  return db.transaction(async (trx) => {
    let cutoff: unknown = null
    if (days !== undefined) {
      const [row] = await db.query<{ cutoff: unknown }>(
        `SELECT ${db.dialect.daysAgo(days)} AS cutoff`,
        [],
        trx,
      )
      cutoff = row?.cutoff ?? null
    }
    const params = cutoff === null ? [] : [cutoff]
    const { counts, apply } = await declaration.plan({
      cutoff,
      at: db.dialect.parameter(1),
      run: (sql) => db.query(sql, params, trx),
      async count(table, where) {
        const [row] = await db.query<{ n: unknown }>(
          `SELECT COUNT(*) AS n FROM ${table}${where ? ` WHERE ${where}` : ''}`,
          params,
          trx,
        )
        return Number(row?.n ?? 0)
      },
    })
    if (!dryRun) await apply()
    return {
      task,
      dry_run: dryRun,
      older_than_days: days ?? null,
      cutoff: cutoff === null ? null : String(toIsoTimestamp(cutoff)),
      counts,
    }
  })
}
