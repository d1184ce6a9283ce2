import { spawn } from 'node:child_process'
import { appendFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { Database, openStore, resolveStoreLocation } from '../../src/core/index.js'
import { videoBatchStore } from '../../src/stores/video-batch/index.js'
import { ENGINES, useEngine } from '../engines.js'
import { writeLegacyLogs } from '../stores/video-batch/legacy-logs.js'
import { CLI, runCli } from './run-cli.js'

async function countRows(env: Record<string, string>) {
  const store = await openStore(videoBatchStore, { env, migrate: false })
  try {
    const [row] = await store.db.query<{ n: number; keys: number }>(
      'SELECT COUNT(*) AS n, COUNT(DISTINCT source_key) AS keys FROM videos',
    )
    return { videos: Number(row!.n), distinctKeys: Number(row!.keys) }
  } finally {
    await store.close()
  }
}

describe.each(ENGINES)('genmedia import video-batch on $name', (engine) => {
  const ctx = useEngine(engine)

  it('imports, reports bad lines with exit 1, --strict and --dry-run write nothing, a re-run changes nothing', async () => {
    const env = await ctx.freshEnv()
    const logs = writeLegacyLogs(join(ctx.dir, 'small'), { images: 20, prompts: 10, videos: 20 })
    appendFileSync(logs.videos, '{"video_filename":"x.mp4","status":"maybe"}\n')
    const args = ['import', 'video-batch', '--uploads', logs.uploads, '--prompts', logs.prompts]
    const videos = ['--videos', logs.videos]

    const dry = await runCli([...args, ...videos, '--dry-run', '--json'], { env })
    expect(dry.code).toBe(1)
    expect(dry.json()).toMatchObject({
      dryRun: true,
      tables: { images: { inserted: 20 }, prompts: { inserted: 10 }, videos: { inserted: 20 } },
    })
    // A dry run creates nothing, not even the store.
    const { location } = resolveStoreLocation(videoBatchStore, env)
    expect(await Database.exists(location, videoBatchStore.schema)).toBe(false)

    const strict = await runCli([...args, ...videos, '--strict'], { env })
    expect(strict.code).toBe(1)
    expect(strict.stderr).toMatch(/video_generation_log\.jsonl:21: unknown status "maybe"/)
    expect(await countRows(env)).toEqual({ videos: 0, distinctKeys: 0 })

    const first = await runCli([...args, ...videos], { env })
    expect(first.code).toBe(1)
    expect(first.stdout).toMatch(/inserted/)
    expect(first.stderr).toMatch(
      /video_generation_log\.jsonl:21: unknown status "maybe".*\(skipped\)/,
    )
    expect(await countRows(env)).toEqual({ videos: 20, distinctKeys: 20 })

    const dryAgain = await runCli([...args, ...videos, '--dry-run', '--json'], { env })
    expect(dryAgain.code).toBe(1)
    expect(dryAgain.json().tables.videos).toMatchObject({ inserted: 0, unchanged: 20 })

    const second = await runCli([...args, ...videos, '--json'], { env })
    expect(second.code).toBe(1)
    const report = second.json()
    expect(report.issues).toHaveLength(1)
    expect(report.tables.images).toMatchObject({ inserted: 0, updated: 0, unchanged: 20 })
    expect(report.tables.prompts).toMatchObject({ inserted: 0, updated: 0, unchanged: 10 })
    expect(report.tables.videos).toMatchObject({ inserted: 0, updated: 0, unchanged: 20 })
    expect(await countRows(env)).toEqual({ videos: 20, distinctKeys: 20 })
  })

  it('refuses a dry run on a store that awaits migrations, and applies none', async () => {
    const env = await ctx.freshEnv()
    const logs = writeLegacyLogs(join(ctx.dir, 'behind'), { images: 2, prompts: 1, videos: 2 })
    expect((await runCli(['init', 'video-batch'], { env })).code).toBe(0)
    expect((await runCli(['migrate', 'down', 'video-batch', '--to', '1'], { env })).code).toBe(0)
    const dry = await runCli(['import', 'video-batch', '--uploads', logs.uploads, '--dry-run'], {
      env,
    })
    expect(dry.code).toBe(2)
    expect(dry.stderr).toMatch(/awaits \d+ migration\(s\).*genmedia migrate up video-batch/)
    const store = await openStore(videoBatchStore, { env, readOnly: true })
    try {
      expect(await store.migrator.currentVersion()).toBe(1)
    } finally {
      await store.close()
    }
  })

  it('re-runs a killed import to completion without duplicates', async () => {
    const env = await ctx.freshEnv()
    const lines = engine.concurrent ? 20_000 : 12_000
    const logs = writeLegacyLogs(join(ctx.dir, 'large'), { images: 50, prompts: 50, videos: lines })
    expect((await runCli(['init', 'video-batch'], { env })).code).toBe(0)
    const base = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !k.startsWith('GENMEDIA_')),
    )
    const child = spawn(
      process.execPath,
      [CLI, 'import', 'video-batch', '--prompts', logs.prompts, '--videos', logs.videos],
      { env: { ...base, ...env, NODE_OPTIONS: '' }, stdio: 'ignore' },
    )
    const exited = new Promise((resolve) => child.on('exit', resolve))
    let atKill = 0
    for (;;) {
      atKill = (await countRows(env)).videos
      if (atKill > 0) break
      await new Promise((r) => setTimeout(r, 20))
    }
    child.kill('SIGKILL')
    await exited
    const afterKill = await countRows(env)
    expect(afterKill.videos).toBeLessThan(lines)
    expect(afterKill.videos % 2000).toBe(0)

    const rerun = await runCli(
      ['import', 'video-batch', '--prompts', logs.prompts, '--videos', logs.videos, '--json'],
      { env },
    )
    expect(rerun.code).toBe(0)
    const report = rerun.json()
    expect(report.tables.videos.unchanged).toBe(afterKill.videos)
    expect(report.tables.videos.inserted).toBe(lines - afterKill.videos)
    expect(await countRows(env)).toEqual({ videos: lines, distinctKeys: lines })
  })
})
