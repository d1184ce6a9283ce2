import { resolve } from 'node:path'
import type { Location } from '../engine.js'

/** SqliteLocation is a SQLite file: a path, optionally written `sqlite:<path>`. */
export interface SqliteLocation extends Location {
  readonly engine: 'sqlite'
  /** The file, absolute; or `:memory:`. */
  readonly path: string
}

const PREFIX = 'sqlite:'

function pathOf(text: string): string {
  return text.startsWith(PREFIX) ? text.slice(PREFIX.length) : text
}

/** parseSqliteLocation reads a SQLite location; every location that is no URL of another engine is one. */
export function parseSqliteLocation(text: string): SqliteLocation {
  const given = pathOf(text)
  const path = given === ':memory:' ? given : resolve(given)
  return { engine: 'sqlite', text, origin: path, redacted: text, schema: undefined, path }
}

/** sqliteFilePath is the file of a SQLite location (`sqlite:` prefix allowed), absolute. */
export function sqliteFilePath(location: string): string {
  return resolve(pathOf(location))
}

/** absoluteSqliteLocation resolves a relative path against `cwd`; `:memory:` stays as it is. */
export function absoluteSqliteLocation(location: SqliteLocation, cwd: string): string {
  const given = pathOf(location.text)
  return given === ':memory:' ? given : resolve(cwd, given)
}
