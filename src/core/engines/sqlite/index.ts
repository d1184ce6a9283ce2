import type { Engine } from '../engine.js'
import { sqliteTransfer } from './transfer.js'
import { sqliteAdoption } from './adopt.js'
import { sqliteBackupEngine } from './backup.js'
import { sqliteChecks } from './checks.js'
import { insertDirect } from './bulk.js'
import {
  connectSqlite,
  dropSqlite,
  isMissingTable,
  sqliteExists,
  toSqliteValue,
} from './connection.js'
import { sqliteDialect } from './dialect.js'
import { sqliteDoctor } from './doctor.js'
import { introspectSqlite } from './introspect.js'
import { absoluteSqliteLocation, parseSqliteLocation, type SqliteLocation } from './location.js'
import { sqliteMaintenance, sqliteSizeBytes } from './maintenance.js'
import { prepareDirect } from './prepared.js'

export type { SqliteLocation } from './location.js'

/**
 * sqliteEngine: a store is one SQLite file, opened with genmedia's pragmas through a statement
 * cache; bulk inserts and prepared reads run straight on better-sqlite3 where they can.
 */
export const sqliteEngine: Engine<SqliteLocation> = {
  name: 'sqlite',
  dialect: sqliteDialect,
  sharesLocation: false,
  parseLocation: parseSqliteLocation,
  absoluteLocation: absoluteSqliteLocation,
  readOnlyLocation: (location) => location.text,
  connect: connectSqlite,
  exists: sqliteExists,
  drop: dropSqlite,
  sizeBytes: sqliteSizeBytes,
  isMissingTable,
  bindValue: toSqliteValue,
  insertDirect,
  prepareQuery: prepareDirect,
  introspect: introspectSqlite,
  doctor: sqliteDoctor,
  transfer: sqliteTransfer,
  maintenance: sqliteMaintenance,
  // Read when used: backup.ts imports the store module, which imports the engines.
  adoption: sqliteAdoption,
  checks: sqliteChecks,
  get backup() {
    return sqliteBackupEngine
  },
}
