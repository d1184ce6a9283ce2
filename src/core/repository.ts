import type { Kysely, Selectable, SelectType } from 'kysely'
import type { Database } from './database.js'
import { NotFoundError } from './errors.js'

/**
 * StoreRepository is what every store's repository builds on: the store's database (`db`, for
 * transactions, raw SQL and the core's helpers) and its Kysely instance (`k`), for the
 * repository's own methods and those of the classes that extend it.
 */
export class StoreRepository<DB> {
  protected readonly db: Database<DB>
  protected readonly k: Kysely<DB>

  constructor(db: Database<DB>) {
    this.db = db
    this.k = db.kysely
  }

  /**
   * rowWhere returns the row of `table` whose `column` is `value` (a unique column: a file name,
   * an email, a key), as stored, or throws NotFoundError with the message `missing`.
   */
  protected async rowWhere<T extends keyof DB & string, C extends keyof DB[T] & string>(
    table: T,
    column: C,
    value: SelectType<DB[T][C]>,
    missing: string,
  ): Promise<Selectable<DB[T]>> {
    // Any table of any database will do inside; the caller's DB types the row.
    const name: string = column
    const row: unknown = await (this.k as Kysely<any>)
      .selectFrom(table)
      .selectAll()
      .where(name, '=', value)
      .executeTakeFirst()
    if (!row) throw new NotFoundError(missing)
    return row as Selectable<DB[T]>
  }

  /**
   * rowsWhere returns the rows of `table` whose `column` is `value` (the rows under a parent: a
   * video's uses, an image's prompt sets), as stored, ordered by the columns `orderBy`.
   */
  protected async rowsWhere<T extends keyof DB & string, C extends keyof DB[T] & string>(
    table: T,
    column: C,
    value: SelectType<DB[T][C]>,
    orderBy: readonly (keyof DB[T] & string)[],
  ): Promise<Selectable<DB[T]>[]> {
    const name: string = column
    let query = (this.k as Kysely<any>).selectFrom(table).selectAll().where(name, '=', value)
    for (const order of orderBy) query = query.orderBy(order)
    return (await query.execute()) as Selectable<DB[T]>[]
  }

  /**
   * countPerValue returns how many rows of `table` hold each of `values` in `column`, every
   * value present (0 where none does): the rows counted, or with `sumOf` the sum of that column
   * (a summary table's running total, which triggers keep, instead of a count of every row).
   */
  protected async countPerValue<T extends keyof DB & string>(
    table: T,
    column: keyof DB[T] & string,
    values: readonly string[],
    sumOf?: keyof DB[T] & string,
  ): Promise<Record<string, number>> {
    const from: string = table
    const name: string = column
    const rows: Record<string, unknown>[] = await (this.k as Kysely<any>)
      .selectFrom(from)
      .select(name)
      .select((eb) => (sumOf === undefined ? eb.fn.countAll() : eb.fn.sum(sumOf)).as('count'))
      .groupBy(name)
      .execute()
    const counts: Record<string, number> = Object.fromEntries(values.map((v) => [v, 0]))
    for (const row of rows) counts[String(row[name])] = Number(row.count)
    return counts
  }
}
