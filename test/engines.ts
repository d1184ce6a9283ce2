import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, inject } from 'vitest'
import pg from 'pg'

/**
 * The engines every store suite runs on. SQLite uses temporary files. PostgreSQL uses the server
 * at GENMEDIA_TEST_PG_URL (CI sets it), each test file in a database of its own; where it is
 * unset, an in-process PostgreSQL (PGlite) served over the wire protocol, so that the same
 * node-postgres code path is tested on a fresh machine. GENMEDIA_TEST_ENGINES=sqlite (or
 * postgres) narrows the list.
 */
export interface TestEngine {
  name: 'sqlite' | 'postgres'
  /** Whether several connections really run concurrently (false on PGlite, which queues them). */
  concurrent: boolean
  /**
   * Whether a statement is stopped at its time limit (false on PGlite: its WebAssembly build
   * has no timer to enforce statement_timeout, and a statement runs to its end, blocking the
   * test process, while a runaway one never ends).
   */
  stopsStatements: boolean
}

/** SQLite, for the suites that test something only SQLite has. */
export const SQLITE: TestEngine = { name: 'sqlite', concurrent: true, stopsStatements: true }

const server = Boolean(process.env.GENMEDIA_TEST_PG_URL)
export const ENGINES: TestEngine[] = [
  SQLITE,
  { name: 'postgres' as const, concurrent: server, stopsStatements: server },
].filter(
  (e) =>
    !process.env.GENMEDIA_TEST_ENGINES ||
    process.env.GENMEDIA_TEST_ENGINES.split(',').includes(e.name),
)

/** EngineContext gives a test file fresh store locations on one engine. */
export interface EngineContext {
  readonly engine: TestEngine
  /** A temporary folder, removed after the file's tests. */
  readonly dir: string
  /** A new, empty location for a store: a SQLite file, or a new schema on PostgreSQL. */
  freshLocation(label?: string): string
  /**
   * Environment for a genmedia subprocess that puts every store in a new empty place:
   * GENMEDIA_DATA_DIR on SQLite, GENMEDIA_DATABASE_URL (a new database or server) on PostgreSQL.
   */
  freshEnv(): Promise<Record<string, string>>
  /**
   * Like freshLocation, for a store that is open at the same time as other stores in this
   * process. PGlite runs every connection in one shared session, so one store's search_path
   * would overwrite another's: there each such store gets a PGlite server of its own.
   */
  isolatedLocation(label?: string): Promise<string>
  /** The PostgreSQL URL of this file's database (without a schema); undefined on SQLite. */
  readonly databaseUrl: string | undefined
}

let template: Blob | undefined
/** The data folder of a new PGlite (made once for the run, test/global-setup.ts), read once. */
function pgliteTemplate(): Blob {
  template ??= new Blob([readFileSync(inject('pgliteTemplate'))])
  return template
}

let counter = 0
/**
 * A name part no other location of this run has: the process, a count, and random bytes against
 * a reused pid. Short (base 36), as a test process opens a thousand stores and PostgreSQL names
 * stop at 63 characters, restore points' `_restore_point_<stamp>` included.
 */
const unique = () =>
  `${process.pid.toString(36)}_${(++counter).toString(36)}_${randomBytes(2).toString('hex')}`

/**
 * useEngine registers the set-up and tear-down of one engine for the enclosing describe block
 * and returns its context (usable inside tests and hooks).
 */
export function useEngine(engine: TestEngine): EngineContext {
  let dir = ''
  let databaseUrl: string | undefined
  const cleanups: (() => Promise<void>)[] = []

  const newDatabase = async (): Promise<string> => {
    const adminUrl = process.env.GENMEDIA_TEST_PG_URL
    if (adminUrl) {
      const name = `genmedia_test_${unique()}`
      const admin = new pg.Client({ connectionString: adminUrl })
      await admin.connect()
      await admin.query(`CREATE DATABASE ${name}`)
      await admin.end()
      cleanups.push(async () => {
        const c = new pg.Client({ connectionString: adminUrl })
        await c.connect()
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
        await c.end()
      })
      const url = new URL(adminUrl)
      url.pathname = `/${name}`
      return url.toString()
    }
    const { PGlite } = await import('@electric-sql/pglite')
    const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket')
    // The data folder initdb made once for the run; shared buffers of 16 MB, not 128: PGlite
    // clears them at every start (half its start), and a test's data fits in far less.
    const db = await PGlite.create({
      loadDataDir: pgliteTemplate(),
      postgresqlconf: ['shared_buffers = 16MB'],
    })
    // Port 0: the system picks a free port, which getServerConn() then reports.
    const server = new PGLiteSocketServer({ db, port: 0, host: '127.0.0.1', maxConnections: 16 })
    await server.start()
    cleanups.push(async () => {
      await server.stop()
      await db.close()
    })
    return `postgres://postgres@${server.getServerConn()}/postgres`
  }

  let storageUrlBefore: string | undefined
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'genmedia-test-'))
    // Stores that keep blobs (image-gen) write them here, not into the working tree's ./data.
    storageUrlBefore = process.env.GENMEDIA_STORAGE_URL
    process.env.GENMEDIA_STORAGE_URL ??= `file://${join(dir, 'blobs')}`
    if (engine.name === 'postgres') databaseUrl = await newDatabase()
  })

  afterAll(async () => {
    if (storageUrlBefore === undefined) delete process.env.GENMEDIA_STORAGE_URL
    else process.env.GENMEDIA_STORAGE_URL = storageUrlBefore
    // Emptied as they run: the runner keeps this hook, and so its closure, after the file.
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined)
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  return {
    engine,
    get dir() {
      return dir
    },
    get databaseUrl() {
      return databaseUrl
    },
    freshLocation(label = 'store') {
      const id = unique()
      if (engine.name === 'sqlite') return join(dir, `${label}_${id}.db`)
      const url = new URL(databaseUrl!)
      url.searchParams.set('schema', `${label.replace(/\W/g, '_')}_${id}`)
      return url.toString()
    },
    async isolatedLocation(label = 'store') {
      if (engine.name === 'sqlite' || process.env.GENMEDIA_TEST_PG_URL) {
        return this.freshLocation(label)
      }
      const url = new URL(await newDatabase())
      url.searchParams.set('schema', `${label.replace(/\W/g, '_')}_${unique()}`)
      return url.toString()
    },
    async freshEnv(): Promise<Record<string, string>> {
      if (engine.name === 'sqlite') {
        return { GENMEDIA_DATA_DIR: mkdtempSync(join(dir, 'data-')) }
      }
      return { GENMEDIA_DATABASE_URL: await newDatabase() }
    },
  }
}
