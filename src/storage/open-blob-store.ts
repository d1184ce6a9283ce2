import { isAbsolute, join, resolve } from 'node:path'
import { dataDir, type Env } from '../core/config.js'
import { ConfigError } from '../core/errors.js'
import type { BlobStore } from './blob-store.js'
import { LocalBlobStore } from './local-blob-store.js'
import { S3BlobStore } from './s3-blob-store.js'

/** storageUrl is GENMEDIA_STORAGE_URL, default `file://<GENMEDIA_DATA_DIR>/blobs`. */
export function storageUrl(env: Env = process.env, cwd = process.cwd()): string {
  return env.GENMEDIA_STORAGE_URL || `file://${join(dataDir(env, cwd), 'blobs')}`
}

/**
 * openBlobStore opens the blob store a URL names (default: storageUrl of the environment):
 *
 * - `file:///abs/folder` or `file://relative/folder` (from `cwd`), with optional
 *   `?bucket=<name>&baseUrl=<http://host:port>`: a LocalBlobStore;
 * - `s3://<bucket>?endpoint=<url>&region=<region>&forcePathStyle=<true|false>`: an S3BlobStore;
 *   credentials come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN in
 *   `env` when set, otherwise from the AWS SDK's default chain.
 *
 * Throws ConfigError for any other URL. Opening does no I/O.
 */
export function openBlobStore(
  url?: string,
  env: Env = process.env,
  cwd = process.cwd(),
): BlobStore {
  const location = url ?? storageUrl(env, cwd)
  try {
    if (location.startsWith('file://')) return openLocal(location, cwd)
    if (location.startsWith('s3://')) return openS3(location, env)
  } catch (error) {
    if (error instanceof ConfigError) throw error
    throw new ConfigError(`GENMEDIA_STORAGE_URL ${location}: ${(error as Error).message}`)
  }
  throw new ConfigError(
    `GENMEDIA_STORAGE_URL must be file://<folder> or s3://<bucket>?endpoint=…&region=…, got ${location}`,
  )
}

function openLocal(location: string, cwd: string): LocalBlobStore {
  const rest = location.slice('file://'.length)
  const q = rest.indexOf('?')
  const path = decodeURIComponent(q < 0 ? rest : rest.slice(0, q))
  const params = new URLSearchParams(q < 0 ? '' : rest.slice(q + 1))
  if (!path) throw new ConfigError(`GENMEDIA_STORAGE_URL ${location} names no folder`)
  return new LocalBlobStore({
    root: isAbsolute(path) ? path : resolve(cwd, path),
    bucket: params.get('bucket') ?? undefined,
    baseUrl: params.get('baseUrl') ?? undefined,
  })
}

function openS3(location: string, env: Env): S3BlobStore {
  const url = new URL(location)
  const flag = url.searchParams.get('forcePathStyle')
  if (flag !== null && flag !== 'true' && flag !== 'false') {
    throw new ConfigError(`forcePathStyle must be true or false, got ${flag}`)
  }
  const accessKeyId = env.AWS_ACCESS_KEY_ID
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY
  return new S3BlobStore({
    bucket: decodeURIComponent(url.hostname),
    endpoint: url.searchParams.get('endpoint') ?? undefined,
    region: url.searchParams.get('region') ?? env.AWS_REGION ?? undefined,
    forcePathStyle: flag === null ? undefined : flag === 'true',
    credentials:
      accessKeyId && secretAccessKey
        ? { accessKeyId, secretAccessKey, sessionToken: env.AWS_SESSION_TOKEN || undefined }
        : undefined,
  })
}
