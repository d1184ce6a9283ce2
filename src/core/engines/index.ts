import type { BackupEngine } from '../backup/engine.js'
import type { SqlDialect } from '../dialect.js'
import type { Engine, EngineName, Location } from './engine.js'
import { postgresEngine } from './postgres/index.js'
import { sqliteEngine } from './sqlite/index.js'

export type * from './engine.js'
export { sqliteEngine, type SqliteLocation } from './sqlite/index.js'
export { postgresEngine, type PostgresLocation } from './postgres/index.js'

let engines: readonly Engine[] | undefined

/**
 * allEngines lists the engines, in the order engineFor asks them to read a location: SQLite
 * last, since every location that is no URL of another engine is a SQLite path. Built on first
 * use: the engine modules import this one back (through the store module their backups open).
 */
export function allEngines(): readonly Engine[] {
  return (engines ??= [postgresEngine, sqliteEngine])
}

/** EngineAt is a location parsed by its engine, with that engine. */
export interface EngineAt {
  readonly engine: Engine
  readonly location: Location
}

/**
 * engineFor parses a location once: a `postgres://` or `postgresql://` URL (with `?schema=`) is
 * PostgreSQL's, anything else a SQLite path (`sqlite:` prefix allowed). Returns the engine and
 * the parsed location to hand to it.
 */
export function engineFor(location: string): EngineAt {
  for (const engine of allEngines()) {
    const parsed = engine.parseLocation(location)
    if (parsed) return { engine, location: parsed }
  }
  throw new Error(`no engine reads the location ${location}`)
}

/** engineNamed returns the engine of that name (a backup manifest's, for one). */
export function engineNamed(name: EngineName): Engine {
  const engine = allEngines().find((e) => e.name === name)
  if (!engine) throw new Error(`no engine named ${name}`)
  return engine
}

export function dialectFor(engine: EngineName): SqlDialect {
  return engineNamed(engine).dialect
}

/** The backup engine of each engine, by name; read when used. */
export const BACKUP_ENGINES: Record<EngineName, BackupEngine> = Object.defineProperties(
  {} as Record<EngineName, BackupEngine>,
  {
    sqlite: { enumerable: true, get: () => sqliteEngine.backup },
    postgres: { enumerable: true, get: () => postgresEngine.backup },
  } satisfies Record<EngineName, PropertyDescriptor>,
)
