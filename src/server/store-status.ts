import {
  diagnoseStore,
  openBackupTarget,
  type BackupTarget,
  type DoctorReport,
  type OpenStore,
  type StoreDefinition,
} from '../core/index.js'

/** How often the server runs doctor on every store in the background. */
export const HEALTH_INTERVAL_MS = 15 * 60_000

/** A store's health as GET /api/stores reports it: doctor's verdict and what it found wrong. */
export interface StoreHealth {
  status: 'ok' | 'warning' | 'error' | 'pending'
  checkedAt: string | null
  checks: { name: string; status: string; message: string }[]
}

/** The newest backup of a store that passed verification, from its manifest. */
export interface LastVerifiedBackup {
  file: string
  at: string
  sizeBytes: number
  schemaVersion: number
}

/**
 * StoreStatus adds to GET /api/stores what the server learns besides the store itself: health
 * from doctor, run in the background (at start, then every HEALTH_INTERVAL_MS) because an
 * integrity check reads the whole database, and the last verified backup, read from the
 * manifests in the default backup folder on each request (no backup file is opened).
 */
export class StoreStatus {
  readonly #health = new Map<string, StoreHealth>()
  readonly #target: BackupTarget
  #timer: NodeJS.Timeout | undefined
  #running: Promise<void> | undefined
  #stopped = false

  constructor(target: BackupTarget = openBackupTarget()) {
    this.#target = target
  }

  /** start runs doctor on every store now and then periodically; it never blocks serving. */
  start(definitions: readonly StoreDefinition[], intervalMs = HEALTH_INTERVAL_MS): void {
    const runAll = () => {
      this.#running = this.checkAll(definitions).finally(() => {
        this.#running = undefined
      })
    }
    runAll()
    this.#timer = setInterval(() => {
      if (!this.#running) runAll()
    }, intervalMs)
    this.#timer.unref()
  }

  /** checkAll runs doctor on each store in turn and records its verdict. */
  async checkAll(definitions: readonly StoreDefinition[]): Promise<void> {
    for (const definition of definitions) {
      if (this.#stopped) return
      let report: DoctorReport
      try {
        report = await diagnoseStore(definition)
      } catch (error) {
        this.#health.set(definition.name, {
          status: 'error',
          checkedAt: new Date().toISOString(),
          checks: [{ name: 'doctor', status: 'error', message: (error as Error).message }],
        })
        continue
      }
      const problems = report.checks.filter((c) => c.status !== 'ok')
      this.#health.set(definition.name, {
        status: problems.some((c) => c.status === 'error')
          ? 'error'
          : problems.length > 0
            ? 'warning'
            : 'ok',
        checkedAt: new Date().toISOString(),
        checks: problems.map((c) => ({ name: c.name, status: c.status, message: c.message })),
      })
    }
  }

  /** describe is buildApp's describeExtra: `health` and `lastVerifiedBackup` of one store. */
  async describe(store: OpenStore): Promise<Record<string, unknown>> {
    const name = store.definition.name
    return {
      health: this.#health.get(name) ?? { status: 'pending', checkedAt: null, checks: [] },
      lastVerifiedBackup: await this.lastVerifiedBackup(name),
    }
  }

  async lastVerifiedBackup(store: string): Promise<LastVerifiedBackup | null> {
    const files = await this.#target.list(store)
    for (const file of files.reverse()) {
      const manifest = await this.#target.readManifest(store, file).catch(() => undefined)
      if (manifest?.verified) {
        return {
          file: manifest.file,
          at: manifest.createdAt,
          sizeBytes: manifest.sizeBytes,
          schemaVersion: manifest.schemaVersion,
        }
      }
    }
    return null
  }

  /** stop ends the periodic checks and waits for one in progress. */
  async stop(): Promise<void> {
    this.#stopped = true
    clearInterval(this.#timer)
    await this.#running
    await this.#target.close()
  }
}
