import { createRequire } from 'node:module'
import { spawn } from 'node:child_process'
import type { ReadOnlyQuery } from '../../transfer/engine.js'
import { QueryRefusedError, QueryTimeoutError } from '../../transfer/errors.js'

const BATCH_SIZE = 500

/**
 * WORKER is the query process's program, CommonJS run with `node -e` (so it loads the same way
 * from source and from the build): it opens the file read-only with `query_only`, refuses a
 * statement that writes (better-sqlite3 asks SQLite whether the statement is read-only), and
 * sends the rows in batches, waiting after each until the caller has taken it, so memory
 * holds one batch.
 */
const WORKER = `
const BetterSqlite3 = require(process.env.GENMEDIA_SQLITE_DRIVER)
const { path, sql, batchSize } = JSON.parse(process.env.GENMEDIA_SQL_QUERY)
const send = (message) => new Promise((resolve) => process.send(message, resolve))
let taken = () => undefined
process.on('message', () => taken())
const answer = () => new Promise((resolve) => (taken = resolve))
const firstWord = (text) => (text.trim().split(/\\s+/)[0] || '').toUpperCase()
async function main() {
  const db = new BetterSqlite3(path, { readonly: true, fileMustExist: true })
  db.pragma('query_only = ON')
  let statement
  try {
    statement = db.prepare(sql)
  } catch (error) {
    if (/more than one statement/i.test(error.message)) {
      return send({ type: 'refused', message: 'one statement at a time: the text holds more than one' })
    }
    return send({ type: 'error', message: error.message })
  }
  if (!statement.readonly) {
    return send({ type: 'refused', message: 'the statement writes (' + firstWord(sql) + ')' })
  }
  if (!statement.reader) {
    return send({ type: 'refused', message: 'the statement returns no rows (' + firstWord(sql) + ')' })
  }
  statement.raw(true)
  await send({ type: 'columns', columns: statement.columns().map((c) => c.name) })
  let batch = []
  for (const row of statement.iterate()) {
    batch.push(row)
    if (batch.length >= batchSize) {
      const next = answer()
      await send({ type: 'rows', rows: batch })
      await next
      batch = []
    }
  }
  if (batch.length > 0) {
    const next = answer()
    await send({ type: 'rows', rows: batch })
    await next
  }
  await send({ type: 'done' })
}
main().catch((error) => send({ type: 'error', message: error.message })).finally(() => process.disconnect())
`

type Message =
  | { type: 'columns'; columns: string[] }
  | { type: 'rows'; rows: unknown[][] }
  | { type: 'done' }
  | { type: 'refused'; message: string }
  | { type: 'error'; message: string }

/**
 * runSqliteQuery runs one user statement on the SQLite file at `path` in a process of its own:
 * better-sqlite3 steps synchronously and SQLite's interrupt is out of its reach, so a statement
 * still running at the time limit is stopped by killing that process (a thread stuck inside one
 * native step could not be stopped).
 */
export function runSqliteQuery(path: string, query: ReadOnlyQuery): Promise<void> {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3')
  const child = spawn(process.execPath, ['-e', WORKER], {
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    env: {
      ...process.env,
      NODE_OPTIONS: '',
      GENMEDIA_SQLITE_DRIVER: driver,
      GENMEDIA_SQL_QUERY: JSON.stringify({ path, sql: query.sql, batchSize: BATCH_SIZE }),
    },
  })
  let stderr = ''
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()))
  return new Promise<void>((resolve, reject) => {
    let settled = false
    const finish = (error?: Error) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      if (child.exitCode === null) child.kill('SIGKILL')
      if (error) reject(error)
      else resolve()
    }
    const timer = setTimeout(() => finish(new QueryTimeoutError(query.timeoutMs)), query.timeoutMs)
    child.on('message', (message: Message) => {
      switch (message.type) {
        case 'columns':
          query.onColumns(message.columns)
          return
        case 'rows':
          Promise.resolve(query.onRows(message.rows)).then(
            () => child.connected && child.send('taken'),
            (error: Error) => finish(error),
          )
          return
        case 'done':
          return finish()
        case 'refused':
          return finish(
            new QueryRefusedError(`refused: ${message.message}; genmedia sql only reads`),
          )
        case 'error':
          return finish(new Error(message.message))
      }
    })
    child.on('error', (error) => finish(error))
    child.on('close', () =>
      finish(
        new Error(
          `the query process stopped without an answer${stderr ? `: ${stderr.trim()}` : ''}`,
        ),
      ),
    )
  })
}
