import { randomBytes } from 'node:crypto'
import {
  copyFile,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  writeFile,
} from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { openBlobStore, type BlobStore } from '../../storage/index.js'
import { dataDir, type Env } from '../config.js'
import { NotFoundError, ValidationError } from '../errors.js'
import {
  manifestNameOf,
  compareBackupNames,
  parseBackupFileName,
  parseManifest,
  type BackupManifest,
} from './manifest.js'

/** A fetched backup file on local disk; `release` removes it when it was a temporary copy. */
export interface LocalCopy {
  path: string
  release(): Promise<void>
}

/**
 * BackupTarget is where backups are kept: a local folder or a blob store (S3-compatible), each
 * store's backups under `<store>/`, every backup file with its manifest beside it.
 */
export interface BackupTarget {
  /** The folder or `s3://bucket/prefix` URL, for people. */
  readonly description: string
  /** staging returns an empty local folder to build a backup in (on the target's disk if local). */
  staging(store: string): Promise<LocalCopy>
  /**
   * put moves a finished backup file in under `manifest.file`, then writes its manifest: a
   * backup without a manifest is never listed, so a reader never sees half a backup.
   */
  put(store: string, localPath: string, manifest: BackupManifest): Promise<void>
  /** list returns the store's backup file names (those that have a manifest), oldest first. */
  list(store: string): Promise<string[]>
  /** readManifest returns a backup's manifest; throws NotFoundError when there is none. */
  readManifest(store: string, file: string): Promise<BackupManifest>
  /** fetch gives the backup file on local disk; throws NotFoundError when it is missing. */
  fetch(store: string, file: string): Promise<LocalCopy>
  /** remove deletes a backup and its manifest; idempotent. */
  remove(store: string, file: string): Promise<void>
  /**
   * The store's blob objects, content-addressed: kept once under `<store>/blobs/<sha256>` (a
   * folder: `<store>/blobs/<first two hex digits>/<sha256>`) however many backups hold them.
   * blobSize returns an object's size, or undefined when the target has none.
   */
  blobSize(store: string, sha256: string): Promise<number | undefined>
  /** putBlob stores an object's bytes under its SHA-256, whole or not at all. */
  putBlob(store: string, sha256: string, bytes: Uint8Array): Promise<void>
  /** getBlob returns an object's bytes; throws NotFoundError when it is missing. */
  getBlob(store: string, sha256: string): Promise<Buffer>
  /** listBlobs returns the SHA-256 of every object the target holds for the store. */
  listBlobs(store: string): Promise<string[]>
  /** removeBlob deletes an object; idempotent. */
  removeBlob(store: string, sha256: string): Promise<void>
  close(): Promise<void>
}

const SHA256 = /^[0-9a-f]{64}$/

/** assertSha256 refuses anything but 64 lower-case hex digits, the only names blobs have. */
function assertSha256(sha256: string): string {
  if (!SHA256.test(sha256)) {
    throw new ValidationError(`blob name ${JSON.stringify(sha256)} is not a SHA-256`, 'sha256')
  }
  return sha256
}

/** defaultBackupDir is `<GENMEDIA_DATA_DIR>/backups`. */
export function defaultBackupDir(env: Env = process.env, cwd = process.cwd()): string {
  return join(dataDir(env, cwd), 'backups')
}

/**
 * openBackupTarget opens `--to`: a folder path (default `<GENMEDIA_DATA_DIR>/backups`), or
 * `s3://bucket/prefix?endpoint=…&region=…` for a blob store (credentials as for
 * GENMEDIA_STORAGE_URL). Opening does no I/O.
 */
export function openBackupTarget(
  spec?: string,
  env: Env = process.env,
  cwd = process.cwd(),
): BackupTarget {
  if (spec?.startsWith('s3://')) {
    const url = new URL(spec)
    const prefix = decodeURIComponent(url.pathname).replace(/^\/+|\/+$/g, '')
    const store = openBlobStore(`s3://${url.host}${url.search}`, env, cwd)
    return new BlobBackupTarget(store, prefix, `s3://${url.host}/${prefix}`)
  }
  const folder = spec?.startsWith('file://') ? spec.slice('file://'.length) : spec
  return new FolderBackupTarget(folder ? resolve(cwd, folder) : defaultBackupDir(env, cwd))
}

