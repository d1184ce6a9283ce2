import type { SqlDialect } from '../dialect.js'
import { dropIndexOf, type Migration } from '../migrator.js'
import { valueList } from '../checks.js'
import { col } from '../table.js'

/** The outcomes an attempt may end with (`job_attempts.outcome`). */
export const ATTEMPT_OUTCOMES = ['completed', 'retry', 'failed', 'cancelled', 'lost'] as const
export type AttemptOutcome = (typeof ATTEMPT_OUTCOMES)[number]

/**
 * jobColumns are the columns the job runtime adds to a store's lifecycle table (image-gen's
 * `generation_jobs`, video-batch's `videos`), declared once for every store that has one.
 */
export const jobColumns = {
  /** The worker holding the job's lease, or null while it waits or once it ended. */
  lease_owner: col.text().nullable(),
  /** When the lease lapses unless its worker's heartbeat extends it. */
  lease_expires_at: col.timestamp().nullable(),
  /** Attempts begun (a claim counts one). */
  attempts: col.counter(),
  /** A job waiting for a retry is not claimed before this time. */
  run_after: col.timestamp().nullable(),
  /** When a cancellation was asked for; a cancelled job ends `failed` with this set. */
  cancelled_at: col.timestamp().nullable(),
  /** Units done (image-gen: shots), as the handler reports them. */
  progress: col.integer().nullable(),
  /** The provider the job runs on (the worker's `--provider`), for per-provider limits. */
  provider: col.text().nullable(),
}

/** The names of jobColumns, for code that leaves the runtime's columns alone (importers). */
export const JOB_COLUMN_NAMES = Object.keys(jobColumns) as (keyof typeof jobColumns)[]

/** The tables the job runtime adds to a store: every attempt, and the provider limits. */
export const jobTableColumns = {
  job_attempts: {
    id: col.id(),
    job_id: col.reference(),
    attempt: col.integer().check((s) => s.min(1)),
    worker: col.text(),
    outcome: col.enum(ATTEMPT_OUTCOMES),
    error: col.text().nullable(),
    started_at: col.timestamp().nullable(),
    finished_at: col.timestamp().defaulted(),
  },
  job_limits: {
    provider: col.text(),
    /** At most this many jobs of the provider run at once, over every worker process. */
    max_running: col.integer().nullable(),
    /** At most this many jobs of the provider start per minute. */
    per_minute: col.integer().nullable(),
    window_start: col.timestamp().nullable(),
    window_count: col.integer().defaulted(),
  },
} as const

/**
 * jobTables returns the DDL of `job_attempts` (every attempt of a job of `jobTable`: worker,
 * outcome, error; deleted with the job) and `job_limits` (per-provider limits), with timestamps
 * of type `timestampType` (the store's own timestamp type).
 */
export function jobTables(d: SqlDialect, jobTable: string, timestampType: string): string[] {
  return [
    `CREATE TABLE job_attempts (
    id ${d.autoIncrementPrimaryKey},
    job_id INTEGER NOT NULL REFERENCES ${jobTable}(id) ON DELETE CASCADE,
    attempt INTEGER NOT NULL,
    worker TEXT NOT NULL,
    outcome TEXT NOT NULL,
    error TEXT,
    started_at ${timestampType},
    finished_at ${timestampType} NOT NULL DEFAULT ${d.currentTimestamp},
    CONSTRAINT check_job_attempts_outcome CHECK (outcome IN (${valueList(ATTEMPT_OUTCOMES)})),
    CONSTRAINT check_job_attempts_attempt CHECK (attempt >= 1)
)`,
    // Not unique: `jobs retry` gives a failed job a fresh count, and its earlier attempts stay.
    'CREATE INDEX idx_job_attempts_job_id ON job_attempts(job_id, attempt)',
    `CREATE TABLE job_limits (
    provider TEXT PRIMARY KEY,
    max_running INTEGER,
    per_minute INTEGER,
    window_start ${timestampType},
    window_count INTEGER NOT NULL DEFAULT 0
)`,
  ]
}

/** The DDL type of each of jobColumns, with `timestampType` the store's own timestamp type. */
const jobColumnTypes = (timestampType: string) =>
  ({
    lease_owner: 'TEXT',
    lease_expires_at: timestampType,
    attempts: 'INTEGER NOT NULL DEFAULT 0',
    run_after: timestampType,
    cancelled_at: timestampType,
    progress: 'INTEGER',
    provider: 'TEXT',
  }) satisfies Record<keyof typeof jobColumns, string>

/**
 * jobRuntimeMigration is the migration that gives a store's lifecycle table `jobTable` the job
 * runtime: jobColumns (timestamps of type `timestampType`, the store's own), the `indexes` its
 * queue claims and lease recovery read (CREATE INDEX statements), and jobTables. `down` drops
 * them all again, last added first.
 */
export function jobRuntimeMigration(
  version: number,
  jobTable: string,
  timestampType: (d: SqlDialect) => string,
  indexes: readonly string[],
): Migration {
  return {
    version,
    name: 'job runtime: leases, attempts, retries, cancellation, provider limits',
    up: (d) => {
      const types = jobColumnTypes(timestampType(d))
      return [
        ...JOB_COLUMN_NAMES.map((c) => `ALTER TABLE ${jobTable} ADD COLUMN ${c} ${types[c]}`),
        ...indexes,
        ...jobTables(d, jobTable, timestampType(d)),
      ]
    },
    down: () => [
      'DROP TABLE IF EXISTS job_limits',
      'DROP TABLE IF EXISTS job_attempts',
      ...indexes.map(dropIndexOf).reverse(),
      ...JOB_COLUMN_NAMES.map(
        (column) => `ALTER TABLE ${jobTable} DROP COLUMN ${column}`,
      ).reverse(),
    ],
  }
}
