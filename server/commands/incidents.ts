// `approval-router incidents --portal ID [--id N] [--json]`: list a portal's incidents, or print one packet.
import { parseArgs } from 'node:util';
import { openForCommand } from './open-for-command.js';
import { terminalJson, terminalLine, terminalText } from '../terminal-text.js';

export async function run(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { portal: { type: 'string' }, id: { type: 'string' }, json: { type: 'boolean' } } });
  if (!values.portal || !/^\d+$/.test(values.portal)) {
    console.error('usage: approval-router incidents --portal ID [--id N] [--json]');
    return 2;
  }
  const database = await openForCommand();
  try {
    if (values.id) {
      const row = await database.db('incidents').where({ portal_id: values.portal, id: values.id }).first<{ kind: string; summary: string; packet: unknown; created_at: Date } | undefined>();
      if (!row) {
        console.error(`no incident ${values.id} in portal ${values.portal}`);
        return 1;
      }
      console.log(values.json ? terminalJson(row) : terminalText(`${row.created_at.toISOString()}  ${row.kind}\n${row.summary}\n\n${terminalJson(row.packet)}`));
      return 0;
    }
    const rows = await database.db('incidents').where({ portal_id: values.portal }).orderBy('id', 'desc').limit(100)
      .select<{ id: string; kind: string; summary: string; created_at: Date }[]>('id', 'kind', 'summary', 'created_at');
    if (values.json) console.log(terminalJson(rows));
    else if (rows.length === 0) console.log('no incidents');
    else for (const row of rows) console.log(terminalLine(`#${row.id}  ${row.created_at.toISOString()}  ${row.kind.padEnd(16)} ${row.summary}`));
    return 0;
  } finally {
    await database.close();
  }
}
