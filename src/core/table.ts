import { z } from 'zod'
import type { ColumnType, Generated } from 'kysely'
import { parseTimestamp, toIsoTimestamp } from './codec.js'
import { rowBuilder } from './row-literal.js'
import { jsonObject, LIMITS, noNul, storableJson, timestampInput } from './validate.js'

/**
 * What a column holds, which decides how its values are stored and read back:
 * - `id`: the table's generated integer key;
 * - `integer`, `real`, `text`: stored and returned as they are;
 * - `json`: stored as JSON text, returned parsed;
 * - `boolean`: stored as 0/1 (SQLite) or a boolean, returned as a boolean;
 * - `timestamp`: stored in the engine's form, returned as ISO-8601 UTC text.
 */
export type ColumnKind = 'id' | 'integer' | 'real' | 'text' | 'json' | 'boolean' | 'timestamp'

/**
 * Column declares one column: its kind, the zod type of its values (`value`, what rows hold;
 * `input`, what writes accept, which may be narrower), and whether it may be NULL and has a
 * database default (both as the migrations create it: a test holds the two against each other).
 */
export interface Column<
  K extends ColumnKind = ColumnKind,
  V extends z.ZodType = z.ZodType,
  I extends z.ZodType = z.ZodType,
  N extends boolean = boolean,
  D extends boolean = boolean,
  W extends boolean = boolean,
> {
  readonly kind: K
  readonly value: V
  readonly input: I
  readonly isNullable: N
  readonly hasDefault: D
  /** Whether writes may set NULL (only where the column is nullable). */
  readonly writesNull: W
  /**
   * nullable declares the column may hold NULL (no NOT NULL in its DDL). With
   * `{ inWrites: false }` rows may hold NULL (written by other programs) but genmedia's writes
   * may not set it: a sort key, or a JSON column whose default is `{}`.
   */
  nullable(): Column<K, V, I, true, D, true>
  nullable(options: { inWrites: false }): Column<K, V, I, true, D, false>
  /** defaulted declares the database fills the column when an insert leaves it out. */
  defaulted(): Column<K, V, I, N, true, W>
  /** check narrows what writes accept (a range, a minimum length); rows are read as they are. */
  check<I2 extends z.ZodType>(narrow: (input: I) => I2): Column<K, V, I2, N, D, W>
  /**
   * constrained narrows the column's values, in rows as in writes: what a CHECK constraint of
   * the database guarantees (`0 <= score AND score <= 10`, `used_flag IN (0, 1)`), so the HTTP
   * API's response schema can say it too (not for timestamps, whose writes also take Dates).
   */
  constrained<V2 extends z.ZodType>(narrow: (value: V) => V2): Column<K, V2, V2, N, D, W>
}

function column<K extends ColumnKind, V extends z.ZodType, I extends z.ZodType>(
  kind: K,
  value: V,
  input: I,
): Column<K, V, I, false, K extends 'id' ? true : false, false> {
  // The builder's type parameters track what each call declares; its values are the same.
  const make = (
    i: z.ZodType,
    isNullable: boolean,
    hasDefault: boolean,
    writesNull: boolean,
    v: z.ZodType = value,
  ): Column<any, any, any, any, any, any> => ({
    kind,
    value: v,
    input: i,
    isNullable,
    hasDefault,
    writesNull,
    nullable: ((options?: { inWrites: false }) =>
      make(i, true, hasDefault, options?.inWrites ?? true, v)) as never,
    defaulted: () => make(i, isNullable, true, writesNull, v),
    check: (narrow: (input: any) => z.ZodType) =>
      make(narrow(i), isNullable, hasDefault, writesNull, v),
    constrained: (narrow: (value: any) => z.ZodType) => {
      const narrowed = narrow(v)
      return make(narrowed, isNullable, hasDefault, writesNull, narrowed)
    },
  })
  return make(input, false, kind === 'id', false) as never
}

/** A timestamp as rows hold it: ISO-8601 UTC text. */
export const isoTimestamp = z.string().describe('ISO-8601 timestamp, UTC')

/** Text as writes give it: at most `max` characters, no NUL (LIMITS). */
const textInput = (max: number) =>
  z
    .string()
    .max(max)
    .refine(...noNul)

