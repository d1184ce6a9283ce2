import { mkdirSync, readdirSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  backupStore,
  FolderBackupTarget,
  listRestorePoints,
  sqliteFilePath,
} from '../../src/core/backup/index.js'
import { openStore } from '../../src/core/index.js'
import { aiArtistStore } from '../../src/stores/ai-artist/index.js'
import { ENGINES, useEngine } from '../engines.js'
import { seededStore } from '../core/backup-helpers.js'
import { runThenKill, storeFingerprint } from './killable-cli.js'
import { CLI, runCli } from './run-cli.js'

/** Kills per signal and engine, spread over LANES stores killed side by side. */
const KILLS = 10
const LANES = 5
const KEEP = 2

const fingerprint = (location: string) => storeFingerprint(aiArtistStore, location)

/** Names beside the store that only a retention or nothing at all may keep. */
async function leftovers(location: string, engineName: string) {
  if (engineName === 'sqlite') {
    const file = sqliteFilePath(location)
    return readdirSync(dirname(file)).filter((n) => n.startsWith(`.${basename(file)}`))
  }
  const store = await openStore(aiArtistStore, { location, readOnly: true })
  try {
    const rows = await store.db.query<{ nspname: string }>(
      "SELECT nspname FROM pg_namespace WHERE starts_with(nspname, $1) AND nspname NOT LIKE '%\\_restore\\_point\\_%'",
      [`${store.db.schema}_`],
    )
    return rows.map((r) => r.nspname)
  } finally {
    await store.close()
  }
}

describe.each(ENGINES.filter((e) => e.concurrent))('killed restores on $name', (engine) => {
  const ctx = useEngine(engine)

  it.each(['SIGKILL', 'SIGINT'] as const)(
    'a restore killed by %s at random points leaves the old store or the new one',
    async (signal) => {
      const lanes = await Promise.all(
        Array.from({ length: LANES }, async (_, lane) => {
          const dataDir = join(ctx.dir, `${signal}-${lane}`)
          mkdirSync(dataDir, { recursive: true })
          const location = ctx.freshLocation(`kill_${lane}`)
          await seededStore(location)
          const target = new FolderBackupTarget(join(dataDir, 'backups'))
          const a = await backupStore(aiArtistStore, { location, target })
          const printA = await fingerprint(location)
          const store = await openStore(aiArtistStore, { location })
          await store.db.query('DELETE FROM generated_images WHERE id % 3 = 0')
          await store.close()
          const b = await backupStore(aiArtistStore, {
            location,
            target,
            now: new Date(Date.parse(a.manifest.createdAt) + 1000),
          })
          const env = { GENMEDIA_DATA_DIR: dataDir, GENMEDIA_AI_ARTIST_URL: location }
          return {
            location,
            env,
            target,
            prints: { [a.manifest.file]: printA, [b.manifest.file]: await fingerprint(location) },
            files: [a.manifest.file, b.manifest.file] as const,
          }
        }),
      )
      // One uninterrupted restore per lane tells how long one takes, to aim the kills inside it.
      const started = Date.now()
      const ends = await Promise.all(lanes.map((lane) => restoreOnce(lane, lane.files[0], null, 0)))
      expect(ends).toEqual(lanes.map(() => 0))
      const span = Date.now() - started
      for (const lane of lanes) {
        expect(await fingerprint(lane.location)).toBe(lane.prints[lane.files[0]])
      }
      let current = lanes.map(() => 0)
      const outcomes = { old: 0, new: 0 }
      for (let round = 0; round < KILLS / LANES; round++) {
        current = await Promise.all(
          lanes.map(async (lane, i) => {
            const next = 1 - current[i]!
            const delay = Math.floor(span * (0.2 + Math.random() * 0.9))
            await restoreOnce(lane, lane.files[next]!, signal, delay)
            const print = await fingerprint(lane.location)
            const at = lane.files.findIndex((f) => lane.prints[f] === print)
            // Always one of the two: the data before the restore, or the backup's.
            expect(at === current[i] || at === next).toBe(true)
            outcomes[at === next ? 'new' : 'old']++
            return at
          }),
        )
      }
      expect(outcomes.old + outcomes.new).toBe(KILLS)
      for (const [i, lane] of lanes.entries()) {
        // One more restore to the end cleans up what the killed ones left.
        expect(await restoreOnce(lane, lane.files[1 - current[i]!]!, null, 0)).toBe(0)
        expect(await leftovers(lane.location, engine.name)).toEqual([])
        const points = await listRestorePoints(aiArtistStore, {
          location: lane.location,
          env: lane.env,
        })
        expect(points.length).toBeLessThanOrEqual(KEEP)
        expect(points.length).toBeGreaterThan(0)
        await lane.target.close()
      }
    },
    120_000,
  )

  type Lane = {
    location: string
    env: Record<string, string>
    prints: Record<string, string>
    files: readonly [string, string]
  }

  function restoreOnce(lane: Lane, file: string, signal: NodeJS.Signals | null, delay: number) {
    return runThenKill(
      CLI,
      lane.env,
      ['restore', 'ai-artist', file, '--yes', `--keep-restore-points=${KEEP}`],
      signal,
      delay,
    )
  }

  it.runIf(engine.name === 'postgres')(
    'an open that finds only a restore point refuses, and --recover puts it back',
    async () => {
      const location = ctx.freshLocation('stranded')
      await seededStore(location)
      const before = await fingerprint(location)
      const store = await openStore(aiArtistStore, { location })
      const schema = store.db.schema!
      const point = `${schema}_restore_point_20260101000000000`
      await store.db.query(`ALTER SCHEMA ${schema} RENAME TO ${point}`)
      await store.close()
      await expect(openStore(aiArtistStore, { location })).rejects.toThrow(
        new RegExp(`${point} exists.*genmedia restore ai-artist --recover`),
      )
      const env = { GENMEDIA_AI_ARTIST_URL: location, GENMEDIA_DATA_DIR: ctx.dir }
      const result = await runCli(['restore', 'ai-artist', '--recover', '--json'], { env })
      expect(result.code).toBe(0)
      expect(result.json()).toEqual({ store: 'ai-artist', recovered: point })
      expect(await fingerprint(location)).toBe(before)
    },
  )
})
