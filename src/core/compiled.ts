import type { z } from 'zod'

/**
 * A compiled check: the value zod would return for `value`, or FAIL. It never explains a
 * failure: the caller then runs zod itself, whose issues name the field. So a compiled check
 * only has to accept a subset of what zod accepts, and return the same value for it.
 */
export type CompiledCheck = (value: unknown) => unknown

/** What a compiled check returns for a value it does not accept. */
export const FAIL: unique symbol = Symbol('invalid')

/** The parts of zod 4's internal definitions the compiler reads. */
interface Def {
  type: string
  checks?: { _zod: { def: CheckDef } }[]
  coerce?: boolean
  shape?: Record<string, z.ZodType>
  catchall?: z.ZodType
  innerType?: z.ZodType
  options?: z.ZodType[]
  inclusive?: boolean
  discriminator?: string
  element?: z.ZodType
  keyType?: z.ZodType
  valueType?: z.ZodType
  mode?: string
  entries?: Record<string, unknown>
  values?: unknown[]
}

interface CheckDef {
  check: string
  fn?: object
  tx?: (value: unknown) => unknown
  minimum?: number
  maximum?: number
  length?: number
  value?: number
  inclusive?: boolean
  format?: string
  pattern?: RegExp
  prefix?: string
}

const compiled = new WeakMap<z.ZodType, CompiledCheck | null>()

/**
 * compiledCheckOf returns the compiled check of `schema`, built once and kept with it, or
 * undefined where the schema uses something the compiler does not know (a default, a transform,
 * a refinement…): those are parsed by zod alone.
 *
 * zod 4 walks its schema objects on every parse (a payload and an issue list per value, checks
 * run through their own objects); the compiled check is a tree of closures, one per schema node,
 * chosen once, that reads the input and builds the same output (unknown keys of a strict object
 * refused, of a plain one dropped; optional keys left out when absent; strings trimmed where the
 * schema trims).
 */
export function compiledCheckOf(schema: z.ZodType): CompiledCheck | undefined {
  let check = compiled.get(schema)
  if (check === undefined) {
    check = compile(schema) ?? null
    compiled.set(schema, check)
  }
  return check ?? undefined
}

function defOf(schema: z.ZodType): Def {
  return (schema as unknown as { _zod: { def: Def } })._zod.def
}

/** Refinements (`.refine(fn)`) whose `fn` is a pure test of the value, safe to call directly. */
const predicates = new WeakSet<object>()

/**
 * compilable marks `test`, a refinement's function, as a pure test of the parsed value (no
 * context, no side effects): a schema refined with it still compiles, the test called directly.
 */
export function compilable<T extends (value: never) => boolean>(test: T): T {
  predicates.add(test)
  return test
}

function compile(schema: z.ZodType): CompiledCheck | undefined {
  const def = defOf(schema)
  if (def.coerce) return undefined
  const custom = (def.checks ?? []).filter((c) => c._zod.def.check === 'custom')
  if (custom.length === 0) return compileDef(def)
  // zod runs refinements on the parsed value, after the type's own checks.
  const tests = custom.map((c) => c._zod.def.fn)
  if (!tests.every((t) => t !== undefined && predicates.has(t))) return undefined
  const inner = compileDef({
    ...def,
    checks: def.checks!.filter((c) => c._zod.def.check !== 'custom'),
  })
  if (!inner) return undefined
  const run = tests as ((value: unknown) => boolean)[]
  return (v) => {
    const out = inner(v)
    if (out === FAIL) return FAIL
    for (let i = 0; i < run.length; i++) if (!run[i]!(out)) return FAIL
    return out
  }
}

