import type { ApiRoute } from '../../src/core/index.js'

/**
 * The library calls behind a store's write routes, derived from the routes themselves: each
 * route's handler is run once against a recording repository, with a request whose every path
 * parameter, body key and acting user is a Slot. The calls it makes, with the Slots in their
 * arguments, say which repository method the route calls and where each argument comes from, so
 * a new route (and the method it calls) is covered without editing the property test.
 */

/** A value a handler took from its request: a path parameter, a body key or the acting user. */
class Slot {
  constructor(
    readonly source: 'param' | 'body' | 'user',
    readonly key: string,
  ) {}
}

/** One repository call a route makes, its arguments still holding the Slots. */
export interface LibraryCall {
  method: string
  args: unknown[]
}

/** What fills the Slots: generated path parameters, body and acting user. */
export interface CallInputs {
  params: Record<string, unknown>
  body: unknown
  user: unknown
}

/** The body templates handed to handlers: a handler passing the whole body passes one of these. */
const wholeBodies = new WeakSet<object>()

/**
 * libraryCalls runs `route`'s handler against a recording repository (each call answers
 * `undefined`) and returns the calls that take a value from the request, or undefined when the
 * handler cannot run on Slots: it transforms a value before the call (decodes base64, maps an
 * array) or reads a call's answer. The test lists such routes as not derived.
 */
export async function libraryCalls(
  route: ApiRoute,
  bodyKeys: string[],
): Promise<LibraryCall[] | undefined> {
  const params = Object.fromEntries(
    [...route.path.matchAll(/:(\w+)/g)].map(([, name]) => [name!, new Slot('param', name!)]),
  )
  const body = Object.fromEntries(bodyKeys.map((key) => [key, new Slot('body', key)]))
  wholeBodies.add(body)
  const calls: LibraryCall[] = []
  const repo = new Proxy(
    {},
    {
      get: (_target, method) =>
        typeof method === 'string' && method !== 'then'
          ? (...args: unknown[]) => {
              calls.push({ method, args })
              return Promise.resolve(undefined)
            }
          : undefined,
    },
  )
  try {
    await route.handler({
      repo,
      params,
      query: {},
      body: route.body ? body : undefined,
      actor: { userId: new Slot('user', '') as unknown as number, admin: true },
      blobs: () => {
        throw new Error('no blobs while recording')
      },
      db: undefined as never,
      log: { warn: () => undefined },
    })
  } catch {
    return undefined
  }
  return calls.filter((call) => holdsSlot(call.args))
}

function holdsSlot(value: unknown): boolean {
  if (value instanceof Slot || (typeof value === 'object' && value && wholeBodies.has(value)))
    return true
  if (Array.isArray(value)) return value.some(holdsSlot)
  if (isPlainObject(value)) return Object.values(value).some(holdsSlot)
  return false
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false
  const prototype = Object.getPrototypeOf(value)
  return prototype === Object.prototype || prototype === null
}

/** argumentsOf fills a recorded call's Slots with generated inputs (a missing body key is left out). */
export function argumentsOf(call: LibraryCall, inputs: CallInputs): unknown[] {
  return call.args.map((arg) => fill(arg, inputs))
}

function fill(value: unknown, inputs: CallInputs): unknown {
  if (value instanceof Slot) {
    if (value.source === 'param') return inputs.params[value.key]
    if (value.source === 'user') return inputs.user
    const body = inputs.body
    return isPlainObject(body) ? body[value.key] : undefined
  }
  if (typeof value === 'object' && value && wholeBodies.has(value)) return inputs.body
  if (Array.isArray(value)) return value.map((v) => fill(v, inputs))
  if (isPlainObject(value)) {
    const entries = Object.entries(value).map(([k, v]) => [k, fill(v, inputs)] as const)
    return Object.fromEntries(entries.filter(([, v]) => v !== undefined))
  }
  return value
}
