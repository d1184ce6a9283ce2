import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import S3rver from 's3rver'
import { DEFAULT_BUCKET } from '../../src/storage/index.js'

/** Credentials s3rver accepts. */
export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }

/** A running s3rver on loopback (random port, temporary folder) with the seed's bucket. */
export interface S3Server {
  endpoint: string
  /** `s3://<bucket>?endpoint=…` for openBlobStore. */
  storageUrl: string
  stop(): Promise<void>
}

export async function startS3Server(buckets: string[] = [DEFAULT_BUCKET]): Promise<S3Server> {
  const dir = mkdtempSync(join(tmpdir(), 'genmedia-s3-'))
  const server = new S3rver({
    port: 0,
    address: '127.0.0.1',
    silent: true,
    directory: dir,
    configureBuckets: buckets.map((name) => ({ name })),
  })
  const { port } = await server.run()
  const endpoint = `http://127.0.0.1:${port}`
  return {
    endpoint,
    storageUrl: `s3://${buckets[0]}?endpoint=${encodeURIComponent(endpoint)}&region=us-east-1`,
    async stop() {
      await server.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
