// Per-portal OAuth tokens: sealed at rest, handed out fresh. A token near expiry is refreshed once per portal,
// however many callers need it at the same moment: one promise per portal inside this process, and a row lock
// (the token row locked, expiry re-checked under the lock) across processes. A refresh HubSpot refuses for good
// (`invalid_grant`, or v1's `BAD_REFRESH_TOKEN`) marks the portal uninstalled and forgets its tokens and the copies
// of its deals. The rows live in store/tokens.ts.
import type { Logger } from 'pino';
import type { Db } from '../db/database.js';
import { AppError } from '../errors.js';
import { dropPortalDealCopies } from '../store/deal-cache.js';
import { markPortalUninstalled } from '../store/portals.js';
import { deleteTokens, installedPortalTokens, lockTokens, saveTokens, type SealedTokens } from '../store/tokens.js';
import { toHubSpotApiError, withDeadline } from './hubspot-errors.js';
import { isRevokedRefreshToken, refreshTokens, type HubSpotApp, type TokenGrant } from './oauth.js';
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
  db: Db;
  cipher: TokenCipher;
  app: HubSpotApp;
  logger?: Pick<Logger, 'info' | 'warn'>;
  /** The service's clock: it decides when a token is due for refresh. */
  now: () => Date;
  /** Refresh this long before expiry, so a token never expires in flight. */
  refreshMarginMs?: number;
  /** Bounds how long the row lock is held while HubSpot answers the refresh. */
  refreshTimeoutMs?: number;
}

export class TokenStore {
  readonly #db: Db;
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
    this.#now = options.now;
    this.#marginMs = options.refreshMarginMs ?? 5 * 60_000;
    this.#timeoutMs = options.refreshTimeoutMs ?? 10_000;
  }

  /** Stores a grant (install or refresh), sealed with the current key. Pass the install's transaction. */
  async save(db: Db, portalId: string, grant: TokenGrant, details: { scopes: readonly string[]; hubDomain: string | null }): Promise<void> {
    const access = this.#cipher.encrypt(grant.accessToken, context(portalId, 'access'));
    const refresh = this.#cipher.encrypt(grant.refreshToken, context(portalId, 'refresh'));
    const at = this.#now();
    await saveTokens(db, {
      portalId,
      keyId: access.keyId,
      accessToken: access.ciphertext,
      refreshToken: refresh.ciphertext,
      expiresAt: new Date(at.getTime() + grant.expiresInSeconds * 1000),
      scopes: [...details.scopes],
      hubDomain: details.hubDomain,
    }, at);
  }

  /** A token valid for at least the refresh margin; refreshes first when needed. */
  async accessToken(portalId: string): Promise<string> {
    const tokens = await installedPortalTokens(this.#db, portalId);
    if (!tokens) throw new PortalUninstalledError(portalId);
    if (this.#isFresh(tokens)) return this.#open(tokens, 'access');
    let pending = this.#inFlight.get(portalId);
    if (!pending) {
      pending = this.#refreshUnderLock(portalId).finally(() => this.#inFlight.delete(portalId));
      this.#inFlight.set(portalId, pending);
    }
    return pending;
  }

  async #refreshUnderLock(portalId: string): Promise<string> {
    const outcome = await this.#db.transaction(async (trx) => {
      const tokens = await lockTokens(trx, portalId);
      if (!tokens) return { revoked: true as const, cause: undefined };
      // Another process may have refreshed while this one waited for the lock.
      if (this.#isFresh(tokens)) return { revoked: false as const, token: this.#open(tokens, 'access') };
      try {
        const grant = await withDeadline('token refresh', refreshTokens(this.#app, this.#open(tokens, 'refresh')), this.#timeoutMs);
        await this.save(trx, portalId, grant, { scopes: tokens.scopes, hubDomain: tokens.hubDomain });
        return { revoked: false as const, token: grant.accessToken };
      } catch (error) {
        const failure = toHubSpotApiError('token refresh', error);
        if (!isRevokedRefreshToken(failure)) throw failure;
        // Committed before the error is raised, so every process sees the uninstall, not just this caller.
        await markPortalUninstalled(trx, portalId, this.#now());
        await deleteTokens(trx, portalId);
        // Copies of its deals go with its tokens: the portal's own records (requests, traces) stay, HubSpot's data does not.
        await dropPortalDealCopies(trx, portalId);
        return { revoked: true as const, cause: failure };
      }
    });
    if (outcome.revoked) {
      if (outcome.cause) this.#logger?.warn({ portalId, hubspotError: outcome.cause.hubspotCategory }, 'HubSpot refused the refresh token for good: portal marked uninstalled');
      throw new PortalUninstalledError(portalId, outcome.cause);
    }
    this.#logger?.info({ portalId }, 'HubSpot access token refreshed');
    return outcome.token;
  }

  #isFresh(tokens: SealedTokens): boolean {
    return tokens.expiresAt.getTime() - this.#marginMs > this.#now().getTime();
  }

  #open(tokens: SealedTokens, which: 'access' | 'refresh'): string {
    const ciphertext = which === 'access' ? tokens.accessToken : tokens.refreshToken;
    return this.#cipher.decrypt({ keyId: tokens.keyId, ciphertext }, context(tokens.portalId, which));
  }
}

/** Authenticated with each ciphertext: a token copied to another portal's row or column does not decrypt. */
function context(portalId: string, which: 'access' | 'refresh'): string {
  return `hubspot_tokens:${portalId}:${which}`;
}
