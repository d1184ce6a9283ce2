/** What a row builder does to one value (a codec's decoder), or undefined to keep it as read. */
export type ValueDecoder = ((value: unknown) => unknown) | undefined

/**
 * rowBuilder returns a function that makes a row object of `names` from an array of their
 * values in that order (better-sqlite3's `raw` rows, pg's `rowMode: 'array'`), each passed
 * through `decoders[i]` where there is one. It is written once as a function returning one
 * object literal (names quoted with JSON.stringify), as compiled.ts writes its checks: V8 builds
 * a literal of fixed keys in one step, where a driver setting each column on a new object, or a
 * loop setting keys one by one, does not. A later duplicate name wins, as it does when a driver
 * sets the columns in order.
 */
export function rowBuilder(
  names: readonly string[],
  decoders: readonly ValueDecoder[] = [],
): (values: readonly unknown[]) => Record<string, unknown> {
  // A key written `"__proto__":` in a literal would set the prototype instead.
  if (names.includes('__proto__')) {
    return (values) => {
      const row: Record<string, unknown> = {}
      names.forEach((name, i) => {
        const decode = decoders[i]
        Object.defineProperty(row, name, {
          value: decode ? decode(values[i]) : values[i],
          enumerable: true,
          writable: true,
          configurable: true,
        })
      })
      return row
    }
  }
  const fields = names.map((name, i) => {
    const value = decoders[i] ? `d[${i}](v[${i}])` : `v[${i}]`
    return `${JSON.stringify(name)}: ${value}`
  })
  const make = new Function('d', `return (v) => ({ ${fields.join(', ')} })`) as (
    d: readonly ValueDecoder[],
  ) => (values: readonly unknown[]) => Record<string, unknown>
  return make(decoders)
}
