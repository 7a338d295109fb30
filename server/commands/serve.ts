// `approval-router serve`: run the service until SIGTERM or SIGINT.
import { growHeapInLargerSteps } from '../heap-growth.js';
import { startService } from '../main.js';

export async function run(_args: string[]): Promise<number> {
  growHeapInLargerSteps();
  const service = await startService();
  console.log(`approval-router is running at ${service.url}  (health: ${service.url}/healthz, ready: ${service.url}/readyz)`);
  await new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      void service.stop(signal).then(resolve, (error: unknown) => {
        console.error('shutdown failed:', error instanceof Error ? error.message : error);
        process.exitCode = 1;
        resolve();
      });
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
  return process.exitCode === 1 ? 1 : 0;
}