function isMissing(error: unknown): boolean {
  return (error as { code?: string }).code === 'ENOENT'
}

/** FolderBackupTarget keeps backups in `<folder>/<store>/`. */
export class FolderBackupTarget implements BackupTarget {
  readonly description: string

  constructor(readonly folder: string) {
    this.description = folder
  }

  #dir(store: string): string {
    return join(this.folder, store)
  }

  async staging(store: string): Promise<LocalCopy> {
    // In the target folder, so that put is a rename on the same file system.
    const path = join(this.#dir(store), `.staging-${randomBytes(6).toString('hex')}`)
    await mkdir(path, { recursive: true })
    return { path, release: () => rm(path, { recursive: true, force: true }) }
  }

  async put(store: string, localPath: string, manifest: BackupManifest): Promise<void> {
    const dir = this.#dir(store)
    await mkdir(dir, { recursive: true })
    const target = join(dir, manifest.file)
    await rename(localPath, target).catch(async (error: unknown) => {
      if ((error as { code?: string }).code !== 'EXDEV') throw error
      await copyFile(localPath, target)
      await rm(localPath, { force: true })
    })
    const tmp = join(dir, `.${manifest.file}.manifest.tmp`)
    await writeFile(tmp, `${JSON.stringify(manifest, null, 2)}\n`)
    await rename(tmp, join(dir, manifestNameOf(manifest.file)))
  }

  async list(store: string): Promise<string[]> {
    const names = await readdir(this.#dir(store)).catch((error: unknown) => {
      if (isMissing(error)) return [] as string[]
      throw error
    })
    const set = new Set(names)
    return names
      .filter((n) => parseBackupFileName(n)?.store === store && set.has(manifestNameOf(n)))
      .sort(compareBackupNames)
  }

  async readManifest(store: string, file: string): Promise<BackupManifest> {
    const path = join(this.#dir(store), manifestNameOf(file))
    const text = await readFile(path, 'utf8').catch((error: unknown) => {
      if (isMissing(error))
        throw new NotFoundError(`no manifest for backup ${file} in ${this.#dir(store)}`)
      throw error
    })
    return parseManifest(text, path)
  }

  async fetch(store: string, file: string): Promise<LocalCopy> {
    const path = join(this.#dir(store), file)
    const exists = await readdir(this.#dir(store)).then(
      (names) => names.includes(file),
      () => false,
    )
    if (!exists) throw new NotFoundError(`no backup ${file} in ${this.#dir(store)}`)
    return { path, release: async () => undefined }
  }

  async remove(store: string, file: string): Promise<void> {
    // The manifest first: a backup without one is no longer listed, even if removal stops here.
    await rm(join(this.#dir(store), manifestNameOf(file)), { force: true })
    await rm(join(this.#dir(store), file), { force: true })
  }

  #blobPath(store: string, sha256: string): string {
    return join(this.#dir(store), 'blobs', assertSha256(sha256).slice(0, 2), sha256)
  }

  async blobSize(store: string, sha256: string): Promise<number | undefined> {
    return stat(this.#blobPath(store, sha256)).then(
      (s) => s.size,
      (error: unknown) => {
        if (isMissing(error)) return undefined
        throw error
      },
    )
  }

  async putBlob(store: string, sha256: string, bytes: Uint8Array): Promise<void> {
    const path = this.#blobPath(store, sha256)
    await mkdir(dirname(path), { recursive: true })
    // Written beside it and renamed: an object is whole or absent, even after a kill.
    const tmp = join(dirname(path), `.${sha256}.${randomBytes(6).toString('hex')}.tmp`)
    try {
      await writeFile(tmp, bytes)
      await rename(tmp, path)
    } finally {
      await rm(tmp, { force: true })
    }
  }

  async getBlob(store: string, sha256: string): Promise<Buffer> {
    const path = this.#blobPath(store, sha256)
    return readFile(path).catch((error: unknown) => {
      if (isMissing(error)) throw new NotFoundError(`no blob ${sha256} in ${this.#dir(store)}`)
      throw error
    })
  }

  async listBlobs(store: string): Promise<string[]> {
    const root = join(this.#dir(store), 'blobs')
    const shas: string[] = []
    for (const dir of await readdir(root).catch(() => [] as string[])) {
      for (const name of await readdir(join(root, dir)).catch(() => [] as string[])) {
        if (SHA256.test(name)) shas.push(name)
      }
    }
    return shas.sort()
  }

  async removeBlob(store: string, sha256: string): Promise<void> {
    await rm(this.#blobPath(store, sha256), { force: true })
  }

  async close(): Promise<void> {}
}

/** BlobBackupTarget keeps backups in a blob store under `<prefix>/<store>/`. */
export class BlobBackupTarget implements BackupTarget {
  constructor(
    readonly blobs: BlobStore,
    readonly prefix: string,
    readonly description: string,
  ) {}

  #key(store: string, name: string): string {
    return [this.prefix, store, name].filter(Boolean).join('/')
  }

  async staging(): Promise<LocalCopy> {
    const path = await mkdtemp(join(tmpdir(), 'genmedia-backup-'))
    return { path, release: () => rm(path, { recursive: true, force: true }) }
  }

  async put(store: string, localPath: string, manifest: BackupManifest): Promise<void> {
    await this.blobs.put(
      this.#key(store, manifest.file),
      await readFile(localPath),
      'application/octet-stream',
    )
    await this.blobs.put(
      this.#key(store, manifestNameOf(manifest.file)),
      Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`),
      'application/json',
    )
  }

  async list(store: string): Promise<string[]> {
    const prefix = this.#key(store, '')
    const keys = new Set(
      (await this.blobs.list(`${prefix}/`)).map((k) => k.slice(prefix.length + 1)),
    )
    return [...keys]
      .filter((n) => parseBackupFileName(n)?.store === store && keys.has(manifestNameOf(n)))
      .sort(compareBackupNames)
  }

  async readManifest(store: string, file: string): Promise<BackupManifest> {
    const key = this.#key(store, manifestNameOf(file))
    const blob = await this.blobs.get(key)
    return parseManifest(
      blob.bytes.toString('utf8'),
      `${this.description}/${store}/${manifestNameOf(file)}`,
    )
  }

  async fetch(store: string, file: string): Promise<LocalCopy> {
    const blob = await this.blobs.get(this.#key(store, file))
    const dir = await mkdtemp(join(tmpdir(), 'genmedia-restore-'))
    const path = join(dir, file)
    await writeFile(path, blob.bytes)
    return { path, release: () => rm(dir, { recursive: true, force: true }) }
  }

  async remove(store: string, file: string): Promise<void> {
    await this.blobs.delete(this.#key(store, manifestNameOf(file)))
    await this.blobs.delete(this.#key(store, file))
  }

  #blobKey(store: string, sha256: string): string {
    return this.#key(store, `blobs/${assertSha256(sha256)}`)
  }

  async blobSize(store: string, sha256: string): Promise<number | undefined> {
    return (await this.blobs.head(this.#blobKey(store, sha256)))?.size
  }

  async putBlob(store: string, sha256: string, bytes: Uint8Array): Promise<void> {
    await this.blobs.put(this.#blobKey(store, sha256), bytes, 'application/octet-stream')
  }

  async getBlob(store: string, sha256: string): Promise<Buffer> {
    return (await this.blobs.get(this.#blobKey(store, sha256))).bytes
  }

  async listBlobs(store: string): Promise<string[]> {
    const prefix = this.#key(store, 'blobs/')
    return (await this.blobs.list(prefix))
      .map((k) => k.slice(prefix.length))
      .filter((n) => SHA256.test(n))
  }

  async removeBlob(store: string, sha256: string): Promise<void> {
    await this.blobs.delete(this.#blobKey(store, sha256))
  }

  close(): Promise<void> {
    return this.blobs.close()
  }
}
