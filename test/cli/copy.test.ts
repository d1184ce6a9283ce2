import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  canonicalValue,
  Database,
  openStore,
  seedStore,
  tableNamesOf,
  type OpenStore,
  type Table,
} from '../../src/core/index.js'
import { aiArtistStore } from '../../src/stores/ai-artist/index.js'
import { ENGINES, useEngine } from '../engines.js'
import { CLI, runCli } from './run-cli.js'

/** startCli starts `genmedia ARGS` from source and returns the child, to be killed. */
function startCli(args: readonly string[]) {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { ...process.env, NODE_OPTIONS: '' },
    stdio: 'ignore',
  })
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  return { child, exited }
}

/** The rows of every table, as genmedia reads them, or undefined when there is no store. */
async function contents(location: string): Promise<Record<string, unknown[]> | undefined> {
  if (!(await Database.exists(location, aiArtistStore.schema))) return undefined
  const store: OpenStore = await openStore(aiArtistStore, { location, readOnly: true })
  try {
    // A store the copy created but had not migrated to the end when it was killed holds
    // nothing: the rows go in after the last migration.
    if ((await store.migrator.currentVersion()) < store.migrator.latestVersion) return undefined
    const out: Record<string, unknown[]> = {}
    for (const table of tableNamesOf(aiArtistStore)) {
      // Decoded by the table's codec, JSON objects' keys sorted: the same rows read the same
      // from either engine (PostgreSQL's jsonb keeps no key order).
      const { codec } = (aiArtistStore.tables as Record<string, Table<any, string>>)[table]!
      const rows = await store.db.query<Record<string, unknown>>(
        `SELECT * FROM ${table} ORDER BY 1`,
      )
      out[table] = rows.map((row) => canonicalValue(codec.decode(row)))
    }
    return out
  } finally {
    await store.close()
  }
}

/**
 * settled retries a read a few times: the PostgreSQL session of a process just killed may hold
 * its locks until the server notices it is gone.
 */
async function settled<T>(read: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await read()
    } catch (error) {
      if (attempt >= 5) throw error
      await new Promise((resolve) => setTimeout(resolve, 300 * attempt))
    }
  }
}

const isEmpty = (c: Record<string, unknown[]> | undefined) =>
  !c || Object.values(c).every((rows) => rows.length === 0)

describe.each(ENGINES)('genmedia copy on $name', (engine) => {
  const ctx = useEngine(engine)
  let source = ''
  let expected: Record<string, unknown[]> | undefined

  beforeAll(async () => {
    source = join(ctx.dir, 'source.db')
    const store = await openStore(aiArtistStore, { location: source })
    await seedStore(store)
    await store.close()
    expected = await contents(source)
    expect(expected!.generated_images!.length).toBeGreaterThan(10)
  })

  it('copies, prints rows per table and refuses a target with rows', async () => {
    const target = await ctx.isolatedLocation('cli')
    const first = await runCli(['copy', 'ai-artist', '--from', source, '--to', target, '--json'])
    expect(first.stderr).toBe('')
    const report = first.json<{ tables: { table: string; rows: number }[]; rows: number }>()
    expect(report.tables.find((t) => t.table === 'generated_images')?.rows).toBe(
      expected!.generated_images!.length,
    )
    const again = await runCli(['copy', 'ai-artist', '--from', source, '--to', target])
    expect(again.code).toBe(1)
    expect(again.stderr).toMatch(
      /^genmedia: the target already holds rows \(.*pass --replace to replace them\n$/,
    )
    const replaced = await runCli([
      'copy',
      'ai-artist',
      '--from',
      source,
      '--to',
      target,
      '--replace',
    ])
    expect(replaced.code).toBe(0)
    expect(replaced.stdout).toMatch(/copied \d+ rows .* every table verified/)
  })

  it('SIGKILL at any moment leaves the target empty, or as it was with --replace', async () => {
    // A target holding other rows, for the --replace runs.
    const kept = await ctx.isolatedLocation('kept')
    const other = await openStore(aiArtistStore, { location: kept })
    await other.repo.addImage({ filename: 'kept.png', prompt: 'kept', model_id: 'sdxl' })
    await other.close()
    let before = await contents(kept)
    let killed = 0
    for (let run = 0; run < 10; run++) {
      const replace = run % 2 === 1
      const target = replace ? kept : await ctx.isolatedLocation(`killed${run}`)
      const { child, exited } = startCli([
        'copy',
        'ai-artist',
        '--from',
        source,
        '--to',
        target,
        ...(replace ? ['--replace'] : []),
      ])
      const delay = 200 + Math.floor(Math.random() * 1400)
      const timer = setTimeout(() => child.kill('SIGKILL'), delay)
      const code = await exited
      clearTimeout(timer)
      const after = await settled(() => contents(target))
      const complete = JSON.stringify(after) === JSON.stringify(expected)
      if (code !== 0) killed++
      if (code === 0) expect(complete, `run ${run} finished`).toBe(true)
      else if (replace) {
        const asItWas = JSON.stringify(after) === JSON.stringify(before)
        expect(asItWas || complete, `run ${run}, killed after ${delay} ms`).toBe(true)
      } else expect(isEmpty(after) || complete, `run ${run}, killed after ${delay} ms`).toBe(true)
      if (replace) before = after
    }
    expect(killed).toBeGreaterThan(0)
  })
})
