import type { Command } from 'commander'
import { ValidationError, type StoreCommand, type StoreDefinition } from '../../core/index.js'
import { STORES } from '../../stores/registry.js'
import { CliError, printJson, printTable, run, type OutputOptions } from '../output.js'
import { openExistingStore } from '../stores.js'

/**
 * registerStoreCommands adds `genmedia <store> <command>` for every store that declares upkeep
 * tasks (StoreDefinition.commands): each with its own options and `--json`.
 */
export function registerStoreCommands(program: Command): void {
  for (const definition of STORES) {
    const commands = definition.commands ?? []
    if (commands.length === 0) continue
    const group = program
      .command(definition.name)
      .description(
        `upkeep of the ${definition.name} store (seed ${definition.seed}): ` +
          commands.map((c) => c.name).join(', '),
      )
    for (const command of commands) {
      const sub = group.command(command.name).description(command.description)
      for (const option of command.options ?? []) sub.option(option.flags, option.description)
      sub
        .option('--json', 'print JSON')
        .action(
          run(async (options: OutputOptions & Record<string, string | true | undefined>) =>
            runStoreCommand(definition, command, options),
          ),
        )
    }
  }
}

async function runStoreCommand(
  definition: StoreDefinition,
  command: StoreCommand,
  { json, ...options }: OutputOptions & Record<string, string | true | undefined>,
): Promise<number | undefined> {
  const store = await openExistingStore(definition)
  try {
    const outcome = await command.run(store, options).catch((error: unknown) => {
      // A bad option value is a usage error.
      throw error instanceof ValidationError ? new CliError(error.message, 2, error.code) : error
    })
    if (json) {
      printJson({ store: definition.name, location: store.db.location, ...outcome.json })
    } else {
      for (const line of outcome.lines) process.stdout.write(`${line}\n`)
      const [first] = outcome.table ?? []
      if (first) {
        const columns = Object.keys(first).map((key) => [
          key,
          (row: Record<string, unknown>) => row[key],
        ])
        printTable(outcome.table!, Object.fromEntries(columns))
      }
    }
    return outcome.exitCode
  } finally {
    await store.close()
  }
}
