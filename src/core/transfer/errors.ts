import { GenmediaError } from '../errors.js'

/** QueryRefusedError: `genmedia sql` refused a statement that writes, or more than one statement. */
export class QueryRefusedError extends GenmediaError {
  constructor(message: string) {
    super('refused', message)
  }
}

/** QueryTimeoutError: a read-only query ran past its time limit and was stopped. */
export class QueryTimeoutError extends GenmediaError {
  readonly timeoutMs: number

  constructor(timeoutMs: number) {
    super(
      'timeout',
      `the query ran past its time limit of ${timeoutMs} ms and was stopped (raise it with --timeout)`,
    )
    this.timeoutMs = timeoutMs
  }
}

/** CopyError: a copy was refused or did not verify; the target is left as it was. */
export class CopyError extends GenmediaError {
  constructor(message: string) {
    super('copy_failed', message)
  }
}
