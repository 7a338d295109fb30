// `approval-router incidents --portal ID [--id N] [--json]`: list a portal's incidents, or print one packet.
// `approval-router incidents --quarantined [--portal ID] [--id N] [--json]`: list the malformed webhook events kept in
// quarantine (of every portal, those whose portal was unreadable included, unless one is named), or print one with
// its JSON as received. The operator running it holds the database, so no admin check applies.
import { parseArgs } from 'node:util';
import { findQuarantinedEvent, listQuarantinedEvents } from '../store/inbox.js';
import { findIncident, listIncidents } from '../store/incidents.js';
import { openForCommand } from './open-for-command.js';
import { terminalJson, terminalLine, terminalText } from '../terminal-text.js';

const USAGE = 'usage: approval-router incidents --portal ID [--id N] [--json]\n       approval-router incidents --quarantined [--portal ID] [--id N] [--json]';

export async function run(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { portal: { type: 'string' }, id: { type: 'string' }, json: { type: 'boolean' }, quarantined: { type: 'boolean' } } });
  const portalOk = values.portal === undefined ? values.quarantined === true : /^\d{1,18}$/.test(values.portal);
  if (!portalOk || (values.id !== undefined && !/^\d{1,18}$/.test(values.id))) {
    console.error(USAGE);
    return 2;
  }
  const database = await openForCommand();
  try {
    if (values.quarantined) return await showQuarantine(database.db, values.portal ?? null, values.id, values.json === true);
    const portal = values.portal!;
    if (values.id) {
      const incident = await findIncident(database.db, portal, values.id);
      if (!incident) {
        console.error(`no incident ${values.id} in portal ${portal}`);
        return 1;
      }
      console.log(values.json ? terminalJson(incident) : terminalText(`${incident.createdAt}  ${incident.kind}\n${incident.summary}\n\n${terminalJson(incident.packet)}`));
      return 0;
    }
    const incidents = await listIncidents(database.db, portal, { limit: 100 });
    if (values.json) console.log(terminalJson(incidents));
    else if (incidents.length === 0) console.log('no incidents');
    else for (const incident of incidents) console.log(terminalLine(`#${incident.id}  ${incident.createdAt}  ${incident.kind.padEnd(16)} ${incident.summary}`));
    return 0;
  } finally {
    await database.close();
  }
}

type Db = Awaited<ReturnType<typeof openForCommand>>['db'];

async function showQuarantine(db: Db, portal: string | null, id: string | undefined, json: boolean): Promise<number> {
  if (id !== undefined) {
    const event = await findQuarantinedEvent(db, id);
    if (!event || (portal !== null && event.portalId !== portal)) {
      console.error(`no quarantined event ${id}${portal === null ? '' : ` in portal ${portal}`}`);
      return 1;
    }
    if (json) console.log(terminalJson(event));
    else console.log(terminalText(`${event.receivedAt}  quarantined  portal ${event.portalId ?? 'unreadable'}  event ${event.batchIndex + 1} of ${event.batchSize} in its batch\n${problemsLine(event.problems)}\n\n${event.raw}`));
    return 0;
  }
  const events = await listQuarantinedEvents(db, portal, { limit: 100 });
  if (json) console.log(terminalJson(events));
  else if (events.length === 0) console.log('no quarantined webhook events');
  else {
    for (const event of events) {
      console.log(terminalLine(`#${event.id}  ${event.receivedAt}  portal ${(event.portalId ?? 'unreadable').padEnd(12)} event ${event.batchIndex + 1} of ${event.batchSize}: ${problemsLine(event.problems)}`));
    }
  }
  return 0;
}

function problemsLine(problems: readonly { path: string; message: string }[]): string {
  return problems.map(({ path, message }) => (path === '' ? message : `${path}: ${message}`)).join('; ');
}
