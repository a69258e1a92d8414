import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { WORKER_HEARTBEAT_INTERVAL_MS } from '../../api/health';

/**
 * A worker in a process of its own, for tests that end it the way a crash
 * does (SIGKILL: no shutdown, no goodbye to Temporal):
 * `node --import tsx test/helpers/crashableWorker.ts <address> <taskQueue> <workflowBundlePath>`.
 * It runs the real workflows; nothing starts any on its task queue.
 */
const [address, taskQueue, codePath] = process.argv.slice(2) as [string, string, string];
Runtime.install({
  logger: new DefaultLogger('ERROR'),
  telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' }, forward: {} } },
  workerHeartbeatInterval: WORKER_HEARTBEAT_INTERVAL_MS,
});
const connection = await NativeConnection.connect({ address });
const worker = await Worker.create({ connection, taskQueue, workflowBundle: { codePath } });
console.log('polling');
await worker.run();
