// `approval-router worker`: run job workers only (outbox sync, SLA timers, webhook processing), no HTTP.
// Any number of worker processes can share one database: jobs are claimed with FOR UPDATE SKIP LOCKED.
import { growHeapInLargerSteps } from '../heap-growth.js';
import { buildRuntime, createWorker } from '../main.js';

export async function run(_args: string[]): Promise<number> {
  growHeapInLargerSteps();
  const runtime = await buildRuntime();
  const worker = createWorker(runtime);
  worker.start();
  runtime.logger.info('approval-router worker is running');
  await new Promise<void>((resolve) => {
    const onSignal = () => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      resolve();
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
  await worker.stop();
  await runtime.database.close();
  // The SMTP pool's kept-open connections would hold the process.
  runtime.deps.email?.mailer?.close();
  runtime.logger.info('worker stopped');
  return 0;
}
