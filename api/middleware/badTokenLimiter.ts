/**
 * Failed bearer authentications per client, in a sliding window: after
 * `maxFailures` within `windowMs` the client is refused until its oldest
 * failure in the window ages out. In memory, per API process; the number of
 * clients tracked is bounded, so a flood of addresses cannot exhaust memory.
 */
export interface BadTokenLimiterOptions {
  maxFailures?: number;
  windowMs?: number;
  /** Clients tracked at most; beyond it the stalest are forgotten. */
  maxClients?: number;
  now?: () => number;
}

export class BadTokenLimiter {
  readonly maxFailures: number;
  readonly windowMs: number;
  private readonly maxClients: number;
  private readonly now: () => number;
  /** Failure times per client, oldest first; Map order is least recently failed first. */
  private readonly failures = new Map<string, number[]>();

  constructor({ maxFailures = 20, windowMs = 60_000, maxClients = 10_000, now = Date.now }: BadTokenLimiterOptions = {}) {
    this.maxFailures = maxFailures;
    this.windowMs = windowMs;
    this.maxClients = maxClients;
    this.now = now;
  }

  /** Seconds until this client may try again; 0 when it may now. */
  retryAfterSeconds(client: string): number {
    const times = this.recent(client);
    if (times.length < this.maxFailures) return 0;
    return Math.max(1, Math.ceil((times[times.length - this.maxFailures]! + this.windowMs - this.now()) / 1000));
  }

  recordFailure(client: string): void {
    const times = this.recent(client);
    times.push(this.now());
    // Only the last maxFailures matter to the decision.
    if (times.length > this.maxFailures) times.splice(0, times.length - this.maxFailures);
    this.failures.delete(client);
    this.failures.set(client, times);
    if (this.failures.size > this.maxClients) this.evict();
  }

  /** Clients with failures in the window (for tests and diagnostics). */
  get trackedClients(): number {
    return this.failures.size;
  }

  private recent(client: string): number[] {
    const times = this.failures.get(client);
    if (!times) return [];
    const cutoff = this.now() - this.windowMs;
    const kept = times.filter((t) => t > cutoff);
    if (kept.length === 0) this.failures.delete(client);
    else if (kept.length !== times.length) this.failures.set(client, kept);
    return kept;
  }

  private evict(): void {
    const cutoff = this.now() - this.windowMs;
    for (const [client, times] of this.failures) {
      if (times.at(-1)! <= cutoff) this.failures.delete(client);
    }
    // Still too many live clients: forget those that failed least recently.
    for (const client of this.failures.keys()) {
      if (this.failures.size <= this.maxClients) break;
      this.failures.delete(client);
    }
  }
}
