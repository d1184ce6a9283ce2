import { ValidationError } from '../../core/index.js'
import { VALUE_TYPES } from './migrations.js'
import type { SettingValue, ValueType } from './tables.js'

const INTEGER = /^[+-]?\d+$/
const REAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/
const TRUE_TEXT = new Set(['1', 'true'])
const FALSE_TEXT = new Set(['0', 'false'])

/** valueTypeOf reads a stored value_type (NULL means the column default, `string`). */
export function valueTypeOf(stored: string | null, key: string): ValueType {
  const type = stored ?? 'string'
  if ((VALUE_TYPES as readonly string[]).includes(type)) return type as ValueType
  throw new ValidationError(
    `setting ${key} has value_type ${JSON.stringify(type)}; expected one of ${VALUE_TYPES.join(', ')}`,
    key,
  )
}

/**
 * parseSettingValue turns the stored text of setting `key` into its typed value: integer and
 * real as numbers, boolean from `1`/`0` (as the seed stores them) or `true`/`false`, json parsed
 * (an empty text, the seed's default for window_geometry, is null). Text that does not parse as
 * its type throws ValidationError naming the key.
 */
export function parseSettingValue(type: ValueType, text: string, key: string): SettingValue {
  const refuse = (): never => {
    throw new ValidationError(
      `setting ${key} holds ${JSON.stringify(text)}, which is not a valid ${type}`,
      key,
    )
  }
  switch (type) {
    case 'string':
      return text
    case 'integer':
      return INTEGER.test(text.trim()) ? Number(text) : refuse()
    case 'real':
      return REAL.test(text.trim()) ? Number(text) : refuse()
    case 'boolean': {
      const t = text.trim().toLowerCase()
      return TRUE_TEXT.has(t) ? true : FALSE_TEXT.has(t) ? false : refuse()
    }
    case 'json':
      if (text.trim() === '') return null
      try {
        return JSON.parse(text) as SettingValue
      } catch {
        return refuse()
      }
  }
}

/**
 * formatSettingValue checks `value` against setting `key`'s type and returns the text to store:
 * a string for string; a whole number (or its text) for integer; a finite number (or its text)
 * for real; true/false (or 1/0, or their text) for boolean, stored as `1`/`0`; any JSON value for
 * json, where a string is taken as JSON text and must parse. Anything else throws
 * ValidationError naming the key.
 */
export function formatSettingValue(type: ValueType, value: unknown, key: string): string {
  const refuse = (): never => {
    throw new ValidationError(
      `setting ${key} is of type ${type}; ${JSON.stringify(value) ?? String(value)} is not a valid ${type}`,
      key,
    )
  }
  switch (type) {
    case 'string':
      return typeof value === 'string' ? value : refuse()
    case 'integer':
      if (typeof value === 'number') return Number.isSafeInteger(value) ? String(value) : refuse()
      if (typeof value === 'string' && INTEGER.test(value.trim())) {
        return String(parseSettingValue('integer', value, key))
      }
      return refuse()
    case 'real':
      if (typeof value === 'number') return Number.isFinite(value) ? String(value) : refuse()
      if (typeof value === 'string' && REAL.test(value.trim())) return String(Number(value))
      return refuse()
    case 'boolean':
      if (typeof value === 'boolean') return value ? '1' : '0'
      if (value === 1 || value === 0) return String(value)
      if (typeof value === 'string') {
        const t = value.trim().toLowerCase()
        if (TRUE_TEXT.has(t)) return '1'
        if (FALSE_TEXT.has(t)) return '0'
      }
      return refuse()
    case 'json':
      if (typeof value === 'string') {
        try {
          JSON.parse(value)
          return value
        } catch {
          return refuse()
        }
      }
      if (value === undefined || typeof value === 'function' || typeof value === 'bigint') {
        return refuse()
      }
      return JSON.stringify(value)
  }
}
