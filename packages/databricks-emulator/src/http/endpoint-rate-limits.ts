import type { Clock } from '../clock.js';

/**
 * Per-endpoint request rates a workspace enforces, as Databricks' "Resource limits" page lists them (requests
 * per second per workspace, for example Jobs `run-now`). Each limited route keeps the arrival times of its last
 * second of requests; one more than the limit is refused with the number of whole seconds until the oldest
 * leaves the window (at least 1), which the server sends as `Retry-After`.
 */
export class EndpointRateLimits {
  readonly #limits = new Map<string, number>();
  readonly #arrivals = new Map<string, number[]>();

  constructor(
    private readonly clock: Clock,
    limits: Record<string, number> = {},
  ) {
    this.replace(limits);
  }

  /** Route name → requests per second; a route not listed is not limited. */
  replace(limits: Record<string, number>): void {
    this.#limits.clear();
    this.#arrivals.clear();
    for (const [route, perSecond] of Object.entries(limits)) this.#limits.set(route, perSecond);
  }

  current(): Record<string, number> {
    return Object.fromEntries(this.#limits);
  }

  /** Records one request; undefined when it is allowed, else the seconds to wait. */
  admit(route: string): number | undefined {
    const limit = this.#limits.get(route);
    if (limit === undefined) return undefined;
    const now = this.clock.now();
    const recent = (this.#arrivals.get(route) ?? []).filter((t) => t > now - 1000);
    if (recent.length >= limit) {
      this.#arrivals.set(route, recent);
      const oldest = recent[0] ?? now;
      return Math.max(1, Math.ceil((oldest + 1000 - now) / 1000));
    }
    recent.push(now);
    this.#arrivals.set(route, recent);
    return undefined;
  }
}
