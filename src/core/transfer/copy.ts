import { resolveStoreLocation, type Env } from '../config.js'
import { Database } from '../database.js'
import { engineFor } from '../engines/index.js'
import { openStore, type OpenStore, type StoreDefinition } from '../store.js'
import { decoderOf, type Column } from '../table.js'
import type { EngineTransfer, TableLoader, SnapshotReader } from './engine.js'
import { CopyError } from './errors.js'
import { decodedJson, LineQuery, linePrefixes } from './lines.js'
import { Checksum, keysOf, planTables, type TransferPlan } from './tables.js'

/** Rows read and written per batch. */
const BATCH_SIZE = 2000
/** Lines per page when the target's lines are read back as bytes. */
const PAGE_SIZE = 2000

/** CopyProgress is how far a copy is: rows of `table` written, of all rows. */
export interface CopyProgress {
  table: string
  done: number
  total: number
}

export interface CopyOptions {
  /** The target: a SQLite path or a `postgres://` URL (`?schema=` honoured). */
  to: string
  /** The source; default: where the store lives by the settings. */
  from?: string
  /** Replace what the target holds (otherwise a target with rows is refused). */
  replace?: boolean
  env?: Env
  cwd?: string
  onProgress?: (progress: CopyProgress) => void
}

/** TableCopy is one table's outcome: rows copied and the checksum both sides agreed on. */
export interface TableCopy {
  table: string
  rows: number
  checksum: string
}

export interface CopyReport {
  store: string
  from: string
  to: string
  schemaVersion: number
  tables: TableCopy[]
  rows: number
  seconds: number
}

/** identityOf is what names a store database: the file, or the server, database and schema. */
function identityOf(location: string, schema: string): string {
  const { location: parsed } = engineFor(location)
  const database = /^postgres/i.test(parsed.text) ? new URL(parsed.text).pathname : ''
  return `${parsed.engine}:${parsed.origin}${database}#${parsed.schema ?? schema}`
}

/**
 * copyStore copies a store from one location to another, on either engine: the target is
 * created (or migrated) to the source's schema version; every table is streamed from one
 * consistent snapshot of the source, parents first, ids kept, into one transaction on the target
 * with its triggers off; identity and AUTOINCREMENT counters are carried; then, before that
 * transaction commits, each table's row count and order-independent checksum of decoded rows are
 * read back from the target and compared with the source's. Anything wrong (and a process that
 * dies) leaves the target as it was. A target holding rows is refused unless `replace`. The
 * source is only read.
 */
export async function copyStore(
  definition: StoreDefinition,
  options: CopyOptions,
): Promise<CopyReport> {
  const started = performance.now()
  const from = options.from ?? resolveStoreLocation(definition, options.env, options.cwd).location
  const to = options.to
  if (identityOf(from, definition.schema) === identityOf(to, definition.schema)) {
    throw new CopyError(`the source and the target are the same place: ${from}`)
  }
  if (!(await Database.exists(from, definition.schema))) {
    throw new CopyError(`the ${definition.name} store does not exist at ${from}`)
  }
  const source = await openStore(definition, { location: from, readOnly: true })
  let target: OpenStore | undefined
  try {
    const version = await source.migrator.currentVersion()
    target = await openStore(definition, { location: to, migrate: false })
    await prepareTarget(definition, target, version, options.replace ?? false)
    const plans = await planTables(source.db, definition)
    const targetPlans = await planTables(target.db, definition)
    const tables = await source.db.engineImpl.transfer.snapshot(source.db, (reader) =>
      copyTables(reader, target!, plans, targetPlans, options.onProgress),
    )
    return {
      store: definition.name,
      from: source.db.location,
      to: target.db.location,
      schemaVersion: version,
      tables,
      rows: tables.reduce((n, t) => n + t.rows, 0),
      seconds: (performance.now() - started) / 1000,
    }
  } finally {
    await target?.close()
    await source.close()
  }
}

/** prepareTarget brings the target to the source's version and refuses one holding rows. */
async function prepareTarget(
  definition: StoreDefinition,
  target: OpenStore,
  version: number,
  replace: boolean,
): Promise<void> {
  const current = await target.migrator.currentVersion()
  if (current > version) {
    throw new CopyError(
      `the target is at schema version ${current}, newer than the source's ${version}: ` +
        `migrate the source first (genmedia migrate up ${definition.name}) or copy to another place`,
    )
  }
  if (current < version) await target.migrator.migrateTo(version)
  if (replace) return
  const plans = await planTables(target.db, definition)
  const data = new Set(definition.dataTables ?? plans.map((p) => p.name))
  for (const plan of plans.filter((p) => data.has(p.name))) {
    const [row] = await target.db.query<{ n: number }>(`SELECT COUNT(*) AS n FROM "${plan.name}"`)
    const n = Number(row?.n ?? 0)
    if (n > 0) {
      throw new CopyError(
        `the target already holds rows (${plan.name}: ${n}) at ${target.db.location}; ` +
          'pass --replace to replace them',
      )
    }
  }
}

async function count(reader: SnapshotReader, plan: TransferPlan): Promise<number> {
  for await (const [row] of reader.rows(`SELECT COUNT(*) AS n FROM "${plan.name}"`, 1)) {
    return Number(row?.n ?? 0)
  }
  return 0
}

