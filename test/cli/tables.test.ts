import { describe, expect, it } from 'vitest'
import { fitWidths } from '../../src/cli/output.js'
import { ENGINES, useEngine } from '../engines.js'
import { runCli } from './run-cli.js'

describe('fitWidths', () => {
  it('keeps widths that fit, and cuts the widest columns to a common cap that fits', () => {
    expect(fitWidths([10, 20], 40)).toEqual([10, 20])
    const widths = fitWidths([10, 100, 60], 74)
    expect(widths.reduce((a, b) => a + b)).toBe(74)
    expect(widths[0]).toBe(10)
    expect(Math.abs(widths[1]! - widths[2]!)).toBeLessThanOrEqual(1)
  })
})

describe.each(ENGINES)('tables fit 80 columns when stdout is not a terminal on $name', (engine) => {
  const ctx = useEngine(engine)

  const widest = (text: string) => Math.max(...text.split('\n').map((line) => line.length))

  it('stores (with each store’s schema on PostgreSQL), init and doctor; --json keeps whole values', async () => {
    const env = await ctx.freshEnv()
    const stores = await runCli(['stores'], { env })
    expect(stores.code).toBe(0)
    expect(widest(stores.stdout)).toBeLessThanOrEqual(80)
    if (engine.name === 'postgres') expect(stores.stdout).toMatch(/│ schema\s+│[\s\S]*ai_artist/)
    const init = await runCli(['init', 'ai-artist'], { env })
    expect(init.code).toBe(0)
    expect(widest(init.stdout)).toBeLessThanOrEqual(80)
    const doctor = await runCli(['doctor', 'ai-artist'], { env })
    expect(doctor.code).toBe(0)
    expect(widest(doctor.stdout)).toBeLessThanOrEqual(80)
    const json = await runCli(['stores', '--json'], { env })
    const description = json.json().find((s: { store: string }) => s.store === 'ai-artist')
    expect(description.description.length).toBeGreaterThan(40)
    expect(description.schema).toBe(engine.name === 'postgres' ? 'ai_artist' : null)
  })
})
