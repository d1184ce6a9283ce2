import { randomBytes } from 'node:crypto'
import { readdir, rm } from 'node:fs/promises'
import { basename, join } from 'node:path'

/** isAlive tells whether a process with this id runs on this machine. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** A scratch file's name beside `file`: `.<file>.<kind>-<pid>-<hex>`, the pid of its writer. */
export function scratchName(file: string, kind: string): string {
  return `.${basename(file)}.${kind}-${process.pid}-${randomBytes(6).toString('hex')}`
}

/**
 * removeLeftovers deletes, in `dir`, the scratch files of `file` (`.<file>.<kind>-…` and their
 * -wal/-shm/-journal) whose writer is gone: those a killed restore left. A name without a pid
 * (written before names carried one) is a leftover too. Returns the names removed.
 */
export async function removeLeftovers(dir: string, file: string, kind: string): Promise<string[]> {
  const names = await findLeftovers(dir, file, kind)
  for (const name of names) await rm(join(dir, name), { force: true })
  return names
}

/** findLeftovers lists what removeLeftovers would remove, removing nothing. */
export async function findLeftovers(dir: string, file: string, kind: string): Promise<string[]> {
  const prefix = `.${file}.${kind}-`
  const names = await readdir(dir).catch(() => [] as string[])
  return names.filter((name) => {
    if (!name.startsWith(prefix)) return false
    const pid = /^(\d+)-[0-9a-f]+/.exec(name.slice(prefix.length))?.[1]
    return !pid || (Number(pid) !== process.pid && !isAlive(Number(pid)))
  })
}
