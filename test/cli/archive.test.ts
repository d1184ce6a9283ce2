import { describe, expect, it } from 'vitest'
import { ENGINES, useEngine } from '../engines.js'
import { runCli } from './run-cli.js'

describe.each(ENGINES)('genmedia archive maintenance on $name', (engine) => {
  const ctx = useEngine(engine)

  it('refuses a missing store and a bad --older-than; dry-runs, archives once, cleans up, purges, resets', async () => {
    const env = await ctx.freshEnv()
    const missing = await runCli(['archive', 'cleanup'], { env })
    expect(missing.code).toBe(1)
    expect(missing.stderr).toMatch(
      /^genmedia: the archive store does not exist .*run genmedia init archive\n$/,
    )
    expect((await runCli(['init', '--seed', 'archive'], { env })).code).toBe(0)
    const bad = await runCli(['archive', 'purge-logs', '--older-than', 'soon', '--json'], { env })
    expect(bad.code).toBe(2)
    expect(bad.json().error.message).toMatch(/--older-than must be a whole number of days/)

    const dry = await runCli(['archive', 'archive-history', '--dry-run', '--json'], { env })
    expect(dry.code).toBe(0)
    expect(dry.json()).toMatchObject({
      store: 'archive',
      task: 'archive-history',
      dry_run: true,
      older_than_days: 90,
      counts: { archived: 3 },
    })
    const moved = await runCli(['archive', 'archive-history', '--older-than', '90'], { env })
    expect(moved.code).toBe(0)
    expect(moved.stdout).toMatch(/^archive-history: archived 3 history rows older than 90 days/)
    const again = await runCli(['archive', 'archive-history', '--json'], { env })
    expect(again.json()).toMatchObject({ dry_run: false, counts: { archived: 0 } })

    const cleanup = await runCli(['archive', 'cleanup', '--json'], { env })
    expect(cleanup.json().counts).toMatchObject({ sessions: 2, kept_with_history: 0 })
    const purge = await runCli(['archive', 'purge-logs', '--dry-run'], { env })
    expect(purge.stdout).toMatch(/^purge-logs: would purge \d+ log entries older than 30 days/)
    const reset = await runCli(['archive', 'reset-usage', '--json'], { env })
    expect(reset.json()).toMatchObject({ older_than_days: null, counts: { presets: 3 } })
  })
})