/**
 * The column kinds, for table declarations: `{ id: col.id(), prompt: col.text() }`. What writes
 * accept follows one rule for every store (LIMITS): integers are whole numbers JavaScript
 * holds exactly (64-bit columns on both engines), text has no NUL and a declared maximum
 * length (`key` for what is indexed or names something, `text` for free text), JSON nests a
 * bounded number of levels.
 */
export const col = {
  id: () => column('id', z.number().int(), z.number().int()),
  integer: () => column('integer', z.number().int(), z.number().int()),
  real: () => column('real', z.number(), z.number()),
  /** Free text (a prompt, a description): at most LIMITS.text characters. */
  text: () => column('text', z.string(), textInput(LIMITS.text)),
  /** Text that is indexed or names something (a file name, a path, a status): LIMITS.key. */
  key: () => column('text', z.string(), textInput(LIMITS.key)),
  /** A text column holding one of `values` (its CHECK, or the seed's list). */
  enum: <const T extends readonly [string, ...string[]]>(values: T) =>
    column('text', z.enum(values), z.enum(values)),
  json: <S extends z.ZodType>(schema: S) => column('json', schema, storableJson(schema)),
  boolean: () => column('boolean', z.boolean(), z.boolean()),
  timestamp: () => column('timestamp', isoTimestamp, timestampInput),
  /** A JSON column holding a plain object with any keys (`jsonObject`). */
  object: () => column('json', jsonObject, storableJson(jsonObject)),
  /** A name given on write (a topic, a platform, a key): text written trimmed and not empty. */
  name: () => column('text', z.string(), textInput(LIMITS.key)).check((s) => s.trim().min(1)),
  /** A column naming another row by its id: written as a positive whole number. */
  reference: () => column('integer', z.number().int(), z.number().int()).check((s) => s.positive()),
  /**
   * Text set when known (a category, an error, a file name a step writes): NULL until then,
   * written not empty.
   */
  given: () =>
    column('text', z.string(), textInput(LIMITS.text))
      .nullable()
      .check((s) => s.min(1)),
  /** A count or a size in bytes: a whole number written as 0 or more, NULL until known. */
  count: () =>
    column('integer', z.number().int(), z.number().int())
      .nullable()
      .check((s) => s.min(0)),
  /**
   * A fraction (a score, a rate): a number from 0 to 1, in rows as in writes, as the column's
   * CHECK guarantees.
   */
  fraction: () => column('real', z.number(), z.number()).constrained((s) => s.min(0).max(1)),
  /** A running count (attempts, results, images made): a whole number written as 0 or more, 0 by default. */
  counter: () =>
    column('integer', z.number().int(), z.number().int())
      .defaulted()
      .check((s) => s.min(0)),
  /** A measure (a duration, a rate, resource use): a number written as 0 or more, NULL until known. */
  measure: () =>
    column('real', z.number(), z.number())
      .nullable()
      .check((s) => s.min(0)),
}

export type Columns = Record<string, Column>

/**
 * timestamps are the `created_at` and `updated_at` columns many tables keep, both filled by
 * their DEFAULT (`updated_at` then moved by the table's touch trigger), declared once: spread
 * them where the DDL has them, `{ …, ...timestamps, … }`.
 */
export const timestamps = {
  created_at: col.timestamp().defaulted(),
  updated_at: col.timestamp().defaulted(),
}

/**
 * sameColumns declares the columns `names` (a list a store keeps of them, such as its prompt
 * variations) all as `column`, in that order: `{ ...sameColumns(PROMPT_COLUMNS, col.text()) }`.
 */
export function sameColumns<const N extends readonly string[], C extends Column>(
  names: N,
  column: C,
): { [K in N[number]]: C } {
  return Object.fromEntries(names.map((name) => [name, column])) as { [K in N[number]]: C }
}

type Nullable<T, N> = N extends true ? T | null : T

/** ValueOf is the decoded value of a column as rows hold it. */
export type ValueOf<C> =
  C extends Column<any, infer V, any, infer N, any> ? Nullable<z.output<V>, N> : never

/** RowOf is a decoded row of the columns `Cs`: what repositories return. */
export type RowOf<Cs extends Columns> = { -readonly [K in keyof Cs]: ValueOf<Cs[K]> }

