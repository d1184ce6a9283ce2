import { z } from 'zod'
import {
  idParams,
  ofExisting,
  isoTimestamp,
  pageOf,
  pageQuery,
  routesFor,
  type ApiRoute,
} from '../../core/index.js'
import {
  archivedHistoryList,
  daysSchema,
  fileList,
  historyList,
  newFileSchema,
  newHistorySchema,
  newPresetSchema,
  newSessionSchema,
  newSettingSchema,
  operationResultSchema,
  operationStartSchema,
  presetPatchSchema,
  progressSchema,
  saveProgressSchema,
  operationList,
  scenesSchema,
  sessionList,
  settingFilterSchema,
} from './inputs.js'
import { MAINTENANCE, MAINTENANCE_TASKS, type MaintenanceTask } from './maintenance.js'
import type { ArchiveRepository } from './repository.js'
import {
  activeSession,
  appSetting,
  fileVerification,
  presetSummary,
  projectStatistics,
  resumableSession,
  settingValue,
  archiveTables as tables,
} from './tables.js'

const count = z.number().int().min(0)

/** The report of a maintenance task: what it counted, by the names its declaration gives. */
const maintenanceReportSchema = (task: MaintenanceTask) =>
  z.strictObject({
    task: z.literal(task),
    dry_run: z.boolean(),
    older_than_days: z.number().int().nullable(),
    cutoff: isoTimestamp.nullable().describe('rows older than this were (or would be) changed'),
    counts: z
      .strictObject(Object.fromEntries(MAINTENANCE[task].counts.map((c) => [c, count])))
      .describe('rows changed, or with dry_run that would be'),
  })

const maintenanceBody = z
  .strictObject({
    dry_run: z.boolean().optional().describe('count what would change, change nothing'),
    older_than_days: daysSchema.optional().describe("override the task's age limit"),
  })
  .optional()

const sessionParams = z.object({ session_id: z.string().min(1) })
const presetParams = z.object({ preset_id: z.string().min(1) })
const keyParams = z.object({ key: z.string().min(1) })

const route = routesFor<ArchiveRepository>()

/** A session's lifecycle step: POST /sessions/:session_id/<action>. */
const transition = (
  action: string,
  summary: string,
  step: (repo: ArchiveRepository, sessionId: string) => Promise<unknown>,
) =>
  route({
    method: 'POST',
    path: `/sessions/:session_id/${action}`,
    summary,
    params: sessionParams,
    response: tables.processing_state.row,
    handler: ({ repo, params }) => step(repo, params.session_id),
  })

const sessionRoutes = [
  route.list({
    path: '/sessions',
    summary:
      'List sessions newest first, optionally of one status, by keyset page; search and facets',
    list: sessionList,
    handler: ({ repo }, filter, page, options) => repo.listSessions(filter, page, options),
  }),
  route.create(
    '/sessions',
    'Start a session (initialized) with its plan of operations',
    newSessionSchema,
    tables.processing_state.row,
    (repo, body) => repo.startSession(body),
  ),
  route({
    method: 'GET',
    path: '/sessions/:session_id',
    summary: 'Get one session',
    params: sessionParams,
    response: tables.processing_state.row,
    handler: ({ repo, params }) => repo.getSession(params.session_id),
  }),
  route({
    method: 'GET',
    path: '/active-sessions',
    summary:
      'Seed view active_sessions: open sessions with progress_percent, latest first, by keyset page',
    query: pageQuery,
    response: pageOf(activeSession.row),
    handler: ({ repo, query }) => repo.listActiveSessions(query),
  }),
  route({
    method: 'GET',
    path: '/resumable-session',
    summary:
      'Seed resume query: the session to resume (processing or paused, updated within max_resume_age_days) with its completed operations; null when none',
    response: resumableSession.nullable(),
    handler: async ({ repo }) => (await repo.getResumableSession()) ?? null,
  }),
  transition('start', 'Start processing an initialized or paused session (409 otherwise)', (r, s) =>
    r.startProcessing(s),
  ),
  transition('pause', 'Pause a processing session (409 otherwise)', (r, s) => r.pauseSession(s)),
  transition('resume', 'Resume a paused session (409 otherwise)', (r, s) => r.resumeSession(s)),
  transition('complete', 'Complete an open session (409 if closed)', (r, s) =>
    r.completeSession(s),
  ),
  route({
    method: 'POST',
    path: '/sessions/:session_id/fail',
    summary: 'Fail an open session with its error message (409 if closed)',
    params: sessionParams,
    body: z.strictObject({ error_message: z.string().min(1) }),
    response: tables.processing_state.row,
    handler: ({ repo, params, body }) => repo.failSession(params.session_id, body.error_message),
  }),
  route({
    method: 'PUT',
    path: '/sessions/:session_id/scenes',
    summary: 'Store the detected, selected and grouped scenes of an open session',
    params: sessionParams,
    body: scenesSchema,
    response: tables.processing_state.row,
    handler: ({ repo, params, body }) => repo.saveScenes(params.session_id, body),
  }),
]

