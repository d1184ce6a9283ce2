import type { RowDigest } from './engine.js'

// Each value is fed to the hash as a type tag and its content in 32-bit units: an integer as its
// two halves, any other number as the bits of its double, text and bytes as their length and
// then each unit. The length first makes the units of a row one unambiguous sequence, so two
// rows hash alike only where their values are alike; and no value is first turned into text,
// which on a million rows cost more than reading them.
const NULL = 1
const INTEGER = 2
const REAL = 3
const TEXT = 4
const BYTES = 5
const JSON_TEXT = 6
/** An integer beyond 2^53, hashed as its decimal digits (a number and a bigint alike). */
const LARGE_INTEGER = 7

const TWO_32 = 4294967296
const float = new Float64Array(1)
const floatHalves = new Uint32Array(float.buffer)

/**
 * RowDigester sums a hash of each row's typed values: the order of the rows does not change
 * the sum, and a value that changes type (the text `'5'` becoming the integer 5) changes it.
 * Numbers count by value (the integer 5 and the real 5.0 hash alike, as a column of either
 * affinity may keep either). Two 32-bit sums make the 64-bit checksum.
 */
export class RowDigester {
  #rows = 0
  #high = 0
  #low = 0

  add(values: readonly unknown[]): void {
    hash.h1 = 0xdeadbeef
    hash.h2 = 0x41c6ce57
    for (const value of values) feed(value)
    const { h1, h2 } = hash
    const a = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909)
    const b = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(a ^ (a >>> 13), 3266489909)
    this.#high = (this.#high + (a >>> 0)) >>> 0
    this.#low = (this.#low + (b >>> 0)) >>> 0
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

/**
 * The row being hashed: two independent 32-bit hashes, fed unit by unit (cyrb53's mixing). One
 * for the module, as a row is hashed at once and allocating a state per row showed in the time.
 */
const hash = { h1: 0, h2: 0 }

function mix(unit: number): void {
  hash.h1 = Math.imul(hash.h1 ^ unit, 2654435761)
  hash.h2 = Math.imul(hash.h2 ^ unit, 1597334677)
}

function feed(value: unknown): void {
  if (value === null || value === undefined) mix(NULL)
  else if (typeof value === 'number') feedNumber(value)
  else if (typeof value === 'string') feedText(TEXT, value)
  else if (typeof value === 'bigint') {
    // A bigint beyond 2^53 converts to a number that is not a safe integer.
    const number = Number(value)
    if (Number.isSafeInteger(number)) feedNumber(number)
    else feedText(LARGE_INTEGER, value.toString())
  } else if (typeof value === 'boolean') feedNumber(value ? 1 : 0)
  else if (value instanceof Uint8Array) {
    mix(BYTES)
    mix(value.length)
    for (let i = 0; i < value.length; i++) mix(value[i]!)
  } else if (value instanceof Date) feedText(TEXT, value.toISOString())
  else feedText(JSON_TEXT, JSON.stringify(value))
}

function feedNumber(value: number): void {
  if (Number.isSafeInteger(value)) {
    const high = Math.floor(value / TWO_32)
    mix(INTEGER)
    mix(value - high * TWO_32)
    mix(high)
  } else if (Number.isInteger(value)) feedText(LARGE_INTEGER, BigInt(value).toString())
  else {
    float[0] = value
    mix(REAL)
    mix(floatHalves[0]!)
    mix(floatHalves[1]!)
  }
}

/** Text's units, with locals in the loop: most of a row's units are its text's. */
function feedText(tag: number, text: string): void {
  mix(tag)
  mix(text.length)
  let { h1, h2 } = hash
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i)
    h1 = Math.imul(h1 ^ unit, 2654435761)
    h2 = Math.imul(h2 ^ unit, 1597334677)
  }
  hash.h1 = h1
  hash.h2 = h2
}
