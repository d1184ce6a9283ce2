/** Small timing helpers: every figure is a median of repeated runs. */

export function median(values: readonly number[]): number {
  return percentile(values, 50)
}

/** percentile by nearest rank over a copy of `values`. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN
  const sorted = [...values].sort((a, b) => a - b)
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[rank]!
}

/** seconds runs `fn` once and returns how long it took, in seconds. */
export async function seconds(fn: () => unknown | Promise<unknown>): Promise<number> {
  const start = performance.now()
  await fn()
  return (performance.now() - start) / 1000
}

/** repeatMedian runs `fn` `times` times (fresh set-up each time) and returns the median result. */
export async function repeatMedian(times: number, fn: () => Promise<number>): Promise<number> {
  const results: number[] = []
  for (let i = 0; i < times; i++) results.push(await fn())
  return median(results)
}

/**
 * interleavedRounds runs each contender `times` times in rounds (every contender once per
 * round, the order rotated each round) and returns each one's results, round by round.
 * Compared with all runs of one contender and then all of the next, drift in the machine's
 * state during the figure (other load, the heap growing, CPU frequency) falls on every
 * contender alike, and a ratio taken within one round compares runs made side by side.
 */
export async function interleavedRounds<T = number>(
  times: number,
  contenders: readonly (readonly [name: string, run: () => Promise<T>])[],
  onRound?: (round: number) => void,
): Promise<Record<string, T[]>> {
  const results = new Map<string, T[]>(contenders.map(([name]) => [name, []]))
  for (let round = 0; round < times; round++) {
    onRound?.(round)
    for (let i = 0; i < contenders.length; i++) {
      const [name, run] = contenders[(i + round) % contenders.length]!
      results.get(name)!.push(await run())
    }
  }
  return Object.fromEntries(results)
}

/** chunks cuts `items` into consecutive slices of `size` (the last one shorter). */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  return Array.from({ length: Math.ceil(items.length / size) }, (_, i) =>
    items.slice(i * size, (i + 1) * size),
  )
}

/**
 * takeTurns runs every contender over the same `slices` slices of its work, the contenders
 * taking turns slice by slice (the order rotated at every slice), and returns the milliseconds
 * each one spent in its own slices. On this virtual machine the host runs the same code up to a
 * quarter faster or slower from one run to the next, a few seconds apart: whole runs one after
 * another compared runs the host had slowed with runs it had not, where slices a fraction of a
 * second apart put any drift on every contender alike.
 */
export async function takeTurns(
  slices: number,
  contenders: readonly ((slice: number) => unknown)[],
): Promise<number[]> {
  const spent = contenders.map(() => 0)
  for (let slice = 0; slice < slices; slice++) {
    for (let k = 0; k < contenders.length; k++) {
      const i = (k + slice) % contenders.length
      const start = performance.now()
      await contenders[i]!(slice)
      spent[i]! += performance.now() - start
    }
  }
  return spent
}

/**
 * slicedRounds is interleavedRounds with contenders that take turns slice by slice (takeTurns)
 * within each round: each one's milliseconds per round.
 */
export async function slicedRounds(
  rounds: number,
  slices: number,
  contenders: readonly (readonly [name: string, run: (slice: number) => unknown])[],
  onRound?: (round: number) => void,
): Promise<Record<string, number[]>> {
  const results: Record<string, number[]> = Object.fromEntries(
    contenders.map(([name]) => [name, []]),
  )
  for (let round = 0; round < rounds; round++) {
    onRound?.(round)
    const spent = await takeTurns(
      slices,
      contenders.map(([, run]) => run),
    )
    contenders.forEach(([name], i) => results[name]!.push(spent[i]!))
  }
  return results
}

/** A ratio measured in every round: its median and its worst round. */
export interface RatioSpread {
  median: number
  worst: number
}

/**
 * ratioSpread divides `of` by `to` round by round (both from one interleavedRounds) and returns
 * the median and the worst of those ratios: the lowest where a higher ratio is better
 * (throughput), the highest where a lower one is (time).
 */
export function ratioSpread(
  of: readonly number[],
  to: readonly number[],
  better: 'higher' | 'lower',
): RatioSpread {
  const ratios = of.map((value, i) => value / to[i]!)
  const worst = better === 'higher' ? Math.min(...ratios) : Math.max(...ratios)
  return { median: median(ratios), worst }
}

/** progress writes one line on stderr, so stdout keeps only the result tables. */
export function progress(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`)
}

export function formatNumber(value: number, digits = 0): string {
  if (!Number.isFinite(value)) return '—'
  return value.toLocaleString('en-US', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  })
}

export function formatRatio(value: number): string {
  return Number.isFinite(value) ? `${value.toFixed(2)}×` : '—'
}

/** formatMs prints milliseconds with precision fitting their size. */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '—'
  if (ms < 0.1) return ms.toFixed(3)
  if (ms < 10) return ms.toFixed(2)
  return ms.toFixed(0)
}
