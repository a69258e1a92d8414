import { DefaultLogger, Runtime } from '@temporalio/worker';
import { WORKER_HEARTBEAT_INTERVAL_MS } from '../api/health';

// One Temporal runtime per test process, quiet: the assertions say what matters,
// and the replay test's deliberate nondeterminism would otherwise flood the output.
try {
  Runtime.install({
    logger: new DefaultLogger('ERROR'),
    telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' }, forward: {} } },
    shutdownSignals: [],
    // As the CLI does: /health judges workers by these heartbeats.
    workerHeartbeatInterval: WORKER_HEARTBEAT_INTERVAL_MS,
  });
} catch {
  // Vitest reuses a process across files; the runtime is already installed.
}
