// The worker's entry for benchmarks: every Tempodesk workflow plus a no-op one,
// so the baseline runs on the same worker, task queue and server as the incidents.
export * from '../workflows/index';

/** Does nothing: its cost is Temporal's own floor for one workflow. */
export async function emptyWorkflow(): Promise<void> {}
