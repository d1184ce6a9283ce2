/** pg's own conversion of a JavaScript value to a parameter's text (pg/lib/utils.js). */
declare module 'pg/lib/utils.js' {
  const utils: { prepareValue(value: unknown): unknown }
  export default utils
}
