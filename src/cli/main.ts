#!/usr/bin/env node
import { Command } from 'commander'
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
  .showHelpAfterError()

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

await program.parseAsync(process.argv)