const operationRoutes = [
  route.list({
    path: '/sessions/:session_id/operations',
    summary: "A session's operation log in sequence order, by keyset page",
    params: sessionParams,
    list: operationList,
    handler: async ({ repo, params }, _filter, page) =>
      ofExisting(await repo.listOperations(params.session_id, page), () =>
        repo.getSession(params.session_id),
      ),
  }),
  route({
    method: 'POST',
    path: '/sessions/:session_id/operations',
    summary:
      'Record the start of an operation (409 if the session is not initialized or processing, or the operation is already completed)',
    params: sessionParams,
    body: operationStartSchema,
    response: tables.operation_log.row,
    status: 201,
    handler: ({ repo, params, body }) => repo.startOperation(params.session_id, body),
  }),
  route({
    method: 'POST',
    path: '/sessions/:session_id/progress',
    summary:
      "Seed save_state: log a completed operation and update the session's progress in one transaction",
    params: sessionParams,
    body: saveProgressSchema,
    response: z.strictObject({
      session: tables.processing_state.row,
      operation: tables.operation_log.row,
    }),
    status: 201,
    handler: async ({ repo, params, body }) => {
      const operation = await repo.saveProgress(params.session_id, body)
      return { session: await repo.getSession(params.session_id), operation }
    },
  }),
  route.get(
    '/operations/:id',
    'Get one operation log entry',
    tables.operation_log.row,
    (repo, id) => repo.getOperation(id),
  ),
  route({
    method: 'POST',
    path: '/operations/:id/progress',
    summary: "Record a running operation's progress (0 to 1) and resource use (409 if finished)",
    params: idParams,
    body: progressSchema,
    response: tables.operation_log.row,
    handler: ({ repo, params, body }) => repo.reportProgress(params.id, body),
  }),
  route({
    method: 'POST',
    path: '/operations/:id/finish',
    summary:
      'Record how a running operation ended and update its session, in one transaction (409 if finished)',
    params: idParams,
    body: operationResultSchema.optional(),
    response: tables.operation_log.row,
    handler: ({ repo, params, body }) => repo.finishOperation(params.id, body ?? {}),
  }),
]

const presetRoutes = [
  route({
    method: 'GET',
    path: '/presets',
    summary: 'Seed "Load User Presets": the default first, then the most used',
    response: z.array(presetSummary.row),
    handler: ({ repo }) => repo.listPresets(),
  }),
  route({
    method: 'GET',
    path: '/presets/:preset_id',
    summary: 'Get one preset with its settings',
    params: presetParams,
    response: tables.user_presets.row,
    handler: ({ repo, params }) => repo.getPreset(params.preset_id),
  }),
  route.create(
    '/presets',
    'Create a preset (409 if preset_id exists); with is_default it becomes the default',
    newPresetSchema,
    tables.user_presets.row,
    (repo, body) => repo.createPreset(body),
  ),
  route({
    method: 'PATCH',
    path: '/presets/:preset_id',
    summary: 'Change fields of a preset',
    params: presetParams,
    body: presetPatchSchema,
    response: tables.user_presets.row,
    handler: ({ repo, params, body }) => repo.updatePreset(params.preset_id, body),
  }),
  route({
    method: 'POST',
    path: '/presets/:preset_id/default',
    summary: 'Make a preset the one default (and the default_preset setting)',
    params: presetParams,
    response: tables.user_presets.row,
    handler: ({ repo, params }) => repo.setDefaultPreset(params.preset_id),
  }),
]

