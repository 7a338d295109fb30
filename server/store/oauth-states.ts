// The OAuth `state` nonces already used: the primary key makes each install link single-use across processes.
import type { Knex } from 'knex';

/** Records the nonce as used; false when it was used before. Expired nonces are dropped: they cannot be replayed. */
export async function consumeOAuthState(db: Knex, state: { nonce: string; expiresAt: Date }, now: Date): Promise<boolean> {
  await db('oauth_state_nonces').where('expires_at', '<', now).delete();
  const inserted = await db('oauth_state_nonces').insert({ nonce: state.nonce, expires_at: state.expiresAt, used_at: now })
    .onConflict('nonce').ignore().returning('nonce');
  return inserted.length === 1;
}
