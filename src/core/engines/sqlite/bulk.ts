import type { Engine } from '../engine.js'

/**
 * insertDirect is SQLite's direct path for bulk inserts: inside the transaction the rows go
 * straight to better-sqlite3 through one prepared single-row INSERT, run once per row. SQLite
 * inserts a row of a single-row statement faster than one of a 500-row VALUES list (measured
 * 15–20 % faster with genmedia's ai-artist rows), and each run skips Kysely's driver. Outside
 * a transaction of this connection, and under captureQueries (so that the statements are
 * recorded), it returns undefined and the rows go in multi-row INSERTs through Kysely.
 */
export const insertDirect: NonNullable<Engine['insertDirect']> = (
  db,
  executor,
  sql,
  width,
  count,
  fill,
  returned,
) => {
  const handle = db.sqliteHandle
  if (!handle || !executor.isTransaction || !handle.inTransaction || db.capturing) return undefined
  const insert = handle.prepare(sql())
  const values: unknown[] = new Array(width)
  try {
    if (returned) {
      for (let n = 0; n < count; n++) {
        fill(n, values, true)
        returned(insert.get(values))
      }
    } else {
      for (let n = 0; n < count; n++) {
        fill(n, values, true)
        insert.run(values)
      }
    }
  } catch (error) {
    throw db.translateError(error)
  }
  return count
}
