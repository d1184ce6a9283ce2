import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { ENGINES, useEngine } from '../engines.js'
import { runCli } from './run-cli.js'

describe.each(ENGINES)('genmedia export and sql on $name', (engine) => {
  const ctx = useEngine(engine)
  let env: Record<string, string> = {}

  beforeAll(async () => {
    env = await ctx.freshEnv()
    const init = await runCli(['init', 'ai-artist', '--seed', '--json'], { env })
    expect(init.code).toBe(0)
  })

  it('writes one table to stdout, and every table to files with --out', async () => {
    const one = await runCli(['export', 'ai-artist', 'generated_images'], { env })
    expect(one.code).toBe(0)
    const lines = one.stdout.trim().split('\n')
    expect(lines.length).toBeGreaterThan(10)
    expect(JSON.parse(lines[0]!)).toMatchObject({ id: 1 })
    const out = join(ctx.dir, `out-${engine.name}`)
    const all = await runCli(['export', 'ai-artist', '--out', out, '--format', 'csv', '--json'], {
      env,
    })
    expect(all.code).toBe(0)
    const files = readdirSync(out).sort()
    expect(files).toEqual([
      'creation_sessions.csv',
      'generated_images.csv',
      'image_quality_totals.csv',
      'training_sessions.csv',
    ])
    expect(
      all
        .json<{ table: string; rows: number }[]>()
        .map((r) => r.table)
        .sort(),
    ).toEqual(files.map((f) => f.replace('.csv', '')))
    const csv = readFileSync(join(out, 'generated_images.csv'), 'utf8')
    expect(csv.split('\r\n')).toHaveLength(lines.length + 2)
    expect(existsSync(join(out, 'generated_images.csv.partial'))).toBe(false)
  })

  it('asks for one table or --out, and names a table that is not there', async () => {
    const none = await runCli(['export', 'ai-artist'], { env })
    expect(none.code).toBe(2)
    expect(none.stderr).toMatch(/^genmedia: name one table .* --out DIR/)
    const wrong = await runCli(['export', 'ai-artist', 'nothing'], { env })
    expect(wrong.code).toBe(1)
    expect(wrong.stderr).toMatch(/no table named nothing .* tables: /)
  })

  it('answers in every format, refuses writes in one line', async () => {
    const question =
      'SELECT status, COUNT(*) AS n FROM generated_images GROUP BY status ORDER BY status'
    const table = await runCli(['sql', 'ai-artist', question], { env })
    expect(table.code).toBe(0)
    expect(table.stdout).toMatch(/status/)
    const json = await runCli(['sql', 'ai-artist', question, '--format', 'json'], { env })
    expect(json.json<{ status: string; n: number }[]>().length).toBeGreaterThan(0)
    const csv = await runCli(['sql', 'ai-artist', question, '--format', 'csv'], { env })
    expect(csv.stdout.split('\r\n')[0]).toBe('status,n')
    const refused = await runCli(['sql', 'ai-artist', 'DELETE FROM generated_images'], { env })
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(/^genmedia: refused: DELETE writes; [^\n]*\n$/)
  })

  it.runIf(engine.stopsStatements)('stops a runaway query at its time limit', async () => {
    const runaway = await runCli(
      [
        'sql',
        'ai-artist',
        'WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT COUNT(*) FROM r',
        '--timeout',
        '500',
      ],
      { env },
    )
    expect(runaway.code).toBe(1)
    expect(runaway.stderr).toMatch(/time limit of 500 ms and was stopped/)
  })
})
