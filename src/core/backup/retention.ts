import { ValidationError } from '../errors.js'

/**
 * RetentionPolicy says which backups to keep: the last `keep` (seed 003 keeps 10), or
 * grandfather-father-son (seed 004: daily for 7 days, weekly for a month, monthly for a year).
 */
export type RetentionPolicy =
  { keep: number } | { daily?: number; weekly?: number; monthly?: number; yearly?: number }

/** RetentionCandidate is what retention needs to know of one backup. */
export interface RetentionCandidate {
  name: string
  createdAt: Date
  /** Only verified backups count toward what is kept. */
  verified: boolean
}

export interface RetentionDecision {
  /** Names to keep, newest first. */
  keep: string[]
  /** Names to delete, newest first: everything not kept, unverified backups included. */
  prune: string[]
}

const PERIODS = ['daily', 'weekly', 'monthly', 'yearly'] as const
type Period = (typeof PERIODS)[number]

/**
 * applyRetention decides which backups a policy keeps. Only verified backups are kept: an
 * unverified (corrupt) one never counts toward the policy and is always pruned. With `keep: N`
 * the N newest verified backups are kept. With periods, for each of the last `daily` days (and
 * `weekly` ISO weeks, `monthly` months, `yearly` years, in UTC) that have a verified backup, the
 * newest backup of that period is kept; the union is kept. The newest verified backup is always
 * kept. Pure: it reads no clock and no files.
 */
export function applyRetention(
  backups: readonly RetentionCandidate[],
  policy: RetentionPolicy,
): RetentionDecision {
  const sorted = [...backups].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())
  const verified = sorted.filter((b) => b.verified)
  const kept = new Set<string>()
  if ('keep' in policy) {
    for (const b of verified.slice(0, policy.keep)) kept.add(b.name)
  } else {
    for (const period of PERIODS) {
      const count = policy[period] ?? 0
      const seen = new Set<string>()
      for (const b of verified) {
        if (seen.size >= count) break
        const key = periodKey(b.createdAt, period)
        if (seen.has(key)) continue
        seen.add(key)
        kept.add(b.name)
      }
    }
  }
  if (verified[0]) kept.add(verified[0].name)
  return {
    keep: sorted.filter((b) => kept.has(b.name)).map((b) => b.name),
    prune: sorted.filter((b) => !kept.has(b.name)).map((b) => b.name),
  }
}

/** periodKey names the UTC day, ISO week, month or year a time falls in. */
function periodKey(at: Date, period: Period): string {
  const iso = at.toISOString()
  switch (period) {
    case 'daily':
      return iso.slice(0, 10)
    case 'monthly':
      return iso.slice(0, 7)
    case 'yearly':
      return iso.slice(0, 4)
    case 'weekly': {
      // ISO week: the week belongs to the year of its Thursday.
      const day = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()))
      const weekday = day.getUTCDay() || 7
      day.setUTCDate(day.getUTCDate() + 4 - weekday)
      const yearStart = Date.UTC(day.getUTCFullYear(), 0, 1)
      const week = Math.ceil(((day.getTime() - yearStart) / 86_400_000 + 1) / 7)
      return `${day.getUTCFullYear()}-W${String(week).padStart(2, '0')}`
    }
  }
}

/**
 * parseRetention reads the CLI's `--keep N` or `--retain daily=7,weekly=4,monthly=12`; returns
 * undefined when neither is given and throws ValidationError naming the option otherwise.
 */
export function parseRetention(options: {
  keep?: string
  retain?: string
}): RetentionPolicy | undefined {
  if (options.keep !== undefined && options.retain !== undefined) {
    throw new ValidationError('give either --keep or --retain, not both', 'keep')
  }
  if (options.keep !== undefined) {
    const keep = Number(options.keep)
    if (!Number.isInteger(keep) || keep < 1) {
      throw new ValidationError(
        `--keep must be a whole number of at least 1, got ${options.keep}`,
        'keep',
      )
    }
    return { keep }
  }
  if (options.retain === undefined) return undefined
  const policy: Partial<Record<Period, number>> = {}
  for (const part of options.retain.split(',')) {
    const [name, value] = part.split('=').map((s) => s.trim())
    const count = Number(value)
    if (!PERIODS.includes(name as Period) || !Number.isInteger(count) || count < 0) {
      throw new ValidationError(
        `--retain takes period=count pairs with periods ${PERIODS.join(', ')} (e.g. daily=7,weekly=4,monthly=12), got ${part}`,
        'retain',
      )
    }
    policy[name as Period] = count
  }
  if (!Object.values(policy).some((n) => n > 0)) {
    throw new ValidationError('--retain must keep at least one period', 'retain')
  }
  return policy
}
