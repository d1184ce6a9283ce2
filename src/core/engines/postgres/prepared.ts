import type { CompiledQuery } from 'kysely'
import type pg from 'pg'
import type { Database } from '../../database.js'
import { preparedOf, type PreparedQuery, type RowDecoding } from '../../prepared.js'
import { connectionTag, sessionOf, statementName, TYPES } from './connection.js'
import { knownColumnsOf, queryKnownRows, type KnownColumns } from './known-rows.js'

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
 * statement's columns, in one step; once the columns are known, runs on a connection that has
 * parsed the statement skip PostgreSQL's description of them (known-rows.ts).
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
  // The result's columns as the last described run gave them, with their parsers and decoder.
  let known: KnownColumns | undefined
  let decodeValues: ((values: readonly unknown[]) => Row) | undefined
  const learn = (fields: readonly pg.FieldDef[]) => {
    const sameColumns = known !== undefined && sameNames(fields, known.names)
    // Parsers from every description: a column's type may change under the same name.
    known = knownColumnsOf(fields, TYPES)
    if (!sameColumns) decodeValues = decoding!.decoderFor(known.names)
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
      if (!known) {
        const result = await client.query<unknown[]>({
          name: statement,
          text,
          values,
          rowMode: 'array',
        })
        learn(result.fields)
        return result.rows.map(decodeValues!)
      }
      // Known columns: run without PostgreSQL describing them again (known-rows.ts).
      const { rows, fields } = await queryKnownRows(
        client,
        { name: statement, text, values },
        known,
      )
      if (fields) learn(fields)
      return rows.map(decodeValues!)
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
