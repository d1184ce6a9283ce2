import { decoderOf, type Column, type ColumnKind } from '../table.js'
import { canonicalValue, type TransferPlan } from './tables.js'

/**
 * LineFragment is SQL that gives the JSON text of one column's decoded value, exactly as
 * JSON.stringify writes it in an export line (`valueJson`). A fragment that is not total is
 * NULL where the engine cannot be sure of that text (a number in exponent form, a timestamp of
 * another form): the stored value is then read and written by `valueJson` in JavaScript.
 */
export interface LineFragment {
  readonly sql: string
  /** Never NULL (the engine hands what it cannot write itself to `valueJson` in SQL). */
  readonly total: boolean
}

/**
 * valueJson is the JSON text a column of `kind` holding `stored` (a value as the driver returns
 * it) has in an export line: the codec's decoded value (JSON parsed, booleans, ISO-8601 UTC
 * timestamps), NULL as null, JSON values with their keys sorted.
 */
export function valueJson(kind: ColumnKind, stored: unknown): string {
  return decodedJson(kind, decoderOf(kind)(stored))
}

/** decodedJson is valueJson of a value the codec already decoded. */
export function decodedJson(kind: ColumnKind, decoded: unknown): string {
  return kind === 'json' ? canonicalJson(decoded ?? null) : JSON.stringify(decoded ?? null)
}

/** linePrefixes are what comes before each column's value in a line: `{"id":`, `,"name":`. */
export function linePrefixes(columns: readonly string[]): string[] {
  return columns.map((c, i) => `${i === 0 ? '{' : ','}${JSON.stringify(c)}:`)
}

/** Whether `name` is an array index, which JavaScript puts first among an object's keys. */
function isIndex(name: string): boolean {
  const first = name.charCodeAt(0)
  // Most names start with a letter: no expression to run for them.
  if (!(first >= 48 && first <= 57)) return false
  return /^(0|[1-9][0-9]*)$/.test(name) && Number(name) < 2 ** 32 - 1
}

/**
 * canonicalJson is `JSON.stringify(canonicalValue(value))` for a value JSON.parse made, written
 * straight to text without building the sorted copy: keys sorted, except that JavaScript puts
 * array-index keys first in numeric order, and `__proto__`, which canonicalValue's assignment
 * does not keep as a key.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value)
  if (Array.isArray(value)) {
    let text = '['
    for (let i = 0; i < value.length; i++) text += (i ? ',' : '') + canonicalJson(value[i])
    return `${text}]`
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) {
    return JSON.stringify(canonicalValue(value))
  }
  const keys = Object.keys(value).sort()
  let indexes = false
  for (let i = 0; i < keys.length; i++) if (isIndex(keys[i]!)) indexes = true
  const ordered = indexes
    ? [
        ...keys.filter(isIndex).sort((a, b) => Number(a) - Number(b)),
        ...keys.filter((k) => !isIndex(k)),
      ]
    : keys
  const object = value as Record<string, unknown>
  let text = ''
  for (let i = 0; i < ordered.length; i++) {
    const key = ordered[i]!
    if (key === '__proto__') continue
    text += `,${JSON.stringify(key)}:${canonicalJson(object[key])}`
  }
  return text === '' ? '{}' : `{${text.slice(1)}}`
}

const literal = (text: string) => `'${text.replace(/'/g, "''")}'`
const quote = (name: string) => `"${name.replace(/"/g, '""')}"`

/** A run of columns whose text SQL makes, or one column JavaScript writes. */
type Part =
  { sql: true; text: string; total: boolean; columns: number[] } | { sql: false; column: number }

/**
 * LineQuery reads a table as its export lines: `{"column":value,…}` in declaration order, the
 * bytes `JSON.stringify` writes of a decoded row whose JSON values have sorted keys. The engine
 * builds each line in SQL as far as its fragments reach (a million rows are then one string
 * each, not a million objects to decode); JavaScript writes the rest, the same way the codec
 * would. Lines of the same rows are the same bytes on every engine: copies checksum them on
 * both sides, exports write them.
 */
export class LineQuery {
  readonly #plan: TransferPlan
  readonly #kinds: ColumnKind[]
  readonly #prefixes: string[]
  readonly #parts: Part[]

