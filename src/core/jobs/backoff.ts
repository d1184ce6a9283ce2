/** How retries wait: the first after about `baseSeconds`, each next twice as long, at most `maxSeconds`. */
export interface BackoffOptions {
  baseSeconds: number
  maxSeconds: number
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseSeconds: 5, maxSeconds: 600 }

/**
 * backoffSeconds is how long a job waits before its retry after failed attempt `attempt`
 * (1-based): exponential (base × 2^(attempt−1), capped), with "equal jitter" (a random half of
 * it added to the other half), so that jobs failing together do not retry together.
 */
export function backoffSeconds(
  attempt: number,
  options: BackoffOptions = DEFAULT_BACKOFF,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(options.maxSeconds, options.baseSeconds * 2 ** Math.max(0, attempt - 1))
  return ceiling / 2 + (random() * ceiling) / 2
}
