import { hash } from 'node:crypto'
import type { Database } from '../database.js'
import { inspectSchema } from '../inspect.js'
import type { StoreDefinition, StoreTables } from '../store.js'
import type { Column, Table } from '../table.js'
import type { TableKey } from './engine.js'

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`

/**
 * TransferPlan is how copy and export read and write one table: its declared columns that the
 * database has (a store at an older schema version may lack some), in declaration order; its
 * primary key; and the columns that refer to the table itself.
 */
export interface TransferPlan {
  readonly name: string
  readonly table: Table<any, string>
  readonly columns: readonly string[]
  /** Each column's type as the database reports it, in the order of `columns`. */
  readonly types: readonly string[]
  /** The primary key's columns (every column when the table has none). */
  readonly key: readonly string[]
  /** The generated integer key, if the table has one (its counter is carried). */
  readonly id: string | undefined
  /** Nullable columns referring to this table's own key (lineage): written after the rows. */
  readonly selfReferences: readonly string[]
  /** `SELECT <columns> FROM <table>`, without WHERE or ORDER BY. */
  readonly select: string
  /** `ORDER BY <key>`, the same order on every engine. */
  readonly orderBy: string
}

/** declaredTables returns a store's declared tables, or throws for a store that only names them. */
export function declaredTables(definition: StoreDefinition): StoreTables {
  const { tables } = definition
  if (Array.isArray(tables)) {
    throw new Error(`the ${definition.name} store does not declare its tables' columns`)
  }
  return tables as StoreTables
}

/**
 * planTables plans every declared table that exists in `db`, parents first: a table comes after
 * every table its foreign keys refer to (as the engine reports them), otherwise in declaration
 * order. Reversed, the order deletes children first.
 */
export async function planTables(
  db: Database,
  definition: StoreDefinition,
): Promise<TransferPlan[]> {
  const declared = declaredTables(definition)
  const schema = await inspectSchema(db)
  const foreignKeys = await db.engineImpl.transfer.foreignKeys(db)
  const transfer = db.engineImpl.transfer
  const plans: TransferPlan[] = []
  for (const table of Object.values(declared)) {
    const actual = schema.tables.find((t) => t.name === table.name)
    if (!actual) continue
    const present = new Set(actual.columns.map((c) => c.name))
    const columns = Object.keys(table.columns).filter((c) => present.has(c))
    const kinds = table.columns as Record<string, Column>
    const keyed = columns.filter((c) => actual.columns.find((a) => a.name === c)?.primaryKey)
    const key = keyed.length > 0 ? keyed : columns
    const id = columns.find((c) => kinds[c]!.kind === 'id')
    const selfReferences = foreignKeys
      .filter((f) => f.table === table.name && f.references === table.name)
      .map((f) => f.column)
      .filter((c) => kinds[c]?.isNullable)
    plans.push({
      name: table.name,
      table,
      columns,
      types: columns.map((c) => actual.columns.find((a) => a.name === c)!.type),
      key,
      id,
      selfReferences,
      select: `SELECT ${columns.map(quote).join(', ')} FROM ${quote(table.name)}`,
      orderBy: `ORDER BY ${key.map((c) => transfer.orderTerm(c, kinds[c]!.kind)).join(', ')}`,
    })
  }
  return parentsFirst(
    plans,
    foreignKeys.filter((f) => f.table !== f.references),
  )
}

function parentsFirst(
  plans: TransferPlan[],
  foreignKeys: readonly { table: string; references: string }[],
): TransferPlan[] {
  const names = new Set(plans.map((p) => p.name))
  const done = new Set<string>()
  const ordered: TransferPlan[] = []
  while (ordered.length < plans.length) {
    const next = plans.find(
      (p) =>
        !done.has(p.name) &&
        foreignKeys.every(
          (f) => f.table !== p.name || !names.has(f.references) || done.has(f.references),
        ),
    )
    if (!next) {
      const left = plans.filter((p) => !done.has(p.name)).map((p) => p.name)
      throw new Error(`the foreign keys of ${left.join(', ')} refer to each other in a cycle`)
    }
    done.add(next.name)
    ordered.push(next)
  }
  return ordered
}

/** keysOf lists the generated integer keys of the plans, whose counters a copy carries. */
export function keysOf(plans: readonly TransferPlan[]): TableKey[] {
  return plans.filter((p) => p.id).map((p) => ({ table: p.name, column: p.id! }))
}

/**
 * canonicalValue is a JSON value with every object's keys sorted: PostgreSQL's jsonb keeps no
 * key order, so a canonical form is what makes a row read the same from either engine.
 */
export function canonicalValue(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value
  if (Array.isArray(value)) return value.map(canonicalValue)
  const out: Record<string, unknown> = {}
  for (const key of Object.keys(value).sort()) {
    out[key] = canonicalValue((value as Record<string, unknown>)[key])
  }
  return out
}

/**
 * RowFormat turns a table's raw rows into decoded rows (values as the repository returns them,
 * JSON values canonical) and their one-line JSON text, with the columns in declaration order.
 */
export interface RowFormat {
  decode(raw: object): Record<string, unknown>
  /** A row the codec decoded, with its JSON values made canonical (what decode returns). */
  canonical(decoded: Record<string, unknown>): Record<string, unknown>
  line(row: Record<string, unknown>): string
}

export function rowFormatOf(plan: TransferPlan): RowFormat {
  const kinds = plan.table.columns as Record<string, Column>
  const json = plan.columns.filter((c) => kinds[c]!.kind === 'json')
  const { codec } = plan.table
  const canonical = (decoded: Record<string, unknown>) => {
    const row: Record<string, unknown> = {}
    for (const c of plan.columns) row[c] = decoded[c] ?? null
    for (const c of json) row[c] = canonicalValue(row[c])
    return row
  }
  return {
    decode: (raw) => canonical(codec.decode(raw) as Record<string, unknown>),
    canonical,
    line: (row) => JSON.stringify(row),
  }
}

/**
 * Checksum is an order-independent checksum of decoded rows: the SHA-256 of each row's canonical
 * JSON line, its first 16 bytes summed as two 64-bit words (each modulo 2^64), with the count. Equal on both
 * engines for the same rows, whatever order they are read in.
 */
export class Checksum {
  #high = 0n
  #low = 0n
  count = 0

  add(line: string): void {
    this.#add(hash('sha256', line, 'buffer'))
  }

  /** addBytes adds a line given as its UTF-8 bytes (the same sum as its text). */
  addBytes(line: Uint8Array): void {
    this.#add(hash('sha256', line, 'buffer'))
  }

  #add(digest: Buffer): void {
    this.#high = (this.#high + digest.readBigUInt64BE(0)) & 0xffff_ffff_ffff_ffffn
    this.#low = (this.#low + digest.readBigUInt64BE(8)) & 0xffff_ffff_ffff_ffffn
    this.count++
  }

  get hex(): string {
    return this.#high.toString(16).padStart(16, '0') + this.#low.toString(16).padStart(16, '0')
  }
}
