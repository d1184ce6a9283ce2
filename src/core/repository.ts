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
}
