import type { CompiledQuery } from 'kysely'
import type pg from 'pg'
import type { Database } from '../../database.js'
import { preparedOf, type PreparedQuery, type RowDecoding } from '../../prepared.js'
import { connectionTag, sessionOf, statementName } from './connection.js'

/** PostgreSQL's feature_not_supported, which a cached plan raises when its result type changed. */
const STALE_PLAN = '0A000'

/**
 * prepareNamed is PostgreSQL's PreparedQuery: each run goes to a pool connection (set up as
 * Kysely's are: the store's schema, UTC) as a named prepared statement, which pg parses once per
 * connection and then only binds and executes. Through Kysely every run sent its text to be
 * parsed and planned again, and went through Kysely's driver. Under `captureQueries` (so that
 * Kysely's log sees the statement) it runs through `viaKysely`. A statement whose cached plan
 * went stale (a migration changed its table's columns) is prepared again under a new name.
 * Given `decoding`, rows are read as arrays of values and decoded by `decoding.decoderFor` the
 * statement's columns, in one step.
 */
export function prepareNamed<Row>(
  db: Database,
  compile: () => CompiledQuery,
  viaKysely: (parameters: readonly unknown[]) => Promise<Row[]>,
  decoding?: RowDecoding<Row>,
): PreparedQuery<Row> | undefined {
  const session = db.pgPool && sessionOf(db.pgPool)
  if (!session) return undefined
  let name: string | undefined
  let generation = 0
  let columns: readonly string[] = []
  let decodeValues: ((values: readonly unknown[]) => Row) | undefined
  const decodeAll = (fields: readonly pg.FieldDef[], rows: unknown[][]): Row[] => {
    if (!decodeValues || !sameNames(fields, columns)) {
      columns = fields.map((f) => f.name)
      decodeValues = decoding!.decoderFor(columns)
    }
    return rows.map(decodeValues)
  }

  const run = async (parameters: readonly unknown[]): Promise<Row[]> => {
    if (db.capturing) return viaKysely(parameters)
    const text = compile().sql
    name ??= statementName(text)
    const client = await session.connect()
    try {
      const values = parameters as unknown[]
      const statement = `${name}_${connectionTag(client)}_${generation}`
      if (!decoding) {
        return (await client.query<Row & pg.QueryResultRow>({ name: statement, text, values })).rows
      }
      const result = await client.query<unknown[]>({
        name: statement,
        text,
        values,
        rowMode: 'array',
      })
      return decodeAll(result.fields, result.rows)
    } catch (error) {
      if ((error as { code?: string }).code === STALE_PLAN) {
        generation++
        return viaKysely(parameters)
      }
      throw db.translateError(error)
    } finally {
      client.release()
    }
  }

  return preparedOf(compile, run)
}

function sameNames(fields: readonly pg.FieldDef[], names: readonly string[]): boolean {
  if (fields.length !== names.length) return false
  for (let i = 0; i < names.length; i++) if (fields[i]!.name !== names[i]) return false
  return true
}
