import { ValidationError, type StoreCommand } from '../../core/index.js'
import { daysSchema } from './inputs.js'
import { MAINTENANCE, MAINTENANCE_TASKS, summaryOf } from './maintenance.js'
import type { ArchiveRepository } from './repository.js'

/**
 * The archive store's commands: `genmedia archive <task> [--dry-run] [--older-than <days>]`,
 * one per maintenance task (seed 003 §6), each made from its declaration.
 */
export const archiveCommands: StoreCommand<ArchiveRepository>[] = MAINTENANCE_TASKS.map((task) => {
  const { method, description, defaultAgeDays, olderThan } = MAINTENANCE[task]
  return {
    name: task,
    description,
    options: [
      { flags: '--dry-run', description: 'count what would change, change nothing' },
      {
        flags: '--older-than <days>',
        description:
          defaultAgeDays === undefined
            ? (olderThan ?? 'age limit in days')
            : `age limit in days (default ${defaultAgeDays})`,
      },
    ],
    async run(store, options) {
      const olderThanDays = parseDays(options.olderThan)
      const report = await store.repo[method]({ dryRun: options.dryRun === true, olderThanDays })
      return {
        json: { ...report },
        lines: [summaryOf(report)],
        table: Object.entries(report.counts).map(([name, rows]) => ({
          what: name.replace(/_/g, ' '),
          rows,
        })),
      }
    },
  }
})

/** parseDays reads `--older-than`: a whole number of days, at most daysSchema's maximum. */
function parseDays(value: string | true | undefined): number | undefined {
  if (value === undefined) return undefined
  const text = String(value).trim()
  if (!/^\d+$/.test(text)) {
    throw new ValidationError(
      `--older-than must be a whole number of days, got ${String(value)}`,
      'older-than',
    )
  }
  const days = Number(text)
  if (!daysSchema.safeParse(days).success) {
    throw new ValidationError(
      `--older-than must be a whole number of days up to ${daysSchema.maxValue}, got ${text}`,
      'older-than',
    )
  }
  return days
}
