import type { Transaction } from 'kysely'
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

type Trx = Transaction<any>

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
  return maintain(db, 'cleanup', options, async (trx, cutoff, p) => {
    const old = `status != 'completed' AND updated_at < ${p(1)}`
    const unreferenced = `NOT EXISTS (SELECT 1 FROM project_history h WHERE h.session_id = processing_state.session_id)`
    const ids = `SELECT session_id FROM processing_state WHERE ${old} AND ${unreferenced}`
    const counts = {
      sessions: await count(
        db,
        trx,
        `SELECT COUNT(*) AS n FROM processing_state WHERE ${old} AND ${unreferenced}`,
        [cutoff],
      ),
      operation_logs: await count(
        db,
        trx,
        `SELECT COUNT(*) AS n FROM operation_log WHERE session_id IN (${ids})`,
        [cutoff],
      ),
      files: await count(
        db,
        trx,
        `SELECT COUNT(*) AS n FROM file_registry WHERE session_id IN (${ids})`,
        [cutoff],
      ),
      kept_with_history: await count(
        db,
        trx,
        `SELECT COUNT(*) AS n FROM processing_state WHERE ${old} AND NOT ${unreferenced}`,
        [cutoff],
      ),
    }
    return {
      counts,
      apply: () =>
        db.query(`DELETE FROM processing_state WHERE ${old} AND ${unreferenced}`, [cutoff], trx),
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
  return maintain(db, 'archive-history', options, async (trx, cutoff, p) => {
    const old = `completed_at < ${p(1)}`
    const notArchived = `NOT EXISTS (SELECT 1 FROM project_history_archive a WHERE a.id = project_history.id)`
    const counts = {
      archived: await count(db, trx, `SELECT COUNT(*) AS n FROM project_history WHERE ${old}`, [
        cutoff,
      ]),
      already_in_archive: await count(
        db,
        trx,
        `SELECT COUNT(*) AS n FROM project_history WHERE ${old} AND NOT ${notArchived}`,
        [cutoff],
      ),
    }
    return {
      counts,
      apply: async () => {
        await db.query(
          `INSERT INTO project_history_archive SELECT * FROM project_history WHERE ${old} AND ${notArchived}`,
          [cutoff],
          trx,
        )
        await db.query(
          `DELETE FROM project_history WHERE ${old} AND NOT ${notArchived}`,
          [cutoff],
          trx,
        )
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
  return maintain(db, 'purge-logs', options, async (trx, cutoff, p) => {
    const old = `timestamp < ${p(1)}`
    const closed = `session_id NOT IN (SELECT session_id FROM processing_state WHERE status IN ('initialized', 'processing', 'paused'))`
    const counts = {
      operation_logs: await count(
        db,
        trx,
        `SELECT COUNT(*) AS n FROM operation_log WHERE ${old} AND ${closed}`,
        [cutoff],
      ),
      kept_for_open_sessions: await count(
        db,
        trx,
        `SELECT COUNT(*) AS n FROM operation_log WHERE ${old} AND NOT ${closed}`,
        [cutoff],
      ),
    }
    return {
      counts,
      apply: () => db.query(`DELETE FROM operation_log WHERE ${old} AND ${closed}`, [cutoff], trx),
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
  return maintain(db, 'reset-usage', options, async (trx, cutoff, p) => {
    const where = cutoff === null ? '' : ` WHERE last_used_at IS NULL OR last_used_at < ${p(1)}`
    const params = cutoff === null ? [] : [cutoff]
    const counts = {
      presets: await count(db, trx, `SELECT COUNT(*) AS n FROM user_presets${where}`, params),
    }
    return {
      counts,
      apply: () =>
        db.query(
          `UPDATE user_presets SET usage_count = 0, last_used_at = NULL${where}`,
          params,
          trx,
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

/**
 * maintain runs a task in one transaction: the cutoff is read from the database's clock once
 * (so every statement of the task uses the same instant), the plan counts the rows, and unless
 * this is a dry run, apply changes them.
 */
async function maintain(
  db: Database,
  task: MaintenanceTask,
  options: MaintenanceOptions,
  plan: (trx: Trx, cutoff: unknown, p: (i: number) => string) => Promise<Plan>,
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
    const { counts, apply } = await plan(trx, cutoff, (i) => db.dialect.parameter(i))
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

async function count(db: Database, trx: Trx, text: string, params: unknown[]): Promise<number> {
  const [row] = await db.query<{ n: unknown }>(text, params, trx)
  return Number(row?.n ?? 0)
}
