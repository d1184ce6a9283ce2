import { ValidationError } from '../errors.js'

/** The longest search text accepted, in characters: longer is a 400 naming `q`. */
export const MAX_QUERY_LENGTH = 1000
/** The most terms one search may have. */
export const MAX_QUERY_TERMS = 32

/**
 * SearchTerm is one part of a parsed search: its words, which must appear next to each other in
 * this order (one word, or a phrase), the last word a prefix when `prefix` is set. A search finds
 * rows that contain every term.
 */
export interface SearchTerm {
  words: string[]
  prefix: boolean
}

/** A word as both engines' search indexes split text: a run of letters and digits. */
export const WORD = /[\p{L}\p{N}]+/gu
const TOKEN = /"([^"]*)("?)(\*?)|([^\s"]+)/gu

/**
 * parseSearchQuery reads user search text into terms, without passing any of it on as query
 * syntax: `"foggy harbour"` is a phrase, `harb*` a prefix, words apart must all appear; every
 * other character (quotes left open, FTS operators, NUL, punctuation) only separates words, and
 * `NEAR`, `AND`, `OR` are words like any other. A word joined by punctuation (`img_0001.png`) is a
 * phrase of its parts, as the indexes split it. Text longer than MAX_QUERY_LENGTH, with more than
 * MAX_QUERY_TERMS terms, or without a letter or digit throws ValidationError naming `q`.
 */
export function parseSearchQuery(text: string): SearchTerm[] {
  if (text.length > MAX_QUERY_LENGTH) {
    throw new ValidationError(`q must be at most ${MAX_QUERY_LENGTH} characters`, 'q')
  }
  const terms: SearchTerm[] = []
  for (const match of text.normalize('NFC').matchAll(TOKEN)) {
    const [, phrase, , star, bare] = match
    const source = phrase ?? bare ?? ''
    const prefix = phrase !== undefined ? star === '*' : source.endsWith('*')
    const words = (source.match(WORD) ?? []).map((w) => w.toLowerCase())
    if (words.length > 0) terms.push({ words, prefix: prefix && /[\p{L}\p{N}]\*?$/u.test(source) })
  }
  if (terms.length === 0) throw new ValidationError('q has no letter or digit to search for', 'q')
  if (terms.length > MAX_QUERY_TERMS) {
    throw new ValidationError(`q must have at most ${MAX_QUERY_TERMS} words or phrases`, 'q')
  }
  return terms
}
