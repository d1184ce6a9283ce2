import { mkdtempSync } from 'node:fs'
import { join } from 'node:path'
import { openStore, seedStore, type Migration } from '../../src/core/index.js'
import { FolderBackupTarget } from '../../src/core/backup/index.js'
import { aiArtistStore } from '../../src/stores/ai-artist/index.js'

/** A seeded ai-artist store at `location`, closed again. */
export async function seededStore(location: string): Promise<void> {
  const store = await openStore(aiArtistStore, { location })
  try {
    await seedStore(store)
  } finally {
    await store.close()
  }
}

/** Every row of generated_images, in id order: what a restore must bring back exactly. */
export async function imageRows(location: string): Promise<Record<string, unknown>[]> {
  const store = await openStore(aiArtistStore, { location })
  try {
    return await store.db.query('SELECT * FROM generated_images ORDER BY id')
  } finally {
    await store.close()
  }
}

/** A new empty backup folder under `dir`. */
export function folderTarget(dir: string): FolderBackupTarget {
  return new FolderBackupTarget(mkdtempSync(join(dir, 'backups-')))
}

/** ai-artist with one more migration that always fails: a restore that must roll back. */
export const failingAiArtist = {
  ...aiArtistStore,
  migrations: [
    ...aiArtistStore.migrations,
    {
      version: aiArtistStore.migrations.length + 1,
      name: 'always_fails',
      up: () => ['SELECT no_such_column FROM generated_images'],
      down: () => [],
    } satisfies Migration,
  ],
}

/** flipBytes overwrites `count` bytes in the middle of a file. */
export async function flipBytes(path: string, count = 64): Promise<void> {
  const { open } = await import('node:fs/promises')
  const handle = await open(path, 'r+')
  try {
    const { size } = await handle.stat()
    const at = Math.floor(size / 2)
    const bytes = Buffer.alloc(count)
    await handle.read(bytes, 0, count, at)
    for (let i = 0; i < count; i++) bytes[i] = bytes[i]! ^ 0xff
    await handle.write(bytes, 0, count, at)
  } finally {
    await handle.close()
  }
}
