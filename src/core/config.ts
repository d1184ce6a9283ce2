import { existsSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { parseEnv } from 'node:util'
import { engineFor } from './engines/index.js'
import { ConfigError } from './errors.js'

export type Env = Readonly<Record<string, string | undefined>>

/** The file whose variables are read as settings when the environment does not set them (seed 002). */
export const DOTENV_FILE = join('config', '.env')

/** dataDir is GENMEDIA_DATA_DIR, default `./data`, as an absolute path. */
export function dataDir(env: Env = process.env, cwd = process.cwd()): string {
  return resolve(cwd, env.GENMEDIA_DATA_DIR || 'data')
}

/**
 * readDotEnv reads `config/.env` under `cwd`, or returns {} when there is none. A malformed file
 * throws ConfigError naming it.
 */
export function readDotEnv(cwd = process.cwd()): Record<string, string> {
  const path = resolve(cwd, DOTENV_FILE)
  if (!existsSync(path)) return {}
  try {
    return parseEnv(readFileSync(path, 'utf8')) as Record<string, string>
  } catch (error) {
    throw new ConfigError(`cannot read ${path}: ${(error as Error).message}`)
  }
}

/** storeUrlVariable is the per-store setting: `GENMEDIA_IMAGE_GEN_URL` for `image-gen`. */
export function storeUrlVariable(storeName: string): string {
  return `GENMEDIA_${storeName.toUpperCase().replace(/-/g, '_')}_URL`
}

export interface StoreLocationSpec {
  name: string
  defaultFile: string
  /** The seed's own variables for this store's path, e.g. TRENDS_DB_PATH. */
  legacyEnv?: readonly string[]
}

export interface ResolvedLocation {
  /** A SQLite file path (absolute) or a postgres:// URL. */
  location: string
  /** Which setting decided it: a variable name, `config/.env: NAME`, or `default`. */
  source: string
}

/**
 * resolveStoreLocation decides where a store lives, first match wins:
 * GENMEDIA_<STORE>_URL; the seed's own variables (environment, then config/.env);
 * GENMEDIA_DATABASE_URL; `<GENMEDIA_DATA_DIR>/<default file>`. Relative paths are taken from `cwd`.
 */
export function resolveStoreLocation(
  spec: StoreLocationSpec,
  env: Env = process.env,
  cwd = process.cwd(),
): ResolvedLocation {
  const own = storeUrlVariable(spec.name)
  const local = (value: string): string => {
    const { engine, location } = engineFor(value)
    return engine.absoluteLocation(location, cwd)
  }
  if (env[own]) return { location: local(env[own]!), source: own }
  if (spec.legacyEnv?.length) {
    for (const name of spec.legacyEnv) {
      if (env[name]) return { location: local(env[name]!), source: name }
    }
    const dotenv = readDotEnv(cwd)
    for (const name of spec.legacyEnv) {
      if (dotenv[name]) return { location: local(dotenv[name]), source: `${DOTENV_FILE}: ${name}` }
    }
  }
  if (env.GENMEDIA_DATABASE_URL) {
    const url = env.GENMEDIA_DATABASE_URL
    // One location for every store: only an engine that keeps many stores at one location.
    if (!engineFor(url).engine.sharesLocation) {
      throw new ConfigError(`GENMEDIA_DATABASE_URL must be a postgres:// URL, got ${url}`)
    }
    return { location: url, source: 'GENMEDIA_DATABASE_URL' }
  }
  return { location: join(dataDir(env, cwd), spec.defaultFile), source: 'default' }
}

/** StoreLocationOptions are the settings that name where a store lives, as commands pass them. */
export interface StoreLocationOptions {
  /** A SQLite file or a postgres:// URL; without it, resolveStoreLocation decides. */
  location?: string
  env?: Env
  cwd?: string
}

/**
 * storeLocationFrom is `options.location` when given, else where resolveStoreLocation puts the
 * store (from `options.env` and `options.cwd`).
 */
export function storeLocationFrom(spec: StoreLocationSpec, options: StoreLocationOptions): string {
  return options.location ?? resolveStoreLocation(spec, options.env, options.cwd).location
}
