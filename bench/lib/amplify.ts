import type BetterSqlite3 from 'better-sqlite3'

type Row = Record<string, unknown>

/** How to grow one table to `rows` rows from the rows it already holds. */
export interface AmplifySpec {
  table: string
  /** Rows to add. */
  rows: number
  /** Columns given explicitly: `(i, template) => value`, i counting the added rows from 0. */
  set?: Record<string, (i: number, template: Row) => unknown>
  /** Which of the existing rows may serve as templates (default all). */
  templates?: (row: Row) => boolean
  /** The added rows' timestamps span this many days, ending now (default 365). */
  spanDays?: number
}

interface Column {
  name: string
  type: string
  pk: number
}

const TIMESTAMP_TYPE = /DATE|TIME/i

/**
 * amplifyTable adds `spec.rows` rows to a SQLite table, each a copy of one of its existing rows
 * (round robin) so that foreign keys, statuses and JSON stay as valid as the sample data's, with
 * three changes: the primary key is left to SQLite; every timestamp of a copy is shifted by the
 * same amount so that the copies' first timestamp column spreads evenly over `spanDays` (newest
 * last, order inside a row kept); and each UNIQUE index the timestamps do not already make
 * unique gets a unique value in one of its columns (text gets a `~i` suffix, an integer
 * 10,000,000 + i). Runs in one transaction through one prepared statement. Returns rows added.
 */
export function amplifyTable(db: BetterSqlite3.Database, spec: AmplifySpec): number {
  const columns = db.prepare(`PRAGMA table_info(${spec.table})`).all() as Column[]
  const all = db.prepare(`SELECT * FROM ${spec.table} ORDER BY rowid`).all() as Row[]
  const templates = spec.templates ? all.filter(spec.templates) : all
  if (templates.length === 0) throw new Error(`${spec.table} has no rows to copy`)
  const set = spec.set ?? {}
  const foreign = new Set(
    (db.prepare(`PRAGMA foreign_key_list(${spec.table})`).all() as { from: string }[]).map(
      (f) => f.from,
    ),
  )
  const writable = columns.filter((c) => c.pk === 0)
  const timestamps = writable
    .filter((c) => TIMESTAMP_TYPE.test(c.type) && !(c.name in set))
    .map((c) => c.name)
  const primary = timestamps.find((c) => templates.every((t) => parseTime(t[c]) !== undefined))
  const made = uniqueColumns(db, spec.table, templates, (c) => c === primary || c in set, foreign)
  const taken = new Set(primary ? all.map((r) => r[primary]) : [])

  const names = writable.map((c) => c.name)
  const insert = db.prepare(
    `INSERT INTO ${spec.table} (${names.map((n) => `"${n}"`).join(', ')}) VALUES (${names.map(() => '?').join(', ')})`,
  )
  const spanMs = (spec.spanDays ?? 365) * 86_400_000
  const end = Date.now()
  const step = spanMs / spec.rows
  db.transaction(() => {
    for (let i = 0; i < spec.rows; i++) {
      const template = templates[i % templates.length]!
      const values: Row = { ...template }
      if (primary) {
        let delta = end - spanMs + i * step - parseTime(template[primary])!
        // A copy may land on the very second of an original row's timestamp, which a UNIQUE
        // index over it (metrics' video, platform, timestamp) refuses: move it a second on.
        // Copies lie `step` (over a second at these sizes) apart, so it meets no other copy.
        while (taken.has(shiftTime(template[primary], delta))) delta += 1000
        for (const c of timestamps) values[c] = shiftTime(template[c], delta)
      }
      for (const [c, kind] of made) {
        const v = template[c]
        if (v === null || v === undefined) continue
        values[c] = kind === 'text' ? `${String(v)}~${i}` : 10_000_000 + i
      }
      for (const [c, fn] of Object.entries(set)) values[c] = fn(i, template)
      insert.run(names.map((n) => values[n] ?? null))
    }
  })()
  return spec.rows
}

/** uniqueColumns picks, for each UNIQUE index not already satisfied, the column to vary. */
function uniqueColumns(
  db: BetterSqlite3.Database,
  table: string,
  templates: Row[],
  satisfied: (column: string) => boolean,
  foreign: Set<string>,
): Map<string, 'text' | 'integer'> {
  const made = new Map<string, 'text' | 'integer'>()
  const indexes = db.prepare(`PRAGMA index_list(${table})`).all() as {
    name: string
    unique: number
    origin: string
  }[]
  for (const index of indexes) {
    if (!index.unique || index.origin === 'pk') continue
    const cols = (db.prepare(`PRAGMA index_info("${index.name}")`).all() as { name: string }[]).map(
      (c) => c.name,
    )
    if (cols.some((c) => satisfied(c) || made.has(c))) continue
    // NULLs never collide in a UNIQUE index: a column NULL in every template keeps copies apart.
    if (cols.some((c) => templates.every((t) => t[c] === null || t[c] === undefined))) continue
    const candidates = cols.filter((c) => !foreign.has(c))
    const text = candidates.find((c) => templates.some((t) => typeof t[c] === 'string'))
    const integer = candidates.find((c) => templates.some((t) => typeof t[c] === 'number'))
    if (text) made.set(text, 'text')
    else if (integer) made.set(integer, 'integer')
    else throw new Error(`cannot make ${index.name} on ${table} unique in copies`)
  }
  return made
}

const SQLITE_TIME = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2}(?:\.\d+)?)(Z|[+-]\d{2}:?\d{2})?$/

function parseTime(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined
  const m = SQLITE_TIME.exec(value)
  if (!m) return undefined
  const t = Date.parse(`${m[1]}T${m[2]}${m[3] ?? 'Z'}`)
  return Number.isNaN(t) ? undefined : t
}

/** shiftTime moves a stored timestamp by `delta` ms, keeping its written form. */
function shiftTime(value: unknown, delta: number): unknown {
  const t = parseTime(value)
  if (t === undefined) return value
  const iso = new Date(t + delta).toISOString()
  const text = value as string
  if (text.includes('T')) return iso
  const withMs = text.includes('.')
  return `${iso.slice(0, 10)} ${iso.slice(11, withMs ? 23 : 19)}`
}
