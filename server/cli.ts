// The `approval-router` command line: each command lives in server/commands and is loaded on demand.
import { ConfigError } from './config.js';

const COMMANDS: Record<string, () => Promise<{ run: (args: string[]) => Promise<number> }>> = {
  serve: () => import('./commands/serve.js'),
  migrate: () => import('./commands/migrate.js'),
  verify: () => import('./commands/verify.js'),
  replay: () => import('./commands/replay.js'),
  demo: () => import('./commands/demo.js'),
  delegate: () => import('./commands/delegate.js'),
  incidents: () => import('./commands/incidents.js'),
  worker: () => import('./commands/worker.js'),
  route: () => import('./commands/route.js'),
  policy: () => import('./commands/policy.js'),
  simulate: () => import('./commands/simulate.js'),
  report: () => import('./commands/report.js'),
  slack: () => import('./commands/slack.js'),
  baseline: () => import('./commands/baseline.js'),
};

const USAGE = `usage: approval-router <command> [options]

commands:
${Object.keys(COMMANDS).map((name) => `  ${name}`).join('\n')}
`;

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(USAGE);
    return name === undefined ? 2 : 0;
  }
  const load = COMMANDS[name];
  if (!load) {
    console.error(`unknown command "${name}"\n\n${USAGE}`);
    return 2;
  }
  const command = await load();
  return command.run(args);
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (error: unknown) => {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exitCode = 2;
      return;
    }
    const message = error instanceof Error ? error.message : String(error);
    console.error(`approval-router: ${message}`);
    process.exitCode = 1;
  },
);