const settingRoutes = [
  route({
    method: 'GET',
    path: '/settings',
    summary: 'Every setting (or one category) by key, values typed by value_type',
    query: z.object(settingFilterSchema.shape),
    response: z.array(appSetting.row),
    handler: ({ repo, query }) => repo.listSettings(query),
  }),
  route({
    method: 'GET',
    path: '/settings/:key',
    summary: 'Get one setting, its value typed by value_type',
    params: keyParams,
    response: appSetting.row,
    handler: ({ repo, params }) => repo.getSetting(params.key),
  }),
  route({
    method: 'PUT',
    path: '/settings/:key',
    summary:
      "Set a setting's value; one that does not fit its value_type is refused naming the key",
    params: keyParams,
    body: z.strictObject({ value: settingValue }),
    response: appSetting.row,
    handler: ({ repo, params, body }) => repo.setSetting(params.key, body.value),
  }),
  route({
    method: 'POST',
    path: '/settings',
    summary: 'Define a new setting with its value_type (409 if the key exists)',
    body: newSettingSchema.extend({ value: settingValue }),
    response: appSetting.row,
    status: 201,
    handler: ({ repo, body }) => repo.defineSetting(body),
  }),
]

const fileRoutes = [
  route.list({
    path: '/sessions/:session_id/files',
    summary: "A session's registered files in registration order, by category or type",
    params: sessionParams,
    list: fileList,
    handler: async ({ repo, params }, filter, page) =>
      ofExisting(await repo.listFiles(params.session_id, filter, page), () =>
        repo.getSession(params.session_id),
      ),
  }),
  route({
    method: 'POST',
    path: '/sessions/:session_id/files',
    summary: 'Register an output file of a session (size read from disk when not given)',
    params: sessionParams,
    body: newFileSchema,
    response: tables.file_registry.row,
    status: 201,
    handler: async ({ repo, params, body }) => {
      await repo.getSession(params.session_id)
      return repo.registerFile(params.session_id, body)
    },
  }),
  route({
    method: 'POST',
    path: '/sessions/:session_id/files/verify',
    summary:
      "Check a session's files against the server's disk (exists, size) and store the outcome",
    params: sessionParams,
    body: fileList.filter.pick({ file_category: true }).optional(),
    response: fileVerification,
    handler: async ({ repo, params, body }) => {
      await repo.getSession(params.session_id)
      return repo.verifyFiles(params.session_id, body ?? {})
    },
  }),
]

const historyRoutes = [
  route.list({
    path: '/history',
    summary: 'Project history newest first, optionally of one artwork, by keyset page',
    list: historyList,
    handler: ({ repo }, filter, page) => repo.listProjectHistory(filter, page),
  }),
  route.list({
    path: '/history/archive',
    summary: 'Archived project history (project_history_archive) newest first, by keyset page',
    list: archivedHistoryList,
    handler: ({ repo }, _filter, page) => repo.listArchivedHistory(page),
  }),
  route({
    method: 'GET',
    path: '/sessions/:session_id/history',
    summary: "A session's project history entry",
    params: sessionParams,
    response: tables.project_history.row,
    handler: ({ repo, params }) => repo.getProjectHistory(params.session_id),
  }),
  route({
    method: 'POST',
    path: '/sessions/:session_id/history',
    summary:
      "Record a completed or failed session's project history; fields default to the session's (409 if open or recorded)",
    params: sessionParams,
    body: newHistorySchema.omit({ session_id: true }).optional(),
    response: tables.project_history.row,
    status: 201,
    handler: ({ repo, params, body }) =>
      repo.recordProjectHistory({ ...body, session_id: params.session_id }),
  }),
  route({
    method: 'GET',
    path: '/statistics',
    summary: 'Seed view project_statistics: projects completed in the last 30 days',
    response: projectStatistics.row,
    handler: ({ repo }) => repo.getProjectStatistics(),
  }),
]

/** POST /maintenance/<task>: each maintenance task, made from its declaration. */
const maintenanceRoutes = MAINTENANCE_TASKS.map((task) => {
  const { method, description } = MAINTENANCE[task]
  return route({
    method: 'POST',
    path: `/maintenance/${task}`,
    summary: `${description[0]!.toUpperCase()}${description.slice(1)}. older_than_days overrides the age; dry_run only counts`,
    body: maintenanceBody,
    response: maintenanceReportSchema(task),
    handler: ({ repo, body }) =>
      repo[method]({
        dryRun: body?.dry_run ?? false,
        ...(body?.older_than_days === undefined ? {} : { olderThanDays: body.older_than_days }),
      }),
  })
})

/** The archive store over HTTP, under /api/archive (admin tokens). */
export const archiveApi: ApiRoute<ArchiveRepository>[] = [
  ...sessionRoutes,
  ...operationRoutes,
  ...presetRoutes,
  ...settingRoutes,
  ...fileRoutes,
  ...historyRoutes,
  ...maintenanceRoutes,
]
