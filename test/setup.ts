import { DefaultLogger, Runtime } from '@temporalio/worker';

// One Temporal runtime per test process, quiet: the assertions say what matters,
// and the replay test's deliberate nondeterminism would otherwise flood the output.
try {
  Runtime.install({
    logger: new DefaultLogger('ERROR'),
    telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' }, forward: {} } },
    shutdownSignals: [],
  });
} catch {
  // Vitest reuses a process across files; the runtime is already installed.
}
