#!/usr/bin/env node
import { readFileSync } from 'node:fs'
import { Command, CommanderError } from 'commander'
import { CliError, EXIT, reportError } from './output.js'
import { registerAdopt } from './commands/adopt.js'
import { registerBackup } from './commands/backup.js'
import { registerBackups } from './commands/backups.js'
import { registerDoctor } from './commands/doctor.js'
import { registerMaintain } from './commands/maintain.js'
import { registerRestore } from './commands/restore.js'
import { registerInit } from './commands/init.js'
import { registerImport } from './commands/import.js'
import { registerMigrate } from './commands/migrate.js'
import { registerStart } from './commands/start.js'
import { registerStores } from './commands/stores.js'
import { registerStoreCommands } from './commands/store-commands.js'
import { registerServe } from './commands/serve.js'
import { registerToken } from './commands/token.js'
import { registerCopy } from './commands/copy.js'
import { registerExport } from './commands/export.js'
import { registerSql } from './commands/sql.js'
import { registerWorker } from './commands/worker.js'
import { registerJobs } from './commands/jobs.js'
import { registerSearch } from './commands/search.js'

const program = new Command()
  .name('genmedia')
  .description(
    'The data layer of generative-media pipelines: ready-made stores on SQLite (default) or PostgreSQL.\n' +
      'Locations come from GENMEDIA_DATA_DIR, GENMEDIA_DATABASE_URL and GENMEDIA_<STORE>_URL (see README).',
  )
  .version(packageVersion(), '-V, --version', 'print the version of genmedia')
  // Parse errors come back here as CommanderErrors, reported in one line like any other error.
  .exitOverride()
  .configureOutput({ writeErr: () => {} })

registerInit(program)
registerAdopt(program)
registerImport(program)
registerMigrate(program)
registerStores(program)
registerStart(program)
registerServe(program)
registerToken(program)
registerStoreCommands(program)
registerBackup(program)
registerRestore(program)
registerBackups(program)
registerDoctor(program)
registerMaintain(program)
registerCopy(program)
registerExport(program)
registerSql(program)
registerWorker(program)
registerJobs(program)
registerSearch(program)

try {
  await program.parseAsync(process.argv)
} catch (error) {
  if (!(error instanceof CommanderError)) throw error
  process.exitCode =
    error.code === 'commander.helpDisplayed' || error.code === 'commander.version'
      ? EXIT.ok
      : reportError(usageError(error, process.argv.slice(2)), process.argv.includes('--json'))
}

/** packageVersion is the version in genmedia's package.json (two folders up, from src/ or dist/). */
function packageVersion(): string {
  const url = new URL('../../package.json', import.meta.url)
  return (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version
}

/**
 * usageError turns commander's parse error into one line with exit code 2: commander's own
 * message without its "error: " prefix, or, where a command group was given no command
 * (`genmedia token`), which one to name; each ends by pointing at that command's --help.
 */
function usageError(error: CommanderError, args: readonly string[]): CliError {
  const path = commandPath(args)
  const help = `see genmedia ${path.length ? `${path.join(' ')} ` : ''}--help`
  const message =
    error.code === 'commander.help'
      ? path.length
        ? `${path.join(' ')} needs a command`
        : 'name a command'
      : // commander puts its "(Did you mean …?)" on a line of its own: one line, as every error.
        error.message.replace(/^error: /, '').replace(/\s*\n\s*/g, ' ')
  return new CliError(`${message}; ${help}`, EXIT.usage, 'usage')
}

/** commandPath is the commands named at the start of `args` (`migrate up`), as far as they exist. */
function commandPath(args: readonly string[]): string[] {
  const path: string[] = []
  let command: Command = program
  for (const arg of args) {
    const sub = command.commands.find((c) => c.name() === arg || c.aliases().includes(arg))
    if (!sub) break
    path.push(arg)
    command = sub
  }
  return path
}