function compileDef(def: Def): CompiledCheck | undefined {
  switch (def.type) {
    case 'string':
      return compileString(def)
    case 'number':
      return compileNumber(def)
    case 'boolean':
      return noChecks(def) ? (v) => (typeof v === 'boolean' ? v : FAIL) : undefined
    case 'date':
      return noChecks(def)
        ? (v) => (v instanceof Date && !Number.isNaN(v.getTime()) ? v : FAIL)
        : undefined
    case 'unknown':
    case 'any':
      return noChecks(def) ? (v) => v : undefined
    case 'enum':
    case 'literal':
      return compileValues(def)
    case 'nullable':
      return wrap(def, (inner) => (v) => (v === null ? null : inner(v)))
    case 'optional':
      return wrap(def, (inner) => (v) => (v === undefined ? undefined : inner(v)))
    case 'union':
      return compileUnion(def)
    case 'array':
      return compileArray(def)
    case 'object':
      return compileObject(def)
    case 'record':
      return compileRecord(def)
    default:
      return undefined
  }
}

function noChecks(def: Def): boolean {
  return !def.checks || def.checks.length === 0
}

function wrap(def: Def, make: (inner: CompiledCheck) => CompiledCheck): CompiledCheck | undefined {
  if (!noChecks(def)) return undefined
  const inner = compile(def.innerType!)
  return inner && make(inner)
}

/** A test of a length (of a string or an array), or undefined for a check it does not know. */
function lengthCheck(c: CheckDef): ((length: number) => boolean) | undefined {
  switch (c.check) {
    case 'min_length':
      return (n) => n >= c.minimum!
    case 'max_length':
      return (n) => n <= c.maximum!
    case 'length_equals':
      return (n) => n === c.length!
    default:
      return undefined
  }
}

function compileString(def: Def): CompiledCheck | undefined {
  // Each step returns the value (an overwrite such as trim changes it for the steps after) or FAIL.
  const steps: ((s: string) => string | typeof FAIL)[] = []
  for (const { _zod } of def.checks ?? []) {
    const c = _zod.def
    const length = lengthCheck(c)
    if (length) {
      steps.push((s) => (length(s.length) ? s : FAIL))
    } else if (c.check === 'overwrite' && c.tx) {
      const tx = c.tx
      steps.push((s) => tx(s) as string)
    } else if (c.check === 'string_format' && c.format === 'regex' && c.pattern) {
      const pattern = c.pattern
      steps.push((s) => {
        pattern.lastIndex = 0
        return pattern.test(s) ? s : FAIL
      })
    } else if (
      c.check === 'string_format' &&
      c.format === 'starts_with' &&
      c.prefix !== undefined
    ) {
      const prefix = c.prefix
      steps.push((s) => (s.startsWith(prefix) ? s : FAIL))
    } else {
      return undefined
    }
  }
  if (steps.length === 0) return (v) => (typeof v === 'string' ? v : FAIL)
  return (v) => {
    if (typeof v !== 'string') return FAIL
    let s: string | typeof FAIL = v
    for (let i = 0; i < steps.length; i++) {
      s = steps[i]!(s)
      if (s === FAIL) return FAIL
    }
    return s
  }
}

function compileNumber(def: Def): CompiledCheck | undefined {
  const tests: ((n: number) => boolean)[] = []
  for (const { _zod } of def.checks ?? []) {
    const c = _zod.def
    const bound = c.value!
    if (c.check === 'number_format' && c.format === 'safeint') tests.push(Number.isSafeInteger)
    else if (c.check === 'greater_than')
      tests.push(c.inclusive ? (n) => n >= bound : (n) => n > bound)
    else if (c.check === 'less_than') tests.push(c.inclusive ? (n) => n <= bound : (n) => n < bound)
    else return undefined
  }
  return (v) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) return FAIL
    for (let i = 0; i < tests.length; i++) if (!tests[i]!(v)) return FAIL
    return v
  }
}

function compileValues(def: Def): CompiledCheck | undefined {
  if (!noChecks(def)) return undefined
  const values = def.type === 'enum' ? Object.values(def.entries ?? {}) : (def.values ?? [])
  // Numeric enums (TypeScript's) map names and values both ways: left to zod.
  if (!values.every((v) => typeof v === 'string')) return undefined
  const allowed = new Set<unknown>(values)
  return (v) => (allowed.has(v) ? v : FAIL)
}

function compileUnion(def: Def): CompiledCheck | undefined {
  if (!noChecks(def) || def.inclusive === false || def.discriminator !== undefined) return undefined
  const options = def.options!.map(compile)
  if (options.some((o) => o === undefined)) return undefined
  const checks = options as CompiledCheck[]
  // zod returns the first option that accepts the value.
  return (v) => {
    for (let i = 0; i < checks.length; i++) {
      const out = checks[i]!(v)
      if (out !== FAIL) return out
    }
    return FAIL
  }
}

