// A portal's Slack connection as sealed bytes: the use case seals and opens the bot token and signing secret, this
// module only keeps them. A disconnected portal keeps its row (without secrets) so the version moves on.
import type { Knex } from 'knex';

export interface SealedSlackConnection {
  portalId: string;
  version: number;
  teamId: string;
  teamName: string | null;
  botUserId: string | null;
  keyId: string;
  botToken: Buffer;
  signingSecret: Buffer;
  connectedBy: string | null;
  connectedAt: string | null;
}

interface ConnectionRow {
  portal_id: string;
  version: number;
  team_id: string | null;
  team_name: string | null;
  bot_user_id: string | null;
  key_id: string | null;
  bot_token_ciphertext: Buffer | null;
  signing_secret_ciphertext: Buffer | null;
  connected_by: string | null;
  connected_at: Date | null;
}

const toSealed = (row: ConnectionRow): SealedSlackConnection | null => (
  row.team_id === null || row.key_id === null || row.bot_token_ciphertext === null || row.signing_secret_ciphertext === null ? null : {
    portalId: String(row.portal_id), version: row.version, teamId: row.team_id, teamName: row.team_name, botUserId: row.bot_user_id,
    keyId: row.key_id, botToken: row.bot_token_ciphertext, signingSecret: row.signing_secret_ciphertext,
    connectedBy: row.connected_by, connectedAt: row.connected_at?.toISOString() ?? null,
  });

/** The portal's connection, or null while it has none. */
export async function findSlackConnection(db: Knex, portalId: string): Promise<SealedSlackConnection | null> {
  const row = await db('slack_connections').where({ portal_id: portalId }).first<ConnectionRow | undefined>();
  return row ? toSealed(row) : null;
}

/** The connection of the workspace a Slack request names, or null when no portal connected it. */
export async function findSlackConnectionByTeam(db: Knex, teamId: string): Promise<SealedSlackConnection | null> {
  const row = await db('slack_connections').where({ team_id: teamId }).first<ConnectionRow | undefined>();
  return row ? toSealed(row) : null;
}

/** The version connecting or disconnecting is conditioned on: 0 before the portal's first connection. */
export async function slackConnectionVersion(db: Knex, portalId: string): Promise<number> {
  const row = await db('slack_connections').where({ portal_id: portalId }).first<{ version: number } | undefined>('version');
  return row?.version ?? 0;
}

export type SaveConnectionResult = { ok: true; version: number } | { ok: false; reason: 'team_taken' };

/** Stores the connection, replacing what the portal had; refused when another portal connected that workspace. */
export async function saveSlackConnection(
  trx: Knex.Transaction, connection: Omit<SealedSlackConnection, 'version' | 'connectedAt'>, at: string,
): Promise<SaveConnectionResult> {
  const taken = await trx('slack_connections').where({ team_id: connection.teamId }).whereNot({ portal_id: connection.portalId }).first<{ portal_id: string } | undefined>('portal_id');
  if (taken) return { ok: false, reason: 'team_taken' };
  const [row] = await trx('slack_connections').insert({
    portal_id: connection.portalId, version: 1, team_id: connection.teamId, team_name: connection.teamName, bot_user_id: connection.botUserId,
    key_id: connection.keyId, bot_token_ciphertext: connection.botToken, signing_secret_ciphertext: connection.signingSecret,
    connected_by: connection.connectedBy, connected_at: at, updated_at: at,
  }).onConflict('portal_id').merge({
    version: trx.raw('slack_connections.version + 1'), team_id: connection.teamId, team_name: connection.teamName, bot_user_id: connection.botUserId,
    key_id: connection.keyId, bot_token_ciphertext: connection.botToken, signing_secret_ciphertext: connection.signingSecret,
    connected_by: connection.connectedBy, connected_at: at, updated_at: at,
  }).returning<{ version: number }[]>('version');
  if (!row) throw new Error('the Slack connection was not stored');
  return { ok: true, version: row.version };
}

/** Forgets the secrets and the workspace (and the approvers found in it); returns the new version, or null when none was connected. */
export async function clearSlackConnection(trx: Knex.Transaction, portalId: string, at: string): Promise<number | null> {
  const [row] = await trx('slack_connections').where({ portal_id: portalId }).whereNotNull('team_id').update({
    version: trx.raw('version + 1'), team_id: null, team_name: null, bot_user_id: null, key_id: null,
    bot_token_ciphertext: null, signing_secret_ciphertext: null, connected_by: null, connected_at: null, updated_at: at,
  }).returning<{ version: number }[]>('version');
  if (!row) return null;
  await trx('slack_users').where({ portal_id: portalId }).delete();
  return row.version;
}
