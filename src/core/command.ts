import type { OpenStore } from './store.js'

/** CommandOption is one option of a store command, as `--flag <value>` or a bare `--flag`. */
export interface CommandOption {
  /** `--older-than <days>` (takes a value) or `--dry-run` (a switch). */
  flags: string
  description: string
}

/** CommandOutcome is what a store command reports: JSON for `--json`, text for people. */
export interface CommandOutcome {
  /** Printed under `--json`, after `store` and `location`. */
  json: Record<string, unknown>
  /** Lines printed for people, then `table` when given. */
  lines: readonly string[]
  /** Rows printed as a table for people (`what` and `rows`, …). */
  table?: readonly Record<string, unknown>[]
  /** The exit code (default 0). */
  exitCode?: number
}

/**
 * StoreCommand is an upkeep task of one store, run as `genmedia <store> <name> [options]` on an
 * existing store (the CLI refuses to create one for it). It is independent of the CLI library,
 * as ApiRoute is of the HTTP server: the CLI adds `--json`, opens the store, runs it and prints
 * its outcome. Bad option values throw ValidationError naming the option (exit 2).
 */
export interface StoreCommand<Repo = unknown> {
  name: string
  description: string
  options?: readonly CommandOption[]
  run(
    store: OpenStore<Repo>,
    options: Readonly<Record<string, string | true | undefined>>,
  ): Promise<CommandOutcome>
}
