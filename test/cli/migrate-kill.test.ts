import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { openStore } from '../../src/core/index.js'
import { imageGenStore } from '../../src/stores/image-gen/index.js'
import { ENGINES, useEngine } from '../engines.js'
import { OPEN_VALUES, storeBeforeOpenValues } from '../stores/image-gen/helpers.js'
import { inLanes, runThenKill, storeFingerprint } from './killable-cli.js'
import { CLI, runCli } from './run-cli.js'

/** Kills in all, spread over LANES stores killed side by side. */
const KILLS = 8
const LANES = 4
/** Jobs added to each store, so that the table rebuild takes a while to kill inside. */
const JOBS = 5_000

const CHECKS = [
  'check_generation_jobs_shot_type',
  'check_generation_jobs_camera_angle',
  'check_generation_jobs_style',
  'check_generation_jobs_aspect_ratio',
  'check_generation_jobs_generation_method',
]

async function versionOf(location: string): Promise<number> {
  const store = await openStore(imageGenStore, { location, migrate: false })
  try {
    return await store.migrator.currentVersion()
  } finally {
    await store.close()
  }
}

/** What a store is after a kill: its version, rows, schema objects and constraints, checked. */
async function stateOf(location: string) {
  const store = await openStore(imageGenStore, { location, readOnly: true })
  try {
    const db = store.db
    const version = await store.migrator.currentVersion()
    const [table] = await db.query<{ sql: string }>(
      "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'generation_jobs'",
    )
    const objects = await db.query<{ type: string; name: string; sql: string }>(
      "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' AND type <> 'table' ORDER BY type, name",
    )
    const tables = await db.query<{ name: string }>(
      "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
    )
    const integrity = await db.query<{ integrity_check: string }>('PRAGMA integrity_check')
    const orphans = await db.query('PRAGMA foreign_key_check')
    const [seq] = await db.query<{ seq: number }>(
      "SELECT seq FROM sqlite_sequence WHERE name = 'generation_jobs'",
    )
    return {
      version,
      checks: CHECKS.filter((c) => table!.sql.includes(c)),
      objects,
      tables: tables.map((t) => t.name),
      integrity: integrity.map((r) => r.integrity_check),
      orphans: orphans.length,
      seq: seq?.seq,
    }
  } finally {
    await store.close()
  }
}

describe.each(ENGINES.filter((e) => e.name === 'sqlite'))(
  'killed migrations on $name',
  (engine) => {
    const ctx = useEngine(engine)

    it('migrate up and down killed at random points leave the store at one version with every row', async () => {
      const lanes = await inLanes(ctx.dir, LANES, async (dataDir, lane) => {
        const location = ctx.freshLocation(`migrate_kill_${lane}`)
        const { store, user } = await storeBeforeOpenValues(dataDir, location)
        await store.db.query(
          `INSERT INTO generation_jobs (user_id, prompt, style, shot_type, generation_method) WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${JOBS}) SELECT ?, 'a lighthouse, take ' || i, 'anime', 'wide', 'fallback' FROM n`,
          [user.id],
        )
        await store.close()
        const env = { GENMEDIA_DATA_DIR: dataDir, GENMEDIA_IMAGE_GEN_URL: location }
        return { location, env, print: await storeFingerprint(imageGenStore, location) }
      })
      const before = await stateOf(lanes[0]!.location)
      expect(before).toMatchObject({ version: OPEN_VALUES - 1, checks: CHECKS, orphans: 0 })
      expect(before.integrity).toEqual(['ok'])

      const step = (
        lane: (typeof lanes)[number],
        at: number,
        signal: 'SIGKILL' | null,
        delay: number,
      ) =>
        runThenKill(
          CLI,
          lane.env,
          at === OPEN_VALUES
            ? ['migrate', 'down', 'image-gen', '--to', String(OPEN_VALUES - 1)]
            : ['migrate', 'up', 'image-gen', '--to', String(OPEN_VALUES)],
          signal,
          delay,
        )
      // One uninterrupted step per lane tells how long one takes, to aim the kills inside it.
      const started = Date.now()
      const ends = await Promise.all(lanes.map((lane) => step(lane, OPEN_VALUES - 1, null, 0)))
      expect(ends).toEqual(lanes.map(() => 0))
      const span = Date.now() - started
      const after = await stateOf(lanes[0]!.location)
      expect(after).toMatchObject({ version: OPEN_VALUES, checks: [], orphans: 0, seq: before.seq })
      expect(after.objects).toEqual(before.objects)
      expect(after.tables).toEqual(before.tables)

      let versions = lanes.map(() => OPEN_VALUES)
      const outcomes = { old: 0, new: 0 }
      for (let round = 0; round < KILLS / LANES; round++) {
        versions = await Promise.all(
          lanes.map(async (lane, i) => {
            const at = versions[i]!
            const delay = Math.floor(span * (0.2 + Math.random() * 0.9))
            await step(lane, at, 'SIGKILL', delay)
            const state = await stateOf(lane.location)
            // Either version, whole: every row, every object, the constraints of that version.
            expect([OPEN_VALUES - 1, OPEN_VALUES]).toContain(state.version)
            expect(state.checks).toEqual(state.version === OPEN_VALUES ? [] : CHECKS)
            expect(state.objects).toEqual(before.objects)
            expect(state.tables).toEqual(before.tables)
            expect(state.integrity).toEqual(['ok'])
            expect(state.orphans).toBe(0)
            expect(state.seq).toBe(before.seq)
            expect(await storeFingerprint(imageGenStore, lane.location)).toBe(lane.print)
            outcomes[state.version === at ? 'old' : 'new']++
            return state.version
          }),
        )
      }
      expect(outcomes.old + outcomes.new).toBe(KILLS)
    }, 180_000)
  },
)

describe.each(ENGINES)('genmedia migrate down of open value lists on $name', (engine) => {
  const ctx = useEngine(engine)

  it('refuses while a job holds a value of no old list, naming it, and changes nothing', async () => {
    const dataDir = join(ctx.dir, 'down')
    mkdirSync(dataDir, { recursive: true })
    const location = ctx.freshLocation('migrate_down')
    const { store, repo, user } = await storeBeforeOpenValues(dataDir, location)
    await store.migrator.migrateTo(OPEN_VALUES)
    const job = await repo.createGenerationJob(user.id, { prompt: 'p', style: 'cyberpunk' })
    await store.close()
    const print = await storeFingerprint(imageGenStore, location)
    const env = { GENMEDIA_DATA_DIR: dataDir, GENMEDIA_IMAGE_GEN_URL: location }
    const down = ['migrate', 'down', 'image-gen', '--to', String(OPEN_VALUES - 1)]

    const refused = await runCli([...down, '--json'], { env })
    expect(refused.code).toBe(1)
    expect(refused.json().error).toMatchObject({ code: 'conflict' })
    expect(refused.json().error.message).toContain(
      `generation_jobs (check_generation_jobs_shot_type`,
    )
    expect(refused.json().error.message).toContain(`id ${job.id} has style "cyberpunk"`)
    expect(await storeFingerprint(imageGenStore, location)).toBe(print)
    expect(await versionOf(location)).toBe(OPEN_VALUES)

    const fixed = await openStore(imageGenStore, { location })
    await fixed.db.query("UPDATE generation_jobs SET style = 'cinematic' WHERE style = 'cyberpunk'")
    await fixed.close()
    expect((await runCli(down, { env })).code).toBe(0)
    expect(await versionOf(location)).toBe(OPEN_VALUES - 1)
  })
})
