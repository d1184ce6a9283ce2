import { randomUUID } from 'node:crypto'
import { sql, type Kysely, type Transaction, type Updateable } from 'kysely'
import {
  ConflictError,
  paginate,
  parseInput,
  tableRows,
  type Executor,
  type Page,
  type PageRequest,
  type ValuesOf,
} from '../../core/index.js'
import { CatalogRepository } from './catalog.js'
import {
  newSessionSchema,
  operationResultSchema,
  operationStartSchema,
  progressSchema,
  operationList,
  saveProgressSchema,
  scenesSchema,
  sessionList,
  type NewProcessingSession,
  type OperationResult,
  type OperationStart,
  type PlannedOperation,
  type Progress,
  type SaveProgress,
  type Scenes,
} from './inputs.js'
import {
  activeSession,
  resumableSessionRow,
  archiveTables,
  type ActiveSession,
  type ArchiveTables,
  type OperationLogEntry,
  type ProcessingSession,
  type ResumableSession,
  type SessionStatus,
} from './tables.js'

const { processing_state: sessions, operation_log: operations } = archiveTables

/** Columns a session's lifecycle steps set. */
type SessionValues = Updateable<ArchiveTables['processing_state']>

/** Statuses a session can still work in; completed and failed sessions are closed. */
const OPEN: readonly SessionStatus[] = ['initialized', 'processing', 'paused']
/** Statuses in which a session's operations may start. */
const WORKING: readonly SessionStatus[] = ['initialized', 'processing']
const UNFINISHED = ['pending', 'processing'] as const
const DEFAULT_RESUME_DAYS = 7

/**
 * ArchiveRepository is the typed API of the archive store (seed 003): processing sessions that
 * survive a crash, their operation log, presets, typed settings, the file registry, project
 * history and its maintenance. Session and operation methods are here; presets, settings, files
 * and history come from CatalogRepository. Methods throw ValidationError for bad input (naming
 * the field or setting key), NotFoundError for a missing id and ConflictError for a step the
 * session's state does not allow.
 */
export class ArchiveRepository extends CatalogRepository {
  readonly #sessionRows = tableRows(this.db, sessions, 'session', 'session_id')
  readonly #operationRows = tableRows(this.db, operations, 'operation')

  // ── sessions ────────────────────────────────────────────────────────────

