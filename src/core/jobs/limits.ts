import { sql, type Kysely, type SqlBool } from 'kysely'
import type { Database, Executor } from '../database.js'
import { ValidationError } from '../errors.js'
import { condition } from './admin.js'
import type { JobTable } from './queue.js'

/** ProviderLimit is a provider's limits held in the database (`job_limits`). */
export interface ProviderLimit {
  provider: string
  max_running: number | null
  per_minute: number | null
}

/**
 * withinLimit runs `take` (a claim) in a transaction (or in `outer`) that first waits its turn
 * on the provider's lock, then takes nothing while the provider runs `max_running` jobs of
 * `spec` or started `per_minute` in the current minute; a claim made counts in the minute.
 */
export async function withinLimit(
  db: Database,
  spec: JobTable,
  provider: string,
  now: Date,
  take: (executor: Executor) => Promise<Record<string, unknown> | undefined>,
  outer?: Executor,
): Promise<Record<string, unknown> | undefined> {
  const body = async (trx: Executor) => {
    const lock = db.dialect.transactionLock(`genmedia-job-provider:${provider}`)
    if (lock) await db.query(lock, [], trx)
    const k = trx as Kysely<any>
    const limit = await k
      .selectFrom('job_limits')
      .selectAll()
      .where('provider', '=', provider)
      .executeTakeFirst()
    if (limit?.max_running != null) {
      const running = await k
        .selectFrom(spec.table)
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('provider', '=', provider)
        .where(sql<SqlBool>`lease_owner IS NOT NULL`)
        .where('lease_expires_at', '>=', now)
        .where(condition(spec.active))
        .executeTakeFirstOrThrow()
      if (Number(running.n) >= Number(limit.max_running)) return undefined
    }
    let windowStart = limit?.window_start == null ? undefined : new Date(String(limit.window_start))
    let windowCount = Number(limit?.window_count ?? 0)
    if (limit?.per_minute != null) {
      if (!windowStart || now.getTime() - windowStart.getTime() >= 60_000) {
        windowStart = now
        windowCount = 0
      }
      if (windowCount >= Number(limit.per_minute)) return undefined
    }
    const row = await take(trx)
    if (row && limit?.per_minute != null) {
      await k
        .updateTable('job_limits')
        .set({ window_start: windowStart, window_count: windowCount + 1 })
        .where('provider', '=', provider)
        .execute()
    }
    return row
  }
  return outer ? body(outer) : db.transaction(body)
}

/** setLimit writes a provider's limits (null: no limit of that kind). */
export async function setLimit(db: Database, limit: ProviderLimit): Promise<void> {
  for (const [key, value] of [
    ['max_running', limit.max_running],
    ['per_minute', limit.per_minute],
  ] as const) {
    if (value !== null && (!Number.isInteger(value) || value < 1)) {
      throw new ValidationError(`${key}: must be a whole number of 1 or more, got ${value}`, key)
    }
  }
  await db.run((k) =>
    (k as Kysely<any>)
      .insertInto('job_limits')
      .values({ ...limit, window_count: 0 })
      .onConflict((oc) =>
        oc
          .column('provider')
          .doUpdateSet({ max_running: limit.max_running, per_minute: limit.per_minute }),
      )
      .execute(),
  )
}

/** listLimits lists the providers' limits. */
export async function listLimits(db: Database): Promise<ProviderLimit[]> {
  const rows = await (db.kysely as Kysely<any>)
    .selectFrom('job_limits')
    .selectAll()
    .orderBy('provider')
    .execute()
  return rows.map((r) => ({
    provider: String(r.provider),
    max_running: r.max_running == null ? null : Number(r.max_running),
    per_minute: r.per_minute == null ? null : Number(r.per_minute),
  }))
}