/** What a column's value is as the driver returns it and as the codec hands it to the driver. */
type StoredValue<C> =
  C extends Column<infer K, infer V, any, infer N, any>
    ? K extends 'json'
      ? { select: Nullable<string, N>; write: Nullable<string, N> }
      : K extends 'boolean'
        ? { select: Nullable<number | boolean, N>; write: Nullable<boolean, N> }
        : K extends 'timestamp'
          ? // Read back as text; written, and compared against, as a Date.
            { select: Nullable<string | Date, N>; write: Nullable<Date, N> }
          : { select: Nullable<z.output<V>, N>; write: Nullable<z.output<V>, N> }
    : never

/** StoredColumn is a column as Kysely sees it. */
type StoredColumn<C> =
  C extends Column<infer K, any, any, any, infer D>
    ? K extends 'id'
      ? Generated<number>
      : ColumnType<
          StoredValue<C>['select'],
          D extends true ? StoredValue<C>['write'] | undefined : StoredValue<C>['write'],
          StoredValue<C>['write']
        >
    : never

/** StoredOf is the Kysely table type of the columns `Cs`. */
export type StoredOf<Cs extends Columns> = { -readonly [K in keyof Cs]: StoredColumn<Cs[K]> }

/** TablesOf is the Kysely database type of a store's table declarations. */
export type TablesOf<T extends Record<string, Table<any, string>>> = {
  [K in keyof T]: T[K] extends Table<infer Cs, any> ? StoredOf<Cs> : never
}

type InputField<C> =
  C extends Column<any, any, infer I, infer N, infer D, infer W>
    ? W extends true
      ? z.ZodOptional<z.ZodNullable<I>>
      : N extends true
        ? z.ZodOptional<I>
        : D extends true
          ? z.ZodOptional<I>
          : I
    : never

/**
 * The zod shape of an insert: every column but the key. A column that writes may set NULL takes
 * null; one that is NOT NULL without a default is required; the rest may be left out.
 */
export type InsertShape<Cs extends Columns> = {
  -readonly [K in keyof Cs as Cs[K] extends Column<'id'> ? never : K]: InputField<Cs[K]>
}

/** The zod shape of a row as returned. */
export type RowShape<Cs extends Columns> = {
  -readonly [K in keyof Cs]: Cs[K] extends Column<any, infer V, any, infer N, any>
    ? N extends true
      ? z.ZodNullable<V>
      : V
    : never
}

/**
 * EncodeInput is what the codec encodes for one column: the decoded value, or a Date for a
 * timestamp.
 */
export type EncodeInput<C> =
  C extends Column<infer K, any, any, any, any>
    ? K extends 'timestamp'
      ? ValueOf<C> | Date
      : ValueOf<C>
    : never

/** Encoded is the stored form of `V`'s columns, ready for Kysely's `values` or `set`. */
export type Encoded<Cs extends Columns, V> = {
  [K in keyof V]: K extends keyof Cs ? StoredValue<Cs[K]>['write'] : never
}

/**
 * RowCodec converts the rows of one table (or view, or query): `decode` turns a stored row into
 * its decoded form (JSON parsed, booleans as booleans, timestamps as ISO-8601 UTC, the same on
 * both engines); `encode` turns values into what both engines store (JSON as text, timestamps
 * as Dates the engine layer writes in its own form). Nulls stay null; columns the codec does not
 * declare pass through unchanged.
 */
export interface RowCodec<Row, Cs extends Columns = Columns> {
  decode(raw: object): Row
  decodeAll(raws: readonly object[]): Row[]
  encode<V extends { [K in keyof Cs]?: EncodeInput<Cs[K]> | null }>(values: V): Encoded<Cs, V>
  /**
   * encoderOf returns what encodes one non-null value of `column` as `encode` does, or
   * undefined when the column is stored as given. Bulk inserts choose them once per batch.
   */
  encoderOf(column: string): ((value: unknown) => unknown) | undefined
  /**
   * decoderFor returns what `decode` does for rows read as arrays of values, the values of
   * `columns` in that order (better-sqlite3's `raw` rows, pg's `rowMode: 'array'`): built once
   * per statement, it makes each row as one object literal, which costs less than the engine
   * making an object per row and `decode` copying it.
   */
  decoderFor(columns: readonly string[]): (values: readonly unknown[]) => Row
}

