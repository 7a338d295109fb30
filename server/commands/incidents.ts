// `approval-router incidents --portal ID [--id N] [--json]`: list a portal's incidents, or print one packet.
// The operator running it holds the database, so no admin check applies.
import { parseArgs } from 'node:util';
import { findIncident, listIncidents } from '../store/incidents.js';
import { openForCommand } from './open-for-command.js';
import { terminalJson, terminalLine, terminalText } from '../terminal-text.js';

export async function run(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { portal: { type: 'string' }, id: { type: 'string' }, json: { type: 'boolean' } } });
  if (!values.portal || !/^\d+$/.test(values.portal) || (values.id !== undefined && !/^\d{1,18}$/.test(values.id))) {
    console.error('usage: approval-router incidents --portal ID [--id N] [--json]');
    return 2;
  }
  const database = await openForCommand();
  try {
    if (values.id) {
      const incident = await findIncident(database.db, values.portal, values.id);
      if (!incident) {
        console.error(`no incident ${values.id} in portal ${values.portal}`);
        return 1;
      }
      console.log(values.json ? terminalJson(incident) : terminalText(`${incident.createdAt}  ${incident.kind}\n${incident.summary}\n\n${terminalJson(incident.packet)}`));
      return 0;
    }
    const incidents = await listIncidents(database.db, values.portal, { limit: 100 });
    if (values.json) console.log(terminalJson(incidents));
    else if (incidents.length === 0) console.log('no incidents');
    else for (const incident of incidents) console.log(terminalLine(`#${incident.id}  ${incident.createdAt}  ${incident.kind.padEnd(16)} ${incident.summary}`));
    return 0;
  } finally {
    await database.close();
  }
}
