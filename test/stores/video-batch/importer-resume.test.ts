import { readFileSync, writeFileSync } from 'node:fs'
import { createHash } from 'node:crypto'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { openStore, tableNamesOf, type OpenStore } from '../../../src/core/index.js'
import {
  importVideoBatch,
  videoBatchStore,
  type VideoBatchRepository,
} from '../../../src/stores/video-batch/index.js'
import { ENGINES, useEngine } from '../../engines.js'
import { runThenKill, useBundledCli } from '../../cli/killable-cli.js'
import { writeLegacyLogs } from './legacy-logs.js'

/**
 * The origin of upload img_i (images get ids 1, 2, … in the log's order in an empty store):
 * backward references, one forward (img_2 → img_12) and one to no image (img_5 → 999).
 */
function originOf(i: number): string {
  if (i === 2) return '12'
  if (i === 5) return '999'
  return i > 3 && i % 3 === 0 ? String(i - 2) : ''
}

/** Adds an origin_image_id column to an upload log written by writeLegacyLogs. */
function addOrigins(path: string): void {
  const [header, ...lines] = readFileSync(path, 'utf8').trim().split('\n')
  const withOrigin = lines.map((line) => {
    const i = Number(/,img_(\d+)\.jpg,/.exec(line)![1])
    return `${line},${originOf(i)}`
  })
  writeFileSync(path, `${[`${header},origin_image_id`, ...withOrigin].join('\n')}\n`)
}

/**
 * fingerprint hashes every row of every table of the store, but for the times genmedia stamps
 * rows with when it writes them (created_at, updated_at, the placeholder's timestamp), which
 * differ between any two runs.
 */
async function fingerprint(store: OpenStore): Promise<string> {
  const hash = createHash('sha256')
  for (const table of tableNamesOf(videoBatchStore)) {
    // The status totals keep a row per status and writing connection (its `shard`, which depends
    // on the connection that wrote): what they hold is each status's sum.
    const rows = await store.db.query<Record<string, unknown>>(
      table === 'video_status_totals'
        ? 'SELECT status, SUM(videos) AS videos FROM video_status_totals GROUP BY status ORDER BY 1'
        : `SELECT * FROM ${table} ORDER BY 1`,
    )
    for (const row of rows) {
      delete row.created_at
      delete row.updated_at
      // The legacy placeholder is genmedia's own row, stamped when first needed.
      if (row.status === 'legacy') delete row.timestamp
    }
    hash.update(`${table}:${rows.length}:${JSON.stringify(rows)}\n`)
  }
  return hash.digest('hex')
}

class Killed extends Error {}

const BUNDLE = useBundledCli()
/** SIGKILLed import processes per engine, spread over LANES stores killed side by side. */
const KILLS = 6
const LANES = 4

describe.each(ENGINES)('video-batch import gives one result on $name', (engine) => {
  const ctx = useEngine(engine)
  const stores: OpenStore<VideoBatchRepository>[] = []
  const fresh = async () => {
    const store = await openStore(videoBatchStore, { location: ctx.freshLocation('once') })
    stores.push(store)
    return store
  }
  afterAll(async () => {
    for (const s of stores.splice(0)) await s.close()
  })

  it('once, twice, and killed at random batches then resumed: the same store', async () => {
    const logs = writeLegacyLogs(join(ctx.dir, 'logs'), { images: 30, prompts: 12, videos: 25 })
    addOrigins(logs.uploads)
    const options = { ...logs, batchSize: 4 }

    const once = await fresh()
    const first = await importVideoBatch(once.db, options)
    expect(first.issues.map((i) => i.message)).toEqual([
      'origin_image_id 999 is no image of this store (the image is kept without it)',
    ])
    const printOnce = await fingerprint(once)
    const [forward] = await once.db.query<{ origin_image_id: number }>(
      "SELECT origin_image_id FROM images WHERE original_filename = 'img_2.jpg'",
    )
    expect(forward!.origin_image_id).toBe(12)
    const linked = await once.db.query('SELECT id FROM images WHERE origin_image_id IS NOT NULL')
    expect(linked.length).toBe(1 + 9)

    const twice = await fresh()
    await importVideoBatch(twice.db, options)
    const again = await importVideoBatch(twice.db, options)
    expect(again.tables.images).toMatchObject({ inserted: 0, updated: 0 })
    expect(await fingerprint(twice)).toBe(printOnce)
    expect(await fingerprint(once)).toBe(printOnce)

    for (let trial = 0; trial < 3; trial++) {
      const killed = await fresh()
      let kills = 0
      let done = false
      for (let attempt = 0; attempt < 100; attempt++) {
        // Dies after a random number of committed batches, as a kill between two batches does
        // (a kill inside one rolls that batch back: the same state).
        let left = Math.floor(Math.random() * (kills === 0 ? 8 : 30))
        const run = importVideoBatch(killed.db, {
          ...options,
          onProgress: () => {
            if (left-- === 0) throw new Killed('killed')
          },
        })
        const outcome = await run.then(
          () => 'done',
          (error: unknown) => {
            if (!(error instanceof Killed)) throw error
            return 'killed'
          },
        )
        if (outcome === 'done') {
          done = true
          break
        }
        kills++
      }
      expect(kills).toBeGreaterThan(0)
      expect(done).toBe(true)
      expect(await fingerprint(killed)).toBe(printOnce)
    }
  })

  it('an import process SIGKILLed at random points, then run again: the same store', async () => {
    const logs = writeLegacyLogs(join(ctx.dir, 'big-logs'), {
      images: 6000,
      prompts: 300,
      videos: 3000,
    })
    addOrigins(logs.uploads)
    const args = [
      'import',
      'video-batch',
      `--uploads=${logs.uploads}`,
      `--prompts=${logs.prompts}`,
      `--videos=${logs.videos}`,
    ]
    // Side by side, so each lane's store is isolated (on PGlite, a server of its own).
    const lanes = await Promise.all(
      Array.from({ length: LANES }, async (_, lane) => ({
        location: await ctx.isolatedLocation(`killed_${lane}`),
        env: { GENMEDIA_DATA_DIR: join(ctx.dir, `lane-${lane}`) },
      })),
    )
    for (const lane of lanes) Object.assign(lane.env, { GENMEDIA_VIDEO_BATCH_URL: lane.location })
    const run = (lane: (typeof lanes)[number], delay: number | null) =>
      runThenKill(BUNDLE, lane.env, args, delay === null ? null : 'SIGKILL', delay ?? 0)

    // One uninterrupted import tells how long one takes, to aim the kills inside it.
    const started = Date.now()
    expect(await run(lanes[0]!, null)).toBe(0)
    const span = Date.now() - started
    const reference = await openStore(videoBatchStore, { location: lanes[0]!.location })
    stores.push(reference)
    const printOnce = await fingerprint(reference)

    let killed = 0
    await Promise.all(
      lanes.slice(1).map(async (lane) => {
        for (let k = 0; k < KILLS / (LANES - 1); k++) {
          await run(lane, Math.floor(span * (0.1 + Math.random() * 0.9)))
          killed++
        }
        expect(await run(lane, null)).toBe(0)
        const store = await openStore(videoBatchStore, { location: lane.location })
        stores.push(store)
        expect(await fingerprint(store)).toBe(printOnce)
      }),
    )
    expect(killed).toBe(KILLS)
  }, 240_000)
})
