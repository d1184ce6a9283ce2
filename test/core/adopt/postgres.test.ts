import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { describe, expect, it } from 'vitest'
import {
  adoptStore,
  diagnoseStore,
  openBackupTarget,
  openStore,
  tableNamesOf,
} from '../../../src/core/index.js'
import { imageGenStore } from '../../../src/stores/image-gen/index.js'
import { ENGINES, useEngine } from '../../engines.js'
import { killCliDuring, runCli } from '../../cli/run-cli.js'
import { Random } from '../../../src/core/random.js'

const SCRIPT = fileURLToPath(
  new URL('../../fixtures/seed-databases/make_image_generation.py', import.meta.url),
)
const TABLES = tableNamesOf(imageGenStore)

/** Rows by table and id, each as JSON text: what a table held, compared before and after. */
type Dump = Record<string, Map<number, string>>

/** The store's location in a new schema of the test's database, and its name. */
function placeOf(url: string, label: string): { location: string; schema: string } {
  const schema = `seed001_${label}_${Math.random().toString(36).slice(2, 8)}`
  const location = new URL(url)
  location.searchParams.set('schema', schema)
  return { location: location.toString(), schema }
}

async function withClient<T>(url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return await use(client)
  } finally {
    await client.end()
  }
}

/** seedDatabase writes the pipeline's own database into `schema` with its own SQL script. */
async function seedDatabase(url: string, schema: string, rows: number): Promise<void> {
  const file = join(mkdtempSync(join(tmpdir(), 'genmedia-seed001-')), 'seed.sql')
  execFileSync('python3', [SCRIPT, file, '--rows', String(rows), '--schema', schema])
  await withClient(url, (client) => client.query(readFileSync(file, 'utf8')))
}

async function dump(url: string, schema: string, tables: readonly string[]): Promise<Dump> {
  return withClient(url, async (client) => {
    const out: Dump = {}
    for (const table of tables) {
      const exists = await client.query('SELECT to_regclass($1) AS t', [`"${schema}"."${table}"`])
      if (!exists.rows[0].t) continue
      // Text forms of every column, so that a value changing type shows.
      const { rows } = await client.query<{ id: string; row: string }>(
        `SELECT COALESCE(row_to_json(t)->>'id', row_to_json(t)->>'version') AS id,
                row_to_json(t)::text AS row
         FROM "${schema}"."${table}" t`,
      )
      out[table] = new Map(rows.map((r) => [Number(r.id), r.row]))
    }
    return out
  })
}

/**
 * expectKept: every row of `before` is in its table or its `_set_aside` table, and every value
 * that was there is (genmedia's added columns, users.display_name, are new).
 */
function expectKept(before: Dump, after: Dump): void {
  for (const table of Object.keys(before)) {
    const kept = after[table]!
    const aside = after[`${table}_set_aside`] ?? new Map<number, string>()
    expect(kept.size + aside.size, table).toBe(before[table]!.size)
    for (const [id, row] of [...kept, ...aside]) {
      const was = JSON.parse(before[table]!.get(id)!) as Record<string, unknown>
      const now = JSON.parse(row) as Record<string, unknown>
      for (const [column, value] of Object.entries(was)) {
        expect(now[column], `${table} ${id} ${column}`).toEqual(value)
      }
    }
  }
}

/**
 * expectRefusedByLatest: each row set aside is one the adopted schema, at genmedia's latest
 * version, refuses: put back into its table (every other row there), its INSERT fails. All in a
 * transaction rolled back.
 */
async function expectRefusedByLatest(url: string, schema: string): Promise<void> {
  await withClient(url, async (client) => {
    await client.query('BEGIN')
    try {
      for (const table of TABLES) {
        const aside = `${table}_set_aside`
        const exists = await client.query('SELECT to_regclass($1) AS t', [`"${schema}"."${aside}"`])
        if (!exists.rows[0].t) continue
        const { rows: columns } = await client.query<{ name: string }>(
          `SELECT column_name AS name FROM information_schema.columns
           WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position`,
          [schema, aside],
        )
        const list = columns.map((c) => `"${c.name}"`).join(', ')
        const { rows } = await client.query<{ id: number }>(`SELECT id FROM "${schema}"."${aside}"`)
        for (const { id } of rows) {
          await client.query('SAVEPOINT put_back')
          const put = client.query(
            `INSERT INTO "${schema}"."${table}" (${list}) SELECT ${list} FROM "${schema}"."${aside}" WHERE id = $1`,
            [id],
          )
          await expect(put, `${aside} row ${id} goes back into ${table}`).rejects.toThrow()
          await client.query('ROLLBACK TO SAVEPOINT put_back')
        }
      }
    } finally {
      await client.query('ROLLBACK')
    }
  })
}

const postgres = ENGINES.filter((e) => e.name === 'postgres')

