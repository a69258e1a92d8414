import { performance } from 'node:perf_hooks';

/** How often the read model is asked which answered tickets it shows yet. */
const POLL_MS = 5;

/**
 * Read-model lag: the time from the API's answer for a ticket until the read
 * model shows it. Everything still pending is asked for in one query every
 * POLL_MS; a ticket counts as seen at the start of the first query that finds
 * it, so a lag is over by at most one poll (POLL_MS plus the query's time).
 */
export class LagWatch {
  readonly lags: number[] = [];
  private readonly pending = new Map<string, number>();
  private stopping = false;
  private failure: unknown = null;
  private readonly polling: Promise<void>;

  /** `visible(numbers)` returns those of `numbers` the read model shows. */
  constructor(private readonly visible: (numbers: string[]) => Promise<string[]>) {
    this.polling = this.poll().catch((error: unknown) => {
      this.failure = error;
    });
  }

  /** The API has just answered for this ticket. */
  answered(number: string): void {
    this.pending.set(number, performance.now());
  }

  /** Waits until every answered ticket is seen or `timeoutMs` passes; returns the numbers never seen. */
  async stop(timeoutMs: number): Promise<string[]> {
    const deadline = performance.now() + timeoutMs;
    while (this.pending.size > 0 && !this.failure && performance.now() < deadline) await sleep(POLL_MS);
    this.stopping = true;
    await this.polling;
    if (this.failure) throw this.failure;
    return [...this.pending.keys()];
  }

  private async poll(): Promise<void> {
    while (!this.stopping) {
      if (this.pending.size > 0) {
        const asked = [...this.pending.keys()];
        const at = performance.now();
        for (const number of await this.visible(asked)) {
          this.lags.push(at - this.pending.get(number)!);
          this.pending.delete(number);
        }
      }
      await sleep(POLL_MS);
    }
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
