import { copyFileSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  backupStore,
  checkBackup,
  openBackupTarget,
  restoreStore,
  sha256File,
  type BackupTarget,
} from '../../src/core/backup/index.js'
import { NotFoundError } from '../../src/core/index.js'
import { aiArtistStore } from '../../src/stores/ai-artist/index.js'
import { S3RVER_CREDENTIALS, startS3Server, type S3Server } from '../storage/s3-server.js'
import { flipBytes, imageRows, seededStore } from './backup-helpers.js'

const BUCKET = 'genmedia-backups'
const dir = mkdtempSync(join(tmpdir(), 'genmedia-targets-'))
let s3: S3Server | undefined

/** One backup target under the contract: how to open it, and how to damage a stored file. */
interface Backend {
  name: string
  open(): Promise<BackupTarget>
}

const BACKENDS: Backend[] = [
  { name: 'local folder', open: async () => openBackupTarget(join(dir, 'folder')) },
  {
    name: 'S3 protocol (s3rver)',
    open: async () => {
      s3 ??= await startS3Server([BUCKET])
      return openBackupTarget(
        `s3://${BUCKET}/nightly/genmedia?endpoint=${encodeURIComponent(s3.endpoint)}&region=us-east-1`,
        {
          AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
          AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
        },
      )
    },
  },
]

afterAll(async () => {
  await s3?.stop()
  rmSync(dir, { recursive: true, force: true })
})

describe.each(BACKENDS)('backup target contract: $name', (backend) => {
  let target: BackupTarget
  const location = join(dir, `${backend.name.replace(/\W/g, '_')}.db`)
  beforeAll(async () => {
    target = await backend.open()
    await seededStore(location)
  })
  afterAll(async () => {
    await target.close()
  })

  it('stores a backup with its manifest, lists, fetches and verifies it', async () => {
    const now = new Date(Date.UTC(2026, 2, 1, 2, 0, 0))
    const { manifest } = await backupStore(aiArtistStore, { location, target, now })
    expect(manifest.file).toBe('ai-artist_20260301_020000.db')
    expect(await target.list('ai-artist')).toEqual([manifest.file])
    expect(await target.list('trends')).toEqual([])
    expect(await target.readManifest('ai-artist', manifest.file)).toEqual(manifest)
    const copy = await target.fetch('ai-artist', manifest.file)
    expect(await sha256File(copy.path)).toBe(manifest.sha256)
    await copy.release()
    expect(await checkBackup(target, 'ai-artist', manifest.file)).toMatchObject({
      verified: true,
      problems: [],
    })
  })

  it('names a second backup in the same second apart', async () => {
    const now = new Date(Date.UTC(2026, 2, 1, 2, 0, 0))
    const { manifest } = await backupStore(aiArtistStore, { location, target, now })
    expect(manifest.file).toBe('ai-artist_20260301_020000-2.db')
    // Listed oldest first: by time, then by sequence within the second.
    expect(await target.list('ai-artist')).toEqual([
      'ai-artist_20260301_020000.db',
      'ai-artist_20260301_020000-2.db',
    ])
  })

  it('restores from the target', async () => {
    const [file] = await target.list('ai-artist')
    const other = join(dir, `${backend.name.replace(/\W/g, '_')}-restored.db`)
    await restoreStore(aiArtistStore, { target, file: file! }, { location: other })
    expect(await imageRows(other)).toEqual(await imageRows(location))
  })

  it('reports a missing backup as NotFoundError and removes idempotently', async () => {
    await expect(target.fetch('ai-artist', 'ai-artist_20200101_000000.db')).rejects.toBeInstanceOf(
      NotFoundError,
    )
    await expect(
      target.readManifest('ai-artist', 'ai-artist_20200101_000000.db'),
    ).rejects.toBeInstanceOf(NotFoundError)
    const [file] = await target.list('ai-artist')
    await target.remove('ai-artist', file!)
    await target.remove('ai-artist', file!)
    expect(await target.list('ai-artist')).not.toContain(file)
  })

  it('finds a damaged file by its checksum', async () => {
    const { manifest } = await backupStore(aiArtistStore, { location, target })
    const copy = await target.fetch('ai-artist', manifest.file)
    await flipBytes(copy.path)
    const staging = await target.staging('ai-artist')
    const path = join(staging.path, manifest.file)
    copyFileSync(copy.path, path)
    await copy.release()
    // Replace the stored bytes, keeping the manifest of the good ones.
    await target.put('ai-artist', path, manifest)
    await staging.release()
    const check = await checkBackup(target, 'ai-artist', manifest.file)
    expect(check.verified).toBe(false)
    expect(check.problems.join('; ')).toMatch(/checksum mismatch/)
  })
})
