import { WORD, type SearchTerm } from './query.js'

// Ranking a window of matches, the same on every engine. The rows are already known to match;
// what is left is to order them, and doing it here instead of in the engine costs less and
// agrees across engines: SQLite's bm25() first counts every row in the table that holds each
// phrase (its IDF), which for a common phrase is most of a search's time, and PostgreSQL's
// ts_rank is another formula. Here a window's own rows are the collection: BM25 (k1 1.2, b 0.75,
// as FTS5's bm25) of the terms over the searched columns' words, a term's weight from how many
// rows of the window hold it.

const K1 = 1.2
const B = 0.75
const ASCII_WORD = /[a-z0-9]+/g
const NOT_ASCII = /[^\p{ASCII}]/u
const MARKS = /\p{M}/gu

/** The words of a text as the search indexes split them: lower case, diacritics removed. */
export function indexWords(text: string): string[] {
  if (!NOT_ASCII.test(text)) return text.toLowerCase().match(ASCII_WORD) ?? []
  return fold(text).match(WORD) ?? []
}

function fold(text: string): string {
  return text.normalize('NFD').replace(MARKS, '').toLowerCase()
}

/** How often `term` (a phrase, its last word a prefix when asked) stands in `words`. */
function occurrences(term: { words: string[]; prefix: boolean }, words: readonly string[]): number {
  const last = term.words.length - 1
  let count = 0
  for (let i = 0; i + last < words.length; i++) {
    let j = 0
    while (j < last && words[i + j] === term.words[j]) j++
    if (j < last) continue
    const word = words[i + last]!
    if (term.prefix ? word.startsWith(term.words[last]!) : word === term.words[last]) count++
  }
  return count
}

/** The text of one searched value as an index reads it (JSON values as their JSON text). */
function textOf(value: unknown): string {
  if (value === null || value === undefined) return ''
  return typeof value === 'string' ? value : JSON.stringify(value)
}

/**
 * rankWindow scores each row of a window of matches by BM25 of `terms` over the values of
 * `columns` (higher is better), the window itself taken as the collection.
 */
export function rankWindow(
  rows: readonly Record<string, unknown>[],
  columns: readonly string[],
  terms: readonly SearchTerm[],
): number[] {
  const folded = terms.map((t) => ({ words: t.words.map(fold), prefix: t.prefix }))
  const counts: number[][] = []
  const lengths: number[] = []
  for (const row of rows) {
    const words = indexWords(columns.map((c) => textOf(row[c])).join(' '))
    lengths.push(words.length)
    counts.push(folded.map((t) => occurrences(t, words)))
  }
  const n = rows.length
  const average = lengths.reduce((a, b) => a + b, 0) / Math.max(n, 1) || 1
  const weights = folded.map((_, t) => {
    const holding = counts.filter((c) => c[t]! > 0).length
    return Math.log(1 + (n - holding + 0.5) / (holding + 0.5))
  })
  return counts.map((termCounts, r) =>
    termCounts.reduce((score, tf, t) => {
      const norm = K1 * (1 - B + (B * lengths[r]!) / average)
      return score + (weights[t]! * (tf * (K1 + 1))) / (tf + norm)
    }, 0),
  )
}
