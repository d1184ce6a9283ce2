import { z } from 'zod'
import { parseInput, toIsoTimestamp, type Database } from '../../core/index.js'
import { daysSchema } from './schemas.js'

/** The maintenance tasks of seed 003 §6, as `genmedia archive <task>` runs them. */
export const MAINTENANCE_TASKS = [
  'cleanup',
  'archive-history',
  'purge-logs',
  'reset-usage',
] as const
export type MaintenanceTask = (typeof MAINTENANCE_TASKS)[number]

/** The seed's age limits: incomplete sessions 30 days, history 90 days, logs 30 days. */
export const DEFAULT_AGE_DAYS: Readonly<Record<MaintenanceTask, number | undefined>> = {
  cleanup: 30,
  'archive-history': 90,
  'purge-logs': 30,
  // The seed resets every preset; --older-than narrows it to presets unused for that long.
  'reset-usage': undefined,
}

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

/**
 * cleanupSessions is the seed's "Remove incomplete sessions older than 30 days": sessions not
 * completed and not updated since the cutoff are deleted with their log and files (ON DELETE
 * CASCADE). A session that project history refers to is kept (its history must not lose its
 * session) and counted as `kept_with_history`. One transaction.
 */
export async function cleanupSessions(
  db: Database,
  options: MaintenanceOptions = {},
): Promise<MaintenanceReport> {
  return maintain(db, 'cleanup', options, async ({ at, count, run }) => {
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
  })
}

/**
 * archiveHistory is the seed's "Archive completed projects older than 90 days": in one
 * transaction it copies every history row completed before the cutoff into
 * project_history_archive (unless a row with its id is there already) and deletes from
 * project_history exactly the rows now in the archive. Run twice, nothing is doubled; stopped
 * midway, the transaction rolls back and nothing is lost.
 */
export async function archiveHistory(
  db: Database,
  options: MaintenanceOptions = {},
): Promise<MaintenanceReport> {
  return maintain(db, 'archive-history', options, async ({ at, count, run }) => {
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
  })
}

/**
 * purgeLogs is the seed's "Clear operation logs older than 30 days", except for sessions still
 * open (initialized, processing, paused): their log is what a resumed tool reads to skip
 * completed operations, so it is kept and counted as `kept_for_open_sessions`.
 */
export async function purgeLogs(
  db: Database,
  options: MaintenanceOptions = {},
): Promise<MaintenanceReport> {
  return maintain(db, 'purge-logs', options, async ({ at, count, run }) => {
    const old = `timestamp < ${at}`
    const closed = `session_id NOT IN (SELECT session_id FROM processing_state WHERE status IN ('initialized', 'processing', 'paused'))`
    return {
      counts: {
        operation_logs: await count('operation_log', `${old} AND ${closed}`),
        kept_for_open_sessions: await count('operation_log', `${old} AND NOT ${closed}`),
      },
      apply: () => run(`DELETE FROM operation_log WHERE ${old} AND ${closed}`),
    }
  })
}

/**
 * resetUsage is the seed's "Reset usage counters": usage_count 0 and last_used_at NULL for every
 * preset, or with olderThanDays only for presets not used since the cutoff.
 */
export async function resetUsage(
  db: Database,
  options: MaintenanceOptions = {},
): Promise<MaintenanceReport> {
  return maintain(db, 'reset-usage', options, async ({ cutoff, at, count, run }) => {
    const unused = cutoff === null ? undefined : `last_used_at IS NULL OR last_used_at < ${at}`
    return {
      counts: { presets: await count('user_presets', unused) },
      apply: () =>
        run(
          `UPDATE user_presets SET usage_count = 0, last_used_at = NULL${unused ? ` WHERE ${unused}` : ''}`,
        ),
    }
  })
}

/** runMaintenance runs one task by its CLI name. */
export function runMaintenance(
  db: Database,
  task: MaintenanceTask,
  options: MaintenanceOptions = {},
): Promise<MaintenanceReport> {
  const tasks = {
    cleanup: cleanupSessions,
    'archive-history': archiveHistory,
    'purge-logs': purgeLogs,
    'reset-usage': resetUsage,
  } as const
  return tasks[task](db, options)
}

type Plan = { counts: Record<string, number>; apply: () => Promise<unknown> }

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

/**
 * maintain runs a task in one transaction: the cutoff is read from the database's clock once
 * (so every statement of the task uses the same instant), the plan counts the rows, and unless
 * this is a dry run, apply changes them.
 */
async function maintain(
  db: Database,
  task: MaintenanceTask,
  options: MaintenanceOptions,
  plan: (step: Step) => Promise<Plan>,
): Promise<MaintenanceReport> {
  const days =
    options.olderThanDays === undefined
      ? DEFAULT_AGE_DAYS[task]
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
    const run = (sql: string) => db.query(sql, params, trx)
    const { counts, apply } = await plan({
      cutoff,
      at: db.dialect.parameter(1),
      run,
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
