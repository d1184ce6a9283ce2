/**
 * Random is a small seeded generator (mulberry32) for sample data: the same seed gives the same
 * data on every machine, so sample databases and tests are reproducible.
 */
export class Random {
  #state: number

  constructor(seed = 42) {
    this.#state = seed >>> 0
  }

  /** next returns a float in [0, 1). */
  next(): number {
    let t = (this.#state = (this.#state + 0x6d2b79f5) >>> 0)
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }

  /** int returns a whole number in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1))
  }

  /** float returns a number in [min, max) rounded to `digits` decimals. */
  float(min: number, max: number, digits = 2): number {
    const f = 10 ** digits
    return Math.round((min + this.next() * (max - min)) * f) / f
  }

  chance(probability: number): boolean {
    return this.next() < probability
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!
  }

  /** sample returns `count` distinct items in random order. */
  sample<T>(items: readonly T[], count: number): T[] {
    const copy = [...items]
    for (let i = copy.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1))
      ;[copy[i], copy[j]] = [copy[j]!, copy[i]!]
    }
    return copy.slice(0, count)
  }

  /** dateWithin returns a Date up to `days` days before `end`. */
  dateWithin(days: number, end: Date = new Date()): Date {
    return new Date(end.getTime() - Math.floor(this.next() * days * 86_400_000))
  }
}
