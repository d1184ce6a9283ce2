import type { Kysely } from 'kysely'
import type { Database } from './database.js'

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
}
