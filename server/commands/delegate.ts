// `approval-router delegate`: set, list and revoke away windows for a portal from the command line, with the same
// checks as the admin API (both people in the directory, a window that ends after it starts and is not over).
import { userInfo } from 'node:os';
import { DelegationWindow } from '../../src/contract/card-api.js';
import { loadConfig } from '../config.js';
import { AppError } from '../errors.js';
import { createLogger } from '../logger.js';
import { connectCrms } from '../main.js';
import { findPortal } from '../store/portals.js';
import type { ServiceDeps } from '../use-cases/deps.js';
import { createDelegation, listPortalDelegations, revokePortalDelegation, type DelegationView } from '../use-cases/admin/manage-delegations.js';
import { openForCommand } from './open-for-command.js';
import { parseCommandArgs, usageError, isPortalId } from './parse-command-args.js';

const USAGE = `usage:
  approval-router delegate --portal ID --from EMAIL --to EMAIL --starts WHEN --ends WHEN [--by NAME]
  approval-router delegate --portal ID --list [--all] [--json]
  approval-router delegate --portal ID --revoke DELEGATION_ID [--by NAME]

WHEN is an instant (2026-12-21T09:00:00Z, 2026-12-21T09:00:00+01:00) or a date (2026-12-21: midnight UTC).
While the window lasts, steps that would go to --from go to --to instead (one hop: --to's own delegation is not followed).`;

const FLAG_OF: Record<string, string> = { from: '--from', to: '--to', startsAt: '--starts', endsAt: '--ends' };

export async function run(args: string[]): Promise<number> {
  const values = parseCommandArgs(args, {
    portal: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, starts: { type: 'string' }, ends: { type: 'string' },
    by: { type: 'string' }, list: { type: 'boolean', default: false }, all: { type: 'boolean', default: false },
    revoke: { type: 'string' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false },
  }, USAGE);
  if (typeof values === 'number') return values;
  if (!isPortalId(values.portal)) return usageError(`--portal takes a portal id (digits)`, USAGE);
  const creating = values.from !== undefined || values.to !== undefined || values.starts !== undefined || values.ends !== undefined;
  if (Number(values.list) + Number(values.revoke !== undefined) + Number(creating) !== 1) return usageError(`choose one of: a new window (--from --to --starts --ends), --list, or --revoke ID`, USAGE);
  let body: ReturnType<typeof DelegationWindow.parse> | undefined;
  if (creating) {
    const parsed = DelegationWindow.safeParse({ from: values.from, to: values.to, startsAt: asInstant(values.starts), endsAt: asInstant(values.ends) });
    if (!parsed.success) {
      for (const issue of parsed.error.issues) console.error(`${FLAG_OF[String(issue.path[0])] ?? String(issue.path[0])}: ${issue.message}`);
      return 2;
    }
    body = parsed.data;
  }

  const database = await openForCommand();
  try {
    const portal = await findPortal(database.db, values.portal);
    if (!portal) {
      console.error(`portal ${values.portal} is not in this database`);
      return 1;
    }
    const deps = commandDeps(database.db);
    const actor = { email: values.by ?? `cli:${userInfo().username}`, admin: true };
    if (values.list) {
      const { delegations } = await listPortalDelegations(deps, portal, actor, { all: values.all });
      if (values.json) console.log(JSON.stringify(delegations, null, 2));
      else if (delegations.length === 0) console.log(values.all ? 'no delegations' : 'no current or upcoming delegations (--all lists past ones too)');
      else for (const d of delegations) console.log(describe(d));
      return 0;
    }
    if (values.revoke !== undefined) {
      if (!/^[0-9a-f-]{36}$/i.test(values.revoke)) {
        console.error('--revoke takes a delegation id (a UUID, as --list shows)');
        return 2;
      }
      const { delegation, changed } = await revokePortalDelegation(deps, portal, actor, values.revoke);
      console.log(`${changed ? 'revoked' : 'already revoked'}: ${describe(delegation)}`);
      return 0;
    }
    if (!body) throw new Error('unreachable: no delegation to create');
    const { body: answer, status } = await createDelegation(deps, portal, actor, body);
    console.log(`${status === 201 ? 'set' : 'already set'}: ${describe(answer.delegation)}`);
    for (const warning of answer.warnings) console.log(`note: ${warning}`);
    return 0;
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    console.error(error.message);
    for (const detail of error.details ?? []) console.error(`  ${FLAG_OF[detail.path.replace(/^body\./, '')] ?? detail.path}: ${detail.message}`);
    return 1;
  } finally {
    await database.close();
  }
}

/** A bare date means midnight UTC; anything else goes to the schema as given. */
function asInstant(value: string | undefined): string | undefined {
  return value !== undefined && /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value;
}

function describe(d: DelegationView): string {
  const who = (email: string, name: string | null) => (name ? `${name} <${email}>` : email);
  return `${d.id}  ${d.status.padEnd(8)} ${who(d.from, d.fromName)} -> ${who(d.to, d.toName)}  ${d.startsAt} .. ${d.endsAt}  (set by ${d.createdBy})`;
}

/** The demo portal's directory is in Postgres; installed portals need HubSpot credentials to read theirs. */
function commandDeps(db: ServiceDeps['db']): ServiceDeps {
  const config = loadConfig();
  const logger = createLogger({ level: config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL });
  const now = () => new Date();
  const { crmFor } = connectCrms({ db, config, logger, now });
  return { db, logger, now, crmFor: crmFor('interactive') };
}