async function copyTables(
  reader: SnapshotReader,
  target: OpenStore,
  plans: readonly TransferPlan[],
  targetPlans: readonly TransferPlan[],
  onProgress: CopyOptions['onProgress'],
): Promise<TableCopy[]> {
  const to = target.db.engineImpl.transfer
  const totals = new Map<string, number>()
  for (const plan of plans) totals.set(plan.name, await count(reader, plan))
  const total = [...totals.values()].reduce((a, b) => a + b, 0)
  const counters = await reader.idCounters(keysOf(plans))
  const names = plans.map((p) => p.name)
  const progress = { done: 0, total }
  return to.load(target.db, names, async (loader) => {
    await loader.clear([...names].reverse())
    const sums = new Map<string, Checksum>()
    for (const plan of plans) {
      sums.set(plan.name, await copyTable(reader, loader, plan, progress, onProgress))
    }
    await loader.advanceIdCounters(keysOf(plans), counters)
    const copies: TableCopy[] = []
    for (const plan of plans) {
      const expected = sums.get(plan.name)!
      const written = targetPlans.find((p) => p.name === plan.name)
      if (!written || written.columns.join() !== plan.columns.join()) {
        throw new CopyError(`${plan.name} has other columns on the target; nothing was written`)
      }
      const actual = await checksumOf(loader, new LineQuery(written, to.lineFragment), to)
      if (actual.count !== expected.count || actual.hex !== expected.hex) {
        throw new CopyError(
          `${plan.name} did not verify: the source has ${expected.count} rows (checksum ` +
            `${expected.hex}), the target ${actual.count} (checksum ${actual.hex}); nothing was written`,
        )
      }
      copies.push({ table: plan.name, rows: expected.count, checksum: expected.hex })
    }
    return copies
  })
}

/**
 * copyTable streams one table in key order, each row read with its export line (LineQuery),
 * which the checksum sums, and written as the codec would write its decoded values. A
 * self-reference to a row not yet written (a higher key) is written NULL first and set once
 * every row of the table is in.
 */
async function copyTable(
  reader: SnapshotReader,
  loader: TableLoader,
  plan: TransferPlan,
  progress: { done: number; total: number },
  onProgress: CopyOptions['onProgress'],
): Promise<Checksum> {
  const { codec } = plan.table
  const kinds = plan.table.columns as Record<string, Column>
  const columnKinds = plan.columns.map((c) => kinds[c]!.kind)
  const decoders = columnKinds.map(decoderOf)
  const encoders = plan.columns.map((c) => codec.encoderOf(c))
  const prefixes = linePrefixes(plan.columns)
  const width = plan.columns.length
  const sum = new Checksum()
  const later: { id: unknown; column: string; value: unknown }[] = []
  const key = plan.key.length === 1 ? plan.key[0]! : undefined
  const keyIndex = key ? plan.columns.indexOf(key) : -1
  const selfIndexes = key ? plan.selfReferences.map((c) => plan.columns.indexOf(c)) : []
  // One batch is written while the next is read and encoded (on PostgreSQL the server inserts
  // while this process works); a failed write surfaces at the next await.
  let writing: Promise<void> = Promise.resolve()
  for await (const batch of reader.arrays(`${plan.select} ${plan.orderBy}`, BATCH_SIZE)) {
    const rows: unknown[][] = []
    for (const row of batch) {
      // Each value decoded once, for the row's export line (what the checksum sums) and for
      // what is written: the codec's encoding of it.
      let line = ''
      const values = new Array<unknown>(width)
      for (let i = 0; i < width; i++) {
        const stored = row[i]
        const decoded = stored === null || stored === undefined ? null : decoders[i]!(stored)
        line += prefixes[i]! + decodedJson(columnKinds[i]!, decoded)
        const encode = encoders[i]
        values[i] =
          (decoded !== null && decoded !== undefined && encode ? encode(decoded) : decoded) ?? null
      }
      sum.add(width === 0 ? '{}' : `${line}}`)
      for (const i of selfIndexes) {
        const value = values[i]
        const id = row[keyIndex]
        if (value !== null && (value as number) > (id as number)) {
          later.push({ id, column: plan.columns[i]!, value })
          values[i] = null
        }
      }
      rows.push(values)
    }
    await writing
    writing = loader.insert(plan.name, plan.columns, rows)
    writing.catch(() => undefined)
    progress.done += rows.length
    onProgress?.({ table: plan.name, done: progress.done, total: progress.total })
  }
  await writing
  for (const { id, column, value } of later) await loader.update(plan.name, key!, id, column, value)
  return sum
}

/**
 * checksumOf sums the export lines of what the load wrote, as the database makes them: whole
 * pages of bytes, split at their newlines, where the engine makes every line itself (each
 * line's bytes are what Checksum hashes of its text).
 */
async function checksumOf(
  loader: TableLoader,
  lines: LineQuery,
  engine: EngineTransfer,
): Promise<Checksum> {
  const sum = new Checksum()
  const page = (after?: string) => lines.pageSql({ after, size: PAGE_SIZE, bytes: engine.utf8 })
  if (page() !== undefined) {
    for (let after: string | undefined; ;) {
      let last: unknown[] | undefined
      for await (const [row] of loader.arrays(page(after)!, 1)) last = row
      const [key, count, bytes] = last ?? []
      if (!count) return sum
      after = String(key)
      const buffer = bytes as Buffer
      for (let at = 0; at < buffer.length;) {
        const end = buffer.indexOf(10, at)
        sum.addBytes(buffer.subarray(at, end))
        at = end + 1
      }
    }
  }
  for await (const batch of loader.arrays(lines.sql({ ordered: false }), BATCH_SIZE)) {
    for (const row of batch) sum.add(lines.line(row))
  }
  return sum
}
