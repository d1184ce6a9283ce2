import type { RowDigest } from './engine.js'

/**
 * RowDigester sums a hash of each row's typed values: the order of the rows does not change
 * the sum, and a value that changes type (the text `'5'` becoming the integer 5) changes it.
 * Two 32-bit sums make the 64-bit checksum.
 */
export class RowDigester {
  #rows = 0
  #high = 0
  #low = 0

  add(values: readonly unknown[]): void {
    let text = ''
    for (const value of values) text += `${encode(value)}\u0001`
    const [h1, h2] = hash(text)
    this.#high = (this.#high + h1) >>> 0
    this.#low = (this.#low + h2) >>> 0
    this.#rows++
  }

  get result(): RowDigest {
    return { rows: this.#rows, sum: (BigInt(this.#high) << 32n) | BigInt(this.#low) }
  }
}

/** addDigests combines the digests of two disjoint sets of rows (each 32-bit half summed apart). */
export function addDigests(a: RowDigest, b: RowDigest): RowDigest {
  const half = (x: bigint, shift: bigint) => (x >> shift) & 0xffffffffn
  const high = (half(a.sum, 32n) + half(b.sum, 32n)) & 0xffffffffn
  const low = (half(a.sum, 0n) + half(b.sum, 0n)) & 0xffffffffn
  return { rows: a.rows + b.rows, sum: (high << 32n) | low }
}

function encode(value: unknown): string {
  if (value === null || value === undefined) return 'n'
  if (typeof value === 'number') return Number.isInteger(value) ? `i${value}` : `r${value}`
  if (typeof value === 'bigint') return `i${value}`
  if (typeof value === 'string') return `s${value}`
  if (typeof value === 'boolean') return `i${value ? 1 : 0}`
  if (value instanceof Uint8Array) return `b${Buffer.from(value).toString('hex')}`
  if (value instanceof Date) return `s${value.toISOString()}`
  return `j${JSON.stringify(value)}`
}

/** Two independent 32-bit hashes of a string (cyrb53's mixing). */
function hash(text: string): [number, number] {
  let h1 = 0xdeadbeef
  let h2 = 0x41c6ce57
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    h1 = Math.imul(h1 ^ c, 2654435761)
    h2 = Math.imul(h2 ^ c, 1597334677)
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909)
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909)
  return [h1 >>> 0, h2 >>> 0]
}