  /**
   * startSession creates a session in status `initialized` with its plan of operations
   * (`total_operations` is the plan's length; the plan is kept in `operation_details.plan`).
   * Unset encoder, scene threshold, minimum scene length and preset come from the settings
   * encoder_preference, scene_threshold_default, min_scene_length_default and default_preset.
   * The track_preset_usage trigger counts the preset's use.
   */
  async startSession(input: NewProcessingSession): Promise<ProcessingSession> {
    const p = parseInput(newSessionSchema, input)
    const { operations: plan, ...rest } = p
    // Each setting holds what its value_type says, and a setting's type never changes.
    const defaults = (await this.getSettingValues([
      'encoder_preference',
      'scene_threshold_default',
      'min_scene_length_default',
      'default_preset',
    ])) as {
      encoder_preference?: string
      scene_threshold_default?: number
      min_scene_length_default?: number
      default_preset?: string
    }
    return this.#sessionRows.insert({
      encoder_type: defaults.encoder_preference,
      scene_threshold: defaults.scene_threshold_default,
      min_scene_length: defaults.min_scene_length_default,
      preset_id: defaults.default_preset,
      ...rest,
      session_id: p.session_id ?? randomUUID(),
      total_operations: plan.length,
      completed_operations: 0,
      operation_details: { plan },
      status: 'initialized',
    })
  }

  /** getSession returns the session `sessionId`, or throws NotFoundError. */
  async getSession(
    sessionId: string,
    executor?: Executor<ArchiveTables>,
  ): Promise<ProcessingSession> {
    return this.#sessionRows.get(sessionId, executor)
  }

  /**
   * listSessions pages through sessions, newest first, optionally of one status. With
   * `options.q`, sessions whose artwork name or master, RD or output path match, best match
   * first; `options.facets` (`status`, `artwork_name`, `preset_id`) counted over every session
   * the filter and search let through.
   */
  readonly listSessions = sessionList.reader(this.db)

  /** searchSessions finds sessions by artwork name or paths (docs/search.md), best first. */
  readonly searchSessions = sessionList.searcher(this.db)

  /**
   * listActiveSessions pages through the rows of the seed's `active_sessions` view: open
   * sessions (initialized, processing, paused) with progress_percent, most recently updated
   * first (ties by session_id), 50 a page unless told, by keyset. It reads processing_state
   * with the view's own columns and condition: PostgreSQL plans a view that sorts for all its
   * rows when the outer query sorts too, so a page of the view sorted every open session; this
   * query reads idx_session_active_updated backwards and stops at the page's end.
   */
  async listActiveSessions(page: PageRequest = {}): Promise<Page<ActiveSession>> {
    const q = this.k
      .selectFrom('processing_state')
      .select([
        'session_id',
        'artwork_name',
        'status',
        sql<
          number | null
        >`ROUND(CAST(completed_operations AS REAL) / total_operations * 100, 1)`.as(
          'progress_percent',
        ),
        'current_operation',
        'updated_at',
      ])
      // Literal, as in the view and the partial index: a bound parameter would hide from both
      // planners that the index holds every row this asks for.
      .where(sql<boolean>`status IN ('initialized', 'processing', 'paused')`)
    return paginate(
      q,
      { sortColumn: 'updated_at', idColumn: 'session_id', direction: 'desc', ...page },
      activeSession,
    )
  }

  /** startProcessing moves an initialized or paused session to `processing`. */
  startProcessing(sessionId: string): Promise<ProcessingSession> {
    return this.#transition(sessionId, ['initialized', 'paused'], { status: 'processing' })
  }

  /** pauseSession moves a processing session to `paused` (still resumable). */
  pauseSession(sessionId: string): Promise<ProcessingSession> {
    return this.#transition(sessionId, ['processing'], { status: 'paused' })
  }

  /** resumeSession moves a paused session back to `processing`. */
  resumeSession(sessionId: string): Promise<ProcessingSession> {
    return this.#transition(sessionId, ['paused'], { status: 'processing' })
  }

  /** completeSession closes an open session as `completed`; complete_session sets completed_at. */
  completeSession(sessionId: string): Promise<ProcessingSession> {
    return this.#transition(sessionId, OPEN, { status: 'completed', current_operation: null })
  }

  /** failSession closes an open session as `failed` with its error message. */
  failSession(sessionId: string, errorMessage: string): Promise<ProcessingSession> {
    return this.#transition(sessionId, OPEN, { status: 'failed', error_message: errorMessage })
  }

  /** saveScenes stores the detected, selected and grouped scenes of an open session. */
  async saveScenes(sessionId: string, scenes: Scenes): Promise<ProcessingSession> {
    const values = sessions.codec.encode(parseInput(scenesSchema, scenes))
    if (Object.keys(values).length === 0) return this.getSession(sessionId)
    return this.#transition(sessionId, OPEN, values)
  }

  /**
   * #transition sets `values` on the session if its status is one of `from` (ConflictError
   * otherwise) and returns it. In a transaction it updates the session row first, which on
   * PostgreSQL locks it until commit: writers of one session's progress take turns, so counts
   * stay exact.
   */
  async #transition(
    sessionId: string,
    from: readonly SessionStatus[],
    values: SessionValues,
    trx?: Transaction<ArchiveTables>,
  ): Promise<ProcessingSession> {
    const update = (k: Kysely<ArchiveTables>) =>
      k
        .updateTable('processing_state')
        .set(values)
        .where('session_id', '=', sessionId)
        .where('status', 'in', from)
        .returning('id')
        .executeTakeFirst()
    const row = trx ? await update(trx) : await this.db.run(update)
    const session = await this.getSession(sessionId, trx)
    if (!row) {
      throw new ConflictError(
        `session ${sessionId} is ${session.status}; this needs it ${from.join(' or ')}`,
      )
    }
    return session
  }

  // ── operations ──────────────────────────────────────────────────────────

  /**
   * startOperation logs the start of an operation (status `processing`, numbered by
   * sequence_number) and makes it the session's current operation; an initialized session
   * becomes `processing`. An earlier attempt at the same operation left unfinished by a crash is
   * marked failed. Throws ConflictError when the session is not initialized or processing, or
   * the operation is already completed in this session (a resumed tool skips those).
   */
  async startOperation(sessionId: string, input: OperationStart): Promise<OperationLogEntry> {
    const p = parseInput(operationStartSchema, input)
    return this.db.transaction(async (trx) => {
      await this.#beginOperation(trx, sessionId, p.operation_name)
      return this.#logOperation(trx, {
        ...p,
        session_id: sessionId,
        status: 'processing',
        progress: 0,
        start_time: new Date(),
      })
    })
  }

  /** reportProgress records a running operation's progress (0 to 1) and resource use. */
  async reportProgress(
    operationId: number,
    progress: number | Progress,
  ): Promise<OperationLogEntry> {
    const p = parseInput(progressSchema, typeof progress === 'number' ? { progress } : progress)
    const row = await this.db.run((k) =>
      k
        .updateTable('operation_log')
        .set(p)
        .where('id', '=', operationId)
        .where('status', 'in', UNFINISHED)
        .returning('id')
        .executeTakeFirst(),
    )
    const entry = await this.getOperation(operationId)
    if (!row) throw new ConflictError(`operation ${operationId} is ${entry.status}, not running`)
    return entry
  }

  /**
   * finishOperation records how a running operation ended (completed, failed or skipped; end
   * time, duration, files, settings, warnings, resource use) and, in the same transaction,
   * updates the session: current_operation, completed_operations (the completed entries in the
   * log) and operation_details (merged with `details`). Either both are written or neither.
   */
  async finishOperation(
    operationId: number,
    result: OperationResult = {},
  ): Promise<OperationLogEntry> {
    const { details, ...r } = parseInput(operationResultSchema, result)
    return this.db.transaction(async (trx) => {
      const entry = await this.getOperation(operationId, trx)
      const session = await this.#transition(
        entry.session_id,
        OPEN,
        { current_operation: entry.operation_name },
        trx,
      )
      const end = new Date()
      const duration = entry.start_time
        ? (end.getTime() - Date.parse(entry.start_time)) / 1000
        : null
      const updated = await trx
        .updateTable('operation_log')
        .set(
          operations.codec.encode({
            ...r,
            progress: r.status === 'completed' ? 1 : entry.progress,
            end_time: end,
            duration_seconds: duration === null ? null : Math.max(0, duration),
          }),
        )
        .where('id', '=', operationId)
        .where('status', 'in', UNFINISHED)
        .returning('id')
        .executeTakeFirst()
      if (!updated) {
        throw new ConflictError(`operation ${operationId} is ${entry.status}, not running`)
      }
      await this.#recount(trx, session, details)
      return this.getOperation(operationId, trx)
    })
  }

  /**
   * saveProgress is the seed's `save_state`: in one transaction it sets the session's current
   * operation, completed_operations (given, or counted from the log) and operation_details, and
   * logs the operation as completed. Throws ConflictError for a closed session or an operation
   * already completed.
   */
  async saveProgress(sessionId: string, input: SaveProgress): Promise<OperationLogEntry> {
    const { details, completed_operations, ...p } = parseInput(saveProgressSchema, input)
    return this.db.transaction(async (trx) => {
      const session = await this.#beginOperation(trx, sessionId, p.operation_name)
      const now = new Date()
      const entry = await this.#logOperation(trx, {
        ...p,
        session_id: sessionId,
        status: 'completed',
        progress: 1,
        start_time: now,
        end_time: now,
        duration_seconds: 0,
      })
      await this.#recount(trx, session, details, completed_operations)
      return entry
    })
  }

  /** getOperation returns one operation_log entry, or throws NotFoundError. */
  async getOperation(
    operationId: number,
    executor?: Executor<ArchiveTables>,
  ): Promise<OperationLogEntry> {
    return this.#operationRows.get(operationId, executor)
  }

  /** listOperations pages through a session's log in sequence order. */
  async listOperations(
    sessionId: string,
    page: PageRequest = {},
  ): Promise<Page<OperationLogEntry>> {
    return operationList.page(this.db, {}, page, {}, (q) => q.where('session_id', '=', sessionId))
  }

  // ── resume ──────────────────────────────────────────────────────────────

  /**
   * getResumableSession is the seed's resume query: the most recently updated session that is
   * processing or paused and was updated within `max_resume_age_days` (setting, default 7),
   * with the operations its log records as completed (to skip), those interrupted mid-way, and
   * the planned ones remaining. Undefined when there is none.
   */
  async getResumableSession(): Promise<ResumableSession | undefined> {
    const { max_resume_age_days: days } = await this.getSettingValues(['max_resume_age_days'])
    const maxAge = typeof days === 'number' && days >= 0 ? days : DEFAULT_RESUME_DAYS
    // The seed's query joins the log and groups by session before it takes the latest one, so
    // it counts the log of every open session; the same result, counted for the chosen session
    // only: the latest comes off idx_session_resumable_updated, whose WHERE is this one's.
    // Only completed entries are counted: the log also holds running ones.
    const [row] = await this.db.query<Record<string, unknown>>(
      `SELECT
    ps.*,
    (SELECT COUNT(ol.id) FROM operation_log ol
     WHERE ol.session_id = ps.session_id AND ol.status = 'completed') as completed_operations_verified,
    (SELECT MAX(ol.timestamp) FROM operation_log ol
     WHERE ol.session_id = ps.session_id AND ol.status = 'completed') as last_operation_time
FROM processing_state ps
WHERE ps.status IN ('processing', 'paused')
    AND ps.updated_at > ${this.db.dialect.daysAgo(maxAge)}
ORDER BY ps.updated_at DESC, ps.id DESC
LIMIT 1`,
    )
    if (!row) return undefined
    const { completed_operations_verified, last_operation_time, ...session } =
      resumableSessionRow.codec.decode(row)
    const log = operations.codec.decodeAll(
      await this.rowsWhere('operation_log', 'session_id', session.session_id, ['sequence_number']),
    )
    const completed = log.filter((e) => e.status === 'completed')
    const done = new Set(completed.map((e) => e.operation_name))
    const plan = session.operation_details?.plan as PlannedOperation[] | undefined
    return {
      session,
      completed_operations_verified: Number(completed_operations_verified),
      last_operation_time,
      completed,
      interrupted: log.filter((e) => (UNFINISHED as readonly string[]).includes(e.status)),
      remaining: Array.isArray(plan) ? plan.filter((o) => !done.has(o.operation_name)) : null,
    }
  }

  // ── helpers ─────────────────────────────────────────────────────────────

  /**
   * #beginOperation makes `operationName` the current operation of an initialized or processing
   * session (which becomes processing), refuses it if already completed in the session
   * (ConflictError) and marks earlier attempts left unfinished by a crash as failed.
   */
  async #beginOperation(
    trx: Transaction<ArchiveTables>,
    sessionId: string,
    operationName: string,
  ): Promise<ProcessingSession> {
    const current = { status: 'processing', current_operation: operationName } as const
    const session = await this.#transition(sessionId, WORKING, current, trx)
    const done = await trx
      .selectFrom('operation_log')
      .select('id')
      .where('session_id', '=', sessionId)
      .where('operation_name', '=', operationName)
      .where('status', '=', 'completed')
      .executeTakeFirst()
    if (done) {
      throw new ConflictError(
        `operation ${operationName} of session ${sessionId} is already completed`,
      )
    }
    await trx
      .updateTable('operation_log')
      .set({ status: 'failed', error_details: 'interrupted: started again', end_time: new Date() })
      .where('session_id', '=', sessionId)
      .where('operation_name', '=', operationName)
      .where('status', 'in', UNFINISHED)
      .execute()
    return session
  }

  /**
   * #recount sets the session's completed_operations (given, or its completed log entries) and
   * merges `details` into its operation_details.
   */
  async #recount(
    trx: Transaction<ArchiveTables>,
    session: ProcessingSession,
    details: Record<string, unknown> | undefined,
    completed?: number,
  ): Promise<void> {
    const [counted] = await trx
      .selectFrom('operation_log')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('session_id', '=', session.session_id)
      .where('status', '=', 'completed')
      .execute()
    const values = sessions.codec.encode({
      completed_operations: completed ?? Number(counted?.n ?? 0),
      ...(details ? { operation_details: { ...session.operation_details, ...details } } : {}),
    })
    await trx
      .updateTable('processing_state')
      .set(values)
      .where('session_id', '=', session.session_id)
      .execute()
  }

  /** #logOperation adds an entry to the log and returns it as stored (numbered by the trigger). */
  async #logOperation(
    trx: Transaction<ArchiveTables>,
    values: ValuesOf<typeof operations.columns> &
      Pick<OperationLogEntry, 'session_id' | 'operation_type' | 'operation_name' | 'status'>,
  ): Promise<OperationLogEntry> {
    const inserted = await trx
      .insertInto('operation_log')
      .values(operations.codec.encode(values))
      .returning('id')
      .executeTakeFirstOrThrow()
    return this.getOperation(inserted.id, trx)
  }
}
