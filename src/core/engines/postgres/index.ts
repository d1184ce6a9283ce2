import type { Engine } from '../engine.js'
import { postgresAdoption } from './adopt.js'
import { postgresTransfer } from './transfer.js'
import { postgresBackupEngine } from './backup.js'
import { postgresChecks } from './checks.js'
import {
  connectPostgres,
  dropPostgres,
  isMissingTable,
  postgresExists,
  reuseStatement,
} from './connection.js'
import { postgresDialect } from './dialect.js'
import { postgresDoctor } from './doctor.js'
import { prepareNamed } from './prepared.js'
import { introspectPostgres } from './introspect.js'
import {
  parsePostgresLocation,
  readOnlyPostgresLocation,
  type PostgresLocation,
} from './location.js'
import { postgresMaintenance, postgresSizeBytes } from './maintenance.js'

export type { PostgresLocation } from './location.js'

/**
 * postgresEngine: a store is one schema on a PostgreSQL server, reached through a `pg` pool
 * whose sessions work inside that schema and in UTC. Every statement goes through Kysely but
 * the prepared queries' (`prepareQuery`): named prepared statements on the pool's connections,
 * as are the bulk inserts' multi-row INSERTs (`reuseStatement`).
 */
export const postgresEngine: Engine<PostgresLocation> = {
  name: 'postgres',
  dialect: postgresDialect,
  sharesLocation: true,
  parseLocation: parsePostgresLocation,
  absoluteLocation: (location) => location.text,
  readOnlyLocation: readOnlyPostgresLocation,
  connect: connectPostgres,
  exists: postgresExists,
  drop: dropPostgres,
  sizeBytes: postgresSizeBytes,
  isMissingTable,
  bindValue: (value) => value,
  prepareQuery: prepareNamed,
  reuseStatement,
  introspect: introspectPostgres,
  doctor: postgresDoctor,
  transfer: postgresTransfer,
  adoption: postgresAdoption,
  checks: postgresChecks,
  maintenance: postgresMaintenance,
  // Read when used: backup.ts imports the store module, which imports the engines.
  get backup() {
    return postgresBackupEngine
  },
}