/** RowDefinition is a declared row shape: its columns, decoded type, codec and zod schema. */
export interface RowDefinition<Cs extends Columns> {
  readonly columns: Cs
  readonly codec: RowCodec<RowOf<Cs>, Cs>
  /** The zod schema of a decoded row: the HTTP API's response schema. */
  readonly row: z.ZodObject<RowShape<Cs>>
}

/** Table is a declared table: a RowDefinition with its name and derived input schema. */
export interface Table<
  Cs extends Columns = Columns,
  Name extends string = string,
> extends RowDefinition<Cs> {
  readonly name: Name
  /** The names of every column but the key, in declaration order (bulk inserts bind these). */
  readonly writable: readonly Extract<keyof InsertShape<Cs>, string>[]
  /**
   * The zod schema of an insert (strict: unknown keys are refused): each column's input type;
   * a column that is NOT NULL without a default is required, one whose writes may set NULL
   * takes null. Stores pick, omit or extend it for their own inputs.
   */
  readonly insert: z.ZodObject<InsertShape<Cs>, z.core.$strict>
}

/** Row is the decoded row type of a declared table or row shape. */
export type Row<T extends RowDefinition<any>> =
  T extends RowDefinition<infer Cs> ? RowOf<Cs> : never

/**
 * defineRow declares the shape of rows that are not a table's (a view, a query's result): their
 * codec and response schema come from the one declaration.
 */
export function defineRow<const Cs extends Columns>(columns: Cs): RowDefinition<Cs> {
  const shape = Object.fromEntries(
    Object.entries(columns).map(([name, c]) => [name, c.isNullable ? c.value.nullable() : c.value]),
  )
  return { columns, codec: codecOf(columns), row: z.object(shape) as never }
}

/**
 * pickColumns returns the columns `names` of `columns` (a table's), in the order named: the
 * columns of a view or a query's rows that are a table's columns as they are.
 */
export function pickColumns<Cs extends Columns, const K extends keyof Cs & string>(
  columns: Cs,
  names: readonly K[],
): Pick<Cs, K> {
  return Object.fromEntries(names.map((name) => [name, columns[name]])) as Pick<Cs, K>
}

/** The writable columns of `Cs`: those an input may name. */
type InputColumn<Cs extends Columns> = keyof InsertShape<Cs> & string

/** maskOf is the zod mask naming the columns `names`: `{ a: true, b: true }`, in that order. */
function maskOf(names: readonly string[]): Record<string, true> {
  return Object.fromEntries(names.map((name) => [name, true]))
}

/**
 * inputOf is what a write of `table` takes of the columns `names`, in the order named: its
 * insert schema picked, for a store's inputs to extend or make partial
 * (`inputOf(tables.training_sessions, ['name', 'model_path', 'started_at'])`). The columns of
 * `required` must be given, and not null: what a step of a row needs (the file it made, its
 * error).
 */
export function inputOf<
  Cs extends Columns,
  const K extends InputColumn<Cs>,
  const R extends K = never,
>(
  table: Table<Cs>,
  names: readonly K[],
  options: { required?: readonly R[] } = {},
): z.ZodObject<Omit<Pick<InsertShape<Cs>, K>, R> & { [P in R]: Cs[P]['input'] }, z.core.$strict> {
  const required = (options.required ?? []).map((c) => [c, table.columns[c]!.input])
  return insertOf(table).pick(maskOf(names)).extend(Object.fromEntries(required)) as z.ZodObject<
    any,
    z.core.$strict
  >
}

/** inputWithout is what a write of `table` takes of every column but `names` (and the key). */
export function inputWithout<Cs extends Columns, const K extends InputColumn<Cs>>(
  table: Table<Cs>,
  names: readonly K[],
): z.ZodObject<Omit<InsertShape<Cs>, K>, z.core.$strict> {
  return insertOf(table).omit(maskOf(names)) as z.ZodObject<any, z.core.$strict>
}

/** A table's insert schema as any object schema, which any mask of column names may pick from. */
function insertOf(table: Table<any>): z.ZodObject<z.ZodRawShape, z.core.$strict> {
  return table.insert
}

/**
 * defineTables declares a store's tables, each once: `defineTables({ generated_images: {...} })`.
 * Everything else about a table (the Kysely types, decoded rows, codec, input and response
 * schemas) comes from its declaration.
 */
