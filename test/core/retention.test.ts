import { describe, expect, it } from 'vitest'
import {
  applyRetention,
  parseRetention,
  type RetentionCandidate,
} from '../../src/core/backup/index.js'
import { ValidationError } from '../../src/core/index.js'

/** One backup a day at 02:00 UTC (seed 004's cron) through 2025, named by its date. */
function yearOfDailyBackups(): RetentionCandidate[] {
  const backups: RetentionCandidate[] = []
  for (let day = new Date(Date.UTC(2025, 0, 1, 2)); day.getUTCFullYear() === 2025;) {
    backups.push({ name: day.toISOString().slice(0, 10), createdAt: new Date(day), verified: true })
    day = new Date(day.getTime() + 86_400_000)
  }
  return backups
}

describe('retention', () => {
  it('keeps the last N verified backups (seed 003: 10)', () => {
    const backups = yearOfDailyBackups()
    const decision = applyRetention(backups, { keep: 10 })
    expect(decision.keep).toEqual([
      '2025-12-31',
      '2025-12-30',
      '2025-12-29',
      '2025-12-28',
      '2025-12-27',
      '2025-12-26',
      '2025-12-25',
      '2025-12-24',
      '2025-12-23',
      '2025-12-22',
    ])
    expect(decision.prune).toHaveLength(365 - 10)
    expect(new Set([...decision.keep, ...decision.prune]).size).toBe(365)
  })

  it('keeps daily for 7 days, weekly for 4 weeks and monthly for 12 months (seed 004) on a year of daily backups', () => {
    const backups = yearOfDailyBackups()
    expect(backups).toHaveLength(365)
    const decision = applyRetention(backups, { daily: 7, weekly: 4, monthly: 12 })
    expect([...decision.keep].sort()).toEqual([
      // monthly: the newest backup of each month
      '2025-01-31',
      '2025-02-28',
      '2025-03-31',
      '2025-04-30',
      '2025-05-31',
      '2025-06-30',
      '2025-07-31',
      '2025-08-31',
      '2025-09-30',
      '2025-10-31',
      '2025-11-30',
      // weekly: the newest of each of the last 4 ISO weeks (2026-W01 starts Monday 29 December;
      // its newest is 31 December, also daily and monthly)
      '2025-12-14',
      '2025-12-21',
      // daily: the last 7 days (28 December is also the newest of week 2025-W52)
      '2025-12-25',
      '2025-12-26',
      '2025-12-27',
      '2025-12-28',
      '2025-12-29',
      '2025-12-30',
      '2025-12-31',
    ])
    expect(decision.prune).toHaveLength(365 - 20)
  })

  it('never counts an unverified backup and always keeps the newest verified one', () => {
    const backups = yearOfDailyBackups().map((b) => ({
      ...b,
      // The last three days' backups are corrupt.
      verified: b.name < '2025-12-29',
    }))
    const keepThree = applyRetention(backups, { keep: 3 })
    expect(keepThree.keep).toEqual(['2025-12-28', '2025-12-27', '2025-12-26'])
    expect(keepThree.prune).toEqual(
      expect.arrayContaining(['2025-12-31', '2025-12-30', '2025-12-29']),
    )

    const gfs = applyRetention(backups, { daily: 2 })
    expect(gfs.keep).toEqual(['2025-12-28', '2025-12-27'])

    const monthlyOnly = applyRetention(backups, { monthly: 1 })
    expect(monthlyOnly.keep).toEqual(['2025-12-28'])

    const noneVerified = applyRetention(
      backups.map((b) => ({ ...b, verified: false })),
      { keep: 5 },
    )
    expect(noneVerified.keep).toEqual([])
  })

  it('reads --keep and --retain, naming the option that is wrong', () => {
    expect(parseRetention({})).toBeUndefined()
    expect(parseRetention({ keep: '10' })).toEqual({ keep: 10 })
    expect(parseRetention({ retain: 'daily=7,weekly=4,monthly=12' })).toEqual({
      daily: 7,
      weekly: 4,
      monthly: 12,
    })
    for (const [options, field] of [
      [{ keep: '0' }, 'keep'],
      [{ keep: 'ten' }, 'keep'],
      [{ retain: 'hourly=3' }, 'retain'],
      [{ retain: 'daily=-1' }, 'retain'],
      [{ retain: 'daily=0' }, 'retain'],
      [{ keep: '3', retain: 'daily=1' }, 'keep'],
    ] as const) {
      expect(() => parseRetention(options)).toThrow(ValidationError)
      try {
        parseRetention(options)
      } catch (error) {
        expect((error as ValidationError).field).toBe(field)
      }
    }
  })
})
