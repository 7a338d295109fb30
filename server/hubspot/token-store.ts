// Per-portal OAuth tokens: sealed at rest, handed out fresh. A token near expiry is refreshed once per portal,
// however many callers need it at the same moment: one promise per portal inside this process, and a row lock
// (SELECT ... FOR UPDATE, expiry re-checked under the lock) across processes.
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { AppError } from '../errors.js';
import { toHubSpotApiError, withDeadline } from './hubspot-errors.js';
import { isBadRefreshToken, refreshTokens, type HubSpotApp, type TokenGrant } from './oauth.js';
import type { TokenCipher } from './token-crypto.js';

/** The portal cannot be called: never installed, uninstalled, or HubSpot revoked its refresh token. Callers stop. */
export class PortalUninstalledError extends AppError {
  readonly portalId: string;
  constructor(portalId: string, cause?: unknown) {
    super('conflict', `approval-router is not installed in HubSpot portal ${portalId}; an admin must install it again`, { cause });
    this.portalId = portalId;
  }
}

export interface TokenStoreOptions {
  db: Knex;
  cipher: TokenCipher;
  app: HubSpotApp;
  logger?: Pick<Logger, 'info' | 'warn'>;
  now?: () => Date;
  /** Refresh this long before expiry, so a token never expires in flight. */
  refreshMarginMs?: number;
  /** Bounds how long the row lock is held while HubSpot answers the refresh. */
  refreshTimeoutMs?: number;
}

interface TokenRow {
  portal_id: string;
  key_id: string;
  access_token_ciphertext: Buffer;
  refresh_token_ciphertext: Buffer;
  expires_at: Date;
  scopes: string[];
  hub_domain: string | null;
}

export class TokenStore {
  readonly #db: Knex;
  readonly #cipher: TokenCipher;
  readonly #app: HubSpotApp;
  readonly #logger: Pick<Logger, 'info' | 'warn'> | undefined;
  readonly #now: () => Date;
  readonly #marginMs: number;
  readonly #timeoutMs: number;
  readonly #inFlight = new Map<string, Promise<string>>();

  constructor(options: TokenStoreOptions) {
    this.#db = options.db;
    this.#cipher = options.cipher;
    this.#app = options.app;
    this.#logger = options.logger;
    this.#now = options.now ?? (() => new Date());
    this.#marginMs = options.refreshMarginMs ?? 5 * 60_000;
    this.#timeoutMs = options.refreshTimeoutMs ?? 10_000;
  }

  /** Stores a grant (install or refresh), sealed with the current key. Pass the install's transaction. */
  async save(db: Knex, portalId: string, grant: TokenGrant, details: { scopes: readonly string[]; hubDomain: string | null }): Promise<void> {
    const access = this.#cipher.encrypt(grant.accessToken, context(portalId, 'access'));
    const refresh = this.#cipher.encrypt(grant.refreshToken, context(portalId, 'refresh'));
    await db('hubspot_tokens').insert({
      portal_id: portalId,
      key_id: access.keyId,
      access_token_ciphertext: access.ciphertext,
      refresh_token_ciphertext: refresh.ciphertext,
      expires_at: new Date(this.#now().getTime() + grant.expiresInSeconds * 1000),
      scopes: [...details.scopes],
      hub_domain: details.hubDomain,
      updated_at: this.#now(),
    }).onConflict('portal_id').merge();
  }

  /** A token valid for at least the refresh margin; refreshes first when needed. */
  async accessToken(portalId: string): Promise<string> {
    const row = await this.#db('hubspot_tokens as t').join('portals as p', 'p.id', 't.portal_id')
      .where('t.portal_id', portalId).first<(TokenRow & { install_state: string }) | undefined>('t.*', 'p.install_state');
    if (!row || row.install_state !== 'installed') throw new PortalUninstalledError(portalId);
    if (this.#isFresh(row)) return this.#open(row, 'access');
    let pending = this.#inFlight.get(portalId);
    if (!pending) {
      pending = this.#refreshUnderLock(portalId).finally(() => this.#inFlight.delete(portalId));
      this.#inFlight.set(portalId, pending);
    }
    return pending;
  }

  async #refreshUnderLock(portalId: string): Promise<string> {
    const outcome = await this.#db.transaction(async (trx) => {
      const row = await trx('hubspot_tokens').where({ portal_id: portalId }).forUpdate().first<TokenRow | undefined>();
      if (!row) return { revoked: true as const, cause: undefined };
      // Another process may have refreshed while this one waited for the lock.
      if (this.#isFresh(row)) return { revoked: false as const, token: this.#open(row, 'access') };
      try {
        const grant = await withDeadline('token refresh', refreshTokens(this.#app, this.#open(row, 'refresh')), this.#timeoutMs);
        await this.save(trx, portalId, grant, { scopes: row.scopes, hubDomain: row.hub_domain });
        return { revoked: false as const, token: grant.accessToken };
      } catch (error) {
        const failure = toHubSpotApiError('token refresh', error);
        if (!isBadRefreshToken(failure)) throw failure;
        // Committed before the error is raised, so every process sees the uninstall, not just this caller.
        await trx('portals').where({ id: portalId }).update({ install_state: 'uninstalled', updated_at: this.#now() });
        await trx('hubspot_tokens').where({ portal_id: portalId }).delete();
        return { revoked: true as const, cause: failure };
      }
    });
    if (outcome.revoked) {
      this.#logger?.warn({ portalId }, 'HubSpot refused the refresh token (BAD_REFRESH_TOKEN): portal marked uninstalled');
      throw new PortalUninstalledError(portalId, outcome.cause);
    }
    this.#logger?.info({ portalId }, 'HubSpot access token refreshed');
    return outcome.token;
  }

  #isFresh(row: TokenRow): boolean {
    return row.expires_at.getTime() - this.#marginMs > this.#now().getTime();
  }

  #open(row: TokenRow, which: 'access' | 'refresh'): string {
    const ciphertext = which === 'access' ? row.access_token_ciphertext : row.refresh_token_ciphertext;
    return this.#cipher.decrypt({ keyId: row.key_id, ciphertext }, context(String(row.portal_id), which));
  }
}

/** Authenticated with each ciphertext: a token copied to another portal's row or column does not decrypt. */
function context(portalId: string, which: 'access' | 'refresh'): string {
  return `hubspot_tokens:${portalId}:${which}`;
}