export function defineTables<const T extends Record<string, Columns>>(
  tables: T,
): { [K in keyof T & string]: Table<T[K], K> } {
  return Object.fromEntries(
    Object.entries(tables).map(([name, columns]) => [name, defineTable(name, columns)]),
  ) as never
}

function defineTable<Cs extends Columns>(name: string, columns: Cs): Table<Cs> {
  const writable = Object.keys(columns).filter((c) => columns[c]!.kind !== 'id')
  const insert = Object.fromEntries(
    writable.map((c) => {
      const column = columns[c]!
      if (column.writesNull) return [c, column.input.nullable().optional()]
      const required = !column.isNullable && !column.hasDefault
      return [c, required ? column.input : column.input.optional()]
    }),
  )
  return {
    ...defineRow(columns),
    name,
    writable: writable as never,
    insert: z.strictObject(insert) as never,
  }
}

const decodeJson = (v: unknown) => (typeof v === 'string' ? parseJsonValue(v) : v)
const decodeBoolean = (v: unknown) => (v !== undefined && v !== null ? Boolean(v) : v)
const decodeTimestamp = (v: unknown) => (v !== undefined && v !== null ? toIsoTimestamp(v) : v)
const asStored = (v: unknown) => v

/**
 * decoderOf returns what the codec does to one stored value of a column of `kind` (JSON parsed,
 * booleans as booleans, timestamps as ISO-8601 UTC, the rest as stored): for code that reads
 * rows as arrays of values rather than objects.
 */
export function decoderOf(kind: ColumnKind): (value: unknown) => unknown {
  if (kind === 'json') return decodeJson
  if (kind === 'boolean') return decodeBoolean
  if (kind === 'timestamp') return decodeTimestamp
  return asStored
}

const encodeJson = (value: unknown) => JSON.stringify(value)

/** codecOf builds the codec of `columns`, choosing each column's conversion once. */
function codecOf<Cs extends Columns>(columns: Cs): RowCodec<RowOf<Cs>, Cs> {
  const of = (kind: ColumnKind) => Object.keys(columns).filter((c) => columns[c]!.kind === kind)
  const json = of('json')
  const booleans = of('boolean')
  const timestamps = of('timestamp')
  const encoders = new Map<string, (value: unknown) => unknown>([
    ...json.map((c) => [c, encodeJson] as const),
    ...timestamps.map((c) => [c, (value: unknown) => parseTimestamp(value, c)] as const),
  ])
  const decode = (raw: object): RowOf<Cs> => {
    const row: Record<string, unknown> = { ...raw }
    // Only values there are converted: a column the raw row lacks stays absent.
    for (const c of json) {
      const v = row[c]
      if (v !== undefined && v !== null) row[c] = decodeJson(v)
    }
    for (const c of booleans) {
      const v = row[c]
      if (v !== undefined && v !== null) row[c] = decodeBoolean(v)
    }
    for (const c of timestamps) {
      const v = row[c]
      if (v !== undefined && v !== null) row[c] = decodeTimestamp(v)
    }
    return row as RowOf<Cs>
  }
  return {
    decode,
    decodeAll: (raws) => raws.map(decode),
    encode(values) {
      const out: Record<string, unknown> = { ...values }
      for (const [c, encode] of encoders) {
        const v = out[c]
        if (v !== undefined && v !== null) out[c] = encode(v)
      }
      return out as never
    },
    encoderOf: (c) => encoders.get(c),
    decoderFor: (names) =>
      valuesDecoder(columns, names) as (values: readonly unknown[]) => RowOf<Cs>,
  }
}

/** valuesDecoder is `decode` for rows of `names`' values: each column's decoder, by position. */
function valuesDecoder(
  columns: Columns,
  names: readonly string[],
): (values: readonly unknown[]) => Record<string, unknown> {
  const decoders = names.map((name) => {
    const decode = Object.hasOwn(columns, name) ? decoderOf(columns[name]!.kind) : asStored
    return decode === asStored ? undefined : decode
  })
  return rowBuilder(names, decoders)
}

function parseJsonValue(value: string): unknown {
  try {
    return JSON.parse(value)
  } catch {
    // Rows written by other tools may hold plain text in a JSON column; show it as it is.
    return value
  }
}