  constructor(
    plan: TransferPlan,
    fragmentOf: (column: string, kind: ColumnKind, type: string) => LineFragment | undefined,
  ) {
    this.#plan = plan
    const kinds = plan.table.columns as Record<string, Column>
    this.#kinds = plan.columns.map((c) => kinds[c]!.kind)
    this.#prefixes = linePrefixes(plan.columns)
    // JSON.stringify puts keys that are array indexes first: such a table's lines are all
    // JavaScript's (no declared table has one).
    const inSql = !plan.columns.some(isIndex)
    const parts: Part[] = []
    plan.columns.forEach((column, i) => {
      const prefix = this.#prefixes[i]!
      const fragment =
        inSql && !prefix.includes('\\')
          ? fragmentOf(column, this.#kinds[i]!, plan.types[i]!)
          : undefined
      if (!fragment) {
        parts.push({ sql: false, column: i })
        return
      }
      const last = parts.at(-1)
      const piece = `${literal(prefix)} || ${fragment.sql}`
      if (last?.sql && last.total === fragment.total) {
        last.text += ` || ${piece}`
        last.columns.push(i)
      } else parts.push({ sql: true, text: piece, total: fragment.total, columns: [i] })
    })
    this.#parts = parts
  }

  /**
   * sql selects the table's lines, in key order unless `ordered` is false, filtered by
   * `where`. With `raw`, each row starts with every column's stored value (what a copy writes),
   * followed by the line's parts; `line` reads either.
   */
  sql(options: { where?: string; ordered?: boolean; raw?: boolean } = {}): string {
    const plan = this.#plan
    const where = options.where ? ` WHERE ${options.where}` : ''
    const order = options.ordered === false ? '' : ` ${plan.orderBy}`
    const raw = plan.columns.map(quote)
    const parts = this.#parts.map((p, k) =>
      p.sql ? `(${p.text}) AS "genmedia_line_${k}"` : quote(plan.columns[p.column]!),
    )
    if (options.raw) {
      const sqlParts = this.#parts.flatMap((p, k) => (p.sql ? [parts[k]!] : []))
      return `SELECT ${[...raw, ...sqlParts].join(', ')} FROM ${quote(plan.name)}${where}${order}`
    }
    if (this.#parts.every((p) => !p.sql || p.total)) {
      return `SELECT ${parts.join(', ')} FROM ${quote(plan.name)}${where}${order}`
    }
    // Where a part may be NULL, its columns' stored values come too, for JavaScript. The inner
    // query makes each part once (OFFSET 0 keeps it from being merged into the outer one, which
    // would make it twice); its order is kept.
    const outer = this.#parts.map((p, k) => (p.sql ? `s."genmedia_line_${k}"` : `s.${parts[k]}`))
    for (const [k, p] of this.#parts.entries()) {
      if (!p.sql || p.total) continue
      for (const i of p.columns) {
        outer.push(`CASE WHEN s."genmedia_line_${k}" IS NULL THEN s.${raw[i]} END`)
      }
    }
    const inJs = new Set(this.#parts.flatMap((p) => (p.sql ? [] : [p.column])))
    const inner = [...parts, ...raw.filter((_, i) => !inJs.has(i))]
    return (
      `SELECT ${outer.join(', ')} FROM (SELECT ${inner.join(', ')} FROM ${quote(plan.name)}` +
      `${where}${order} OFFSET 0) AS s${order}`
    )
  }

  /** Whether the engine makes every line whole in SQL (no part left to JavaScript). */
  get total(): boolean {
    return this.#parts.every((p) => p.sql && p.total)
  }

  /**
   * pageSql selects, for a table with a single integer key whose lines are `total`, the next
   * `size` lines after key `after` (decimal text; undefined: from the first) in key order as
   * one value: `[last key as text, rows, the lines' UTF-8 bytes, each ending in a newline]`. A
   * page is one value to hand over instead of a string per row, and bytes need no conversion
   * on their way out. Undefined where pages do not apply.
   */
  pageSql(options: {
    where?: string
    after?: string
    size: number
    bytes: (text: string) => string
  }): string | undefined {
    const plan = this.#plan
    const key = plan.key.length === 1 ? plan.key[0]! : undefined
    const kind = key ? this.#kinds[plan.columns.indexOf(key)] : undefined
    if (!this.total || !key || (kind !== 'id' && kind !== 'integer')) return undefined
    if (options.after !== undefined && !/^-?[0-9]+$/.test(options.after)) return undefined
    const k = quote(key)
    // The page's own bound first: SQLite seeks to the first lower bound on the key it finds in
    // the condition, and a `--where id > 0` ahead of it made every page scan the table from its
    // first row on (a million-row export: 160 s instead of 10).
    const conditions = [
      options.after === undefined ? undefined : `${k} > ${options.after}`,
      options.where,
    ]
      .filter(Boolean)
      .map((c) => `(${c})`)
    const where = conditions.length ? ` WHERE ${conditions.join(' AND ')}` : ''
    const line = this.#parts.map((p) => (p as { text: string }).text).join(' || ')
    return (
      `SELECT CAST(max(k) AS TEXT), count(*), ${options.bytes(`string_agg(line, '' ORDER BY k)`)} ` +
      `FROM (SELECT ${k} AS k, ${line} || '}' || char(10) AS line FROM ${quote(plan.name)}${where} ` +
      `ORDER BY ${k} LIMIT ${options.size})`
    )
  }

  /** line is one row of `sql`'s result (with the same `raw`) as its export line. */
  line(row: readonly unknown[], raw = false): string {
    const kinds = this.#kinds
    const prefixes = this.#prefixes
    let text = ''
    if (raw) {
      let at = this.#plan.columns.length
      for (const part of this.#parts) {
        if (!part.sql) {
          text += prefixes[part.column]! + valueJson(kinds[part.column]!, row[part.column])
          continue
        }
        const made = row[at++]
        if (typeof made === 'string') text += made
        else for (const i of part.columns) text += prefixes[i]! + valueJson(kinds[i]!, row[i])
      }
    } else {
      let fallback = this.#parts.length
      for (let k = 0; k < this.#parts.length; k++) {
        const part = this.#parts[k]!
        const value = row[k]
        if (!part.sql) {
          text += prefixes[part.column]! + valueJson(kinds[part.column]!, value)
        } else if (part.total) {
          text += value as string
        } else if (typeof value === 'string') {
          text += value
          fallback += part.columns.length
        } else {
          for (const i of part.columns) text += prefixes[i]! + valueJson(kinds[i]!, row[fallback++])
        }
      }
    }
    return text === '' ? '{}' : `${text}}`
  }
}