function compileArray(def: Def): CompiledCheck | undefined {
  const element = compile(def.element!)
  if (!element) return undefined
  const lengths: ((n: number) => boolean)[] = []
  for (const { _zod } of def.checks ?? []) {
    const length = lengthCheck(_zod.def)
    if (!length) return undefined
    lengths.push(length)
  }
  return (v) => {
    if (!Array.isArray(v)) return FAIL
    for (let i = 0; i < lengths.length; i++) if (!lengths[i]!(v.length)) return FAIL
    const out: unknown[] = new Array(v.length)
    for (let i = 0; i < v.length; i++) {
      const item = element(v[i])
      if (item === FAIL) return FAIL
      out[i] = item
    }
    return out
  }
}

/** Whether `v` is an object literal's kind of object (no class instance, no array). */
function isPlain(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null) return false
  const proto = Object.getPrototypeOf(v) as unknown
  return proto === Object.prototype || proto === null
}

function compileObject(def: Def): CompiledCheck | undefined {
  const shape = def.shape!
  if (!noChecks(def) || Object.getOwnPropertySymbols(shape).length > 0) return undefined
  const strict = def.catchall !== undefined && defOf(def.catchall).type === 'never'
  if (def.catchall !== undefined && !strict) return undefined
  const keys = Object.keys(shape)
  if (keys.includes('__proto__')) return undefined
  const known = new Set(keys)
  const checks: CompiledCheck[] = []
  const optional: boolean[] = []
  for (const key of keys) {
    const field = shape[key]!
    const { optin, optout } = (field as unknown as { _zod: { optin?: string; optout?: string } })
      ._zod
    // Only plain optionality (no default filled in) is compiled.
    if (optin !== undefined && !(optin === 'optional' && optout === 'optional')) return undefined
    const check = compile(field)
    if (!check) return undefined
    checks.push(check)
    optional.push(optin === 'optional')
  }
  return objectFunction(keys, checks, optional, strict ? known : undefined)
}

/**
 * objectFunction writes an object's check as one function of straight-line code, one block per
 * key (keys are quoted with JSON.stringify), as zod's own JIT does: several times faster than
 * a loop over the keys.
 */
function objectFunction(
  keys: readonly string[],
  checks: readonly CompiledCheck[],
  optional: readonly boolean[],
  known: ReadonlySet<string> | undefined,
): CompiledCheck {
  const lines = ['if (!isPlain(v)) return FAIL']
  if (known) lines.push('for (const key in v) if (!known.has(key)) return FAIL')
  lines.push('const out = {}', 'let x')
  keys.forEach((key, i) => {
    const k = JSON.stringify(key)
    const absent = optional[i] ? '' : ' else return FAIL'
    lines.push(
      `if (${k} in v) { x = checks[${i}](v[${k}]); if (x === FAIL) return FAIL; out[${k}] = x }${absent}`,
    )
  })
  lines.push('return out')
  const body = `return (v) => {\n${lines.join('\n')}\n}`
  const make = new Function('isPlain', 'FAIL', 'known', 'checks', body) as (
    ...args: unknown[]
  ) => CompiledCheck
  return make(isPlain, FAIL, known, checks)
}

function compileRecord(def: Def): CompiledCheck | undefined {
  const keyDef = defOf(def.keyType!)
  if (keyDef.type !== 'string' || !noChecks(keyDef) || keyDef.coerce) return undefined
  if (def.mode !== undefined && def.mode !== 'strict') return undefined
  const value = compile(def.valueType!)
  if (!value) return undefined
  return (v) => {
    if (!isPlain(v) || Object.getOwnPropertySymbols(v).length > 0) return FAIL
    const out: Record<string, unknown> = {}
    for (const key of Object.keys(v)) {
      if (key === '__proto__') return FAIL
      const item = value(v[key])
      if (item === FAIL) return FAIL
      out[key] = item
    }
    return out
  }
}