// Seed 001's database is PostgreSQL's (its pipeline has no SQLite form).
describe.each(postgres)('adopt seed 001’s own PostgreSQL database ($name)', (engine) => {
  const ctx = useEngine(engine)

  /** A new schema of the test's database holding the pipeline's own database. */
  async function seeded(label: string, rows: number) {
    const url = ctx.databaseUrl!
    const place = placeOf(url, label)
    await seedDatabase(url, place.schema, rows)
    return { url, ...place }
  }

  // adopt backs the database up first, and pg_dump cannot reach the in-process PGlite reliably.
  it.runIf(engine.concurrent)(
    'keeps every row in its table: the seed service’s own values (None lists, untyped uploads) are ones genmedia’s latest schema takes',
    async () => {
      const { url, location, schema } = await seeded('adopt', 120)
      const before = await dump(url, schema, TABLES)
      expect(before.generated_images!.size).toBe(120)

      const rehearsed = await adoptStore(imageGenStore, { location, dryRun: true })
      expect(rehearsed.status).toBe('rehearsed')
      expect(rehearsed.plan.shape).toBe('seed 001')
      expect(rehearsed.plan.tables.find((t) => t.table === 'users')?.kept).toEqual(['name'])

      const backups = openBackupTarget(mkdtempSync(join(tmpdir(), 'genmedia-adopt-backups-')))
      const adopted = await adoptStore(imageGenStore, { location, backupTarget: backups })
      expect(adopted.problems).toEqual([])
      expect(adopted.status).toBe('adopted')
      expect(adopted.setAside).toEqual([])
      const after = await dump(url, schema, TABLES)
      expectKept(before, after)

      // genmedia works on it: doctor is clean, and new rows take ids after the pipeline's.
      const report = await diagnoseStore(imageGenStore, { location })
      // The pipeline's images live in its own bucket, not in genmedia's blob store (yet): doctor's
      // blob check names them; every other check is clean.
      expect(
        report.checks.filter((check) => check.status === 'error' && check.name !== 'blobs'),
      ).toEqual([])
      expect(report.schemaVersion).toBe(imageGenStore.migrations.length)
      const store = await openStore(imageGenStore, { location, migrate: false })
      try {
        const top = Math.max(...after.users!.keys())
        const [user] = await store.db.query<{ id: number }>(
          "INSERT INTO users (email) VALUES ('new@example.com') RETURNING id",
        )
        expect(user!.id).toBeGreaterThan(top)
      } finally {
        await store.close()
      }
      const again = await adoptStore(imageGenStore, { location })
      expect(again.plan.status).toBe('genmedia')
    },
    180_000,
  )

  it.runIf(engine.concurrent)(
    'names a row that breaks a rule genmedia keeps and refuses, changing nothing; --set-aside keeps it aside',
    async () => {
      const { url, location, schema } = await seeded('refuse', 60)
      // The pipeline's own SQL records an upload with a negative size (check_reference_images_file_size).
      const bad = await withClient(url, async (client) => {
        const { rows } = await client.query<{ id: number }>(
          `INSERT INTO "${schema}".reference_images (user_id, gcp_bucket_path, gcp_url, file_name, file_size, mime_type)
           VALUES (1, 'video-gen-image-bucket/uploads/1/negative.jpg', 'https://storage.googleapis.com/video-gen-image-bucket/uploads/1/negative.jpg', 'negative.jpg', -1, 'image/jpeg')
           RETURNING id`,
        )
        return rows[0]!.id
      })
      const before = await dump(url, schema, TABLES)

      const backups = openBackupTarget(mkdtempSync(join(tmpdir(), 'genmedia-adopt-backups-')))
      const refused = await adoptStore(imageGenStore, { location, backupTarget: backups })
      expect(refused.status).toBe('refused')
      expect(refused.rejected).toContainEqual(
        expect.objectContaining({ table: 'reference_images', key: bad, column: 'file_size' }),
      )
      for (const row of refused.rejected) {
        expect(TABLES).toContain(row.table)
        expect(row.column, JSON.stringify(row)).not.toBe('')
      }
      // The transaction rolled back: every row as it was, no genmedia table, no aside schema.
      expect(await dump(url, schema, [...TABLES, 'genmedia_migrations'])).toEqual(before)

      const adopted = await adoptStore(imageGenStore, {
        location,
        backupTarget: backups,
        setAside: true,
      })
      expect(adopted.status).toBe('adopted')
      expect(adopted.setAside.length).toBe(refused.rejected.length)
      const after = await dump(url, schema, [...TABLES, ...TABLES.map((t) => `${t}_set_aside`)])
      expect([...after.reference_images_set_aside!.keys()]).toContain(bad)
      expectKept(before, after)
      await expectRefusedByLatest(url, schema)
    },
    180_000,
  )

  it.runIf(engine.concurrent)(
    'SIGKILL at any point of genmedia adopt leaves the pipeline’s database or the adopted one, never a mix',
    async () => {
      const { url, location, schema } = await seeded('kill', 120)
      const original = await dump(url, schema, TABLES)
      const env = {
        GENMEDIA_IMAGE_GEN_URL: location,
        GENMEDIA_DATA_DIR: mkdtempSync(join(tmpdir(), 'genmedia-adopt-kill-')),
      }
      const random = new Random(Number(process.env.GENMEDIA_TEST_SEED ?? 1))
      const seen = new Set<string>()
      for (let round = 0; round < 4; round++) {
        const wait = random.int(500, 6000)
        await killCliDuring(['adopt', 'image-gen', '--set-aside'], env, () => sleep(wait))
        const now = await dump(url, schema, [...TABLES, 'genmedia_migrations'])
        if (!now.genmedia_migrations) {
          expect(now, `killed after ${wait} ms`).toEqual(original)
          seen.add('original')
          continue
        }
        seen.add('adopted')
        expect(now.genmedia_migrations.size).toBe(imageGenStore.migrations.length)
        const aside = await dump(
          url,
          schema,
          TABLES.map((t) => `${t}_set_aside`),
        )
        for (const table of Object.keys(original)) {
          expect(now[table]!.size + (aside[`${table}_set_aside`]?.size ?? 0), table).toBe(
            original[table]!.size,
          )
        }
        break
      }
      expect(seen.size).toBeGreaterThan(0)
      // Whatever the kills left, adopt finishes the job (or finds it done).
      const rerun = await runCli(['adopt', 'image-gen', '--set-aside', '--json'], { env })
      expect(rerun.code, rerun.stderr).toBe(0)
      const done = await dump(url, schema, ['genmedia_migrations'])
      expect(done.genmedia_migrations?.size).toBe(imageGenStore.migrations.length)
    },
    300_000,
  )
})

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))
