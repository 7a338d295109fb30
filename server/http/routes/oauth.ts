// The install flow: GET /oauth/install sends the admin to HubSpot's consent screen with a signed, expiring state;
// GET /oauth/callback installs the portal and answers with a page saying what happened and what next. A callback
// that carries a state must carry one of ours (signed, unexpired, unused); one without a state is an install HubSpot
// started (its install URL, the marketplace button) and is bound to the portal HubSpot names for the code (README,
// "Install", says why that is safe here). Every failure is a page with the right status and one log line, never a stack.
import { Router, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Db } from '../../db/database.js';
import type { HubSpotSetup } from '../../hubspot/connect.js';
import { loadDefaultPolicy, type DefaultPolicy } from '../../use-cases/install/default-policy.js';
import { HubSpotBudgetError } from '../../hubspot/hubspot-budget.js';
import { HubSpotApiError } from '../../hubspot/hubspot-errors.js';
import { installPortal, type InstallOutcome } from '../../use-cases/install/install-portal.js';
import { buildAuthorizeUrl } from '../../hubspot/oauth.js';
import { signState, verifyState } from '../../hubspot/oauth-state.js';
import { sendPage, type Page } from './oauth-pages.js';

export interface OAuthRouterDeps {
  db: Db;
  logger: Logger;
  /** From `connectHubSpot(...)`: when HubSpot is not configured both routes answer 503. */
  hubspot: HubSpotSetup;
  now: () => Date;
  defaultPolicy?: () => Promise<DefaultPolicy>;
}

const CallbackQuery = z.object({
  code: z.string().min(1).max(512).optional(),
  state: z.string().max(1024).optional(),
  error: z.string().max(200).optional(),
  error_description: z.string().max(1000).optional(),
});

const START_AGAIN: [string, string] = ['Start the install again', '/oauth/install'];

export function createOAuthRouter(deps: OAuthRouterDeps): Router {
  const router = Router();
  const { now } = deps;
  const defaultPolicy = deps.defaultPolicy ?? (() => loadDefaultPolicy());

  router.get('/oauth/install', (req, res) => {
    const { hubspot } = deps;
    if (!hubspot.configured) return notConfigured(req, res, deps, hubspot.missing);
    const state = signState(hubspot.connection.stateKey, now());
    res.set({ 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' })
      .redirect(302, buildAuthorizeUrl(hubspot.connection.app, state));
  });

  router.get('/oauth/callback', async (req, res) => {
    const { hubspot } = deps;
    if (!hubspot.configured) return notConfigured(req, res, deps, hubspot.missing);
    const log = req.log ?? deps.logger;
    const query = CallbackQuery.safeParse(req.query);
    if (!query.success) {
      log.warn({ outcome: 'bad_query' }, 'oauth callback: malformed query');
      return sendPage(res, { status: 400, title: 'This install link is not valid', paragraphs: ['The address HubSpot sent you back to is incomplete or malformed.'], links: [START_AGAIN] });
    }
    const { code, state, error } = query.data;
    if (error !== undefined) {
      const denied = error === 'access_denied';
      log.warn({ outcome: 'denied', hubspotError: error }, 'oauth callback: HubSpot did not grant access');
      return sendPage(res, denied
        ? { status: 403, title: 'Install cancelled', paragraphs: ['Access was not granted, so approval-router was not installed and nothing changed in your HubSpot account.', 'To install it, start again and choose “Connect app” on HubSpot’s consent screen. You need to be a super admin, or have App Marketplace access, in the account.'], links: [START_AGAIN] }
        : { status: 400, title: 'HubSpot did not complete the install', paragraphs: [`HubSpot answered “${error}”${query.data.error_description ? `: ${query.data.error_description}` : ''}. Nothing was installed.`], links: [START_AGAIN] });
    }

    // No state at all: HubSpot started the install. An empty or foreign one is refused like a forged one.
    const check = state === undefined ? null : verifyState(hubspot.connection.stateKey, state, now());
    if (check && !check.ok) {
      log.warn({ outcome: 'bad_state', reason: check.reason }, 'oauth callback: state rejected');
      return sendPage(res, check.reason === 'expired'
        ? { status: 400, title: 'This install link has expired', paragraphs: ['Install links are valid for 10 minutes. Nothing was installed; start again to get a fresh one.'], links: [START_AGAIN] }
        : { status: 400, title: 'This install link is not valid', paragraphs: ['The install did not start from this service (or the link was altered), so it was refused to protect your account. Nothing was installed.'], links: [START_AGAIN] });
    }
    if (!code) {
      log.warn({ outcome: 'bad_query' }, 'oauth callback: no code');
      return sendPage(res, { status: 400, title: 'This install link is not valid', paragraphs: ['HubSpot sent no authorization code. Nothing was installed.'], links: [START_AGAIN] });
    }

    try {
      const outcome = await installPortal({ db: deps.db, hubspot: hubspot.connection, now, defaultPolicy }, { code, state: check });

      if (outcome.kind === 'link_used') {
        log.warn({ outcome: 'bad_state', reason: 'replayed' }, 'oauth callback: state rejected');
        return sendPage(res, { status: 400, title: 'This install link was already used', paragraphs: ['Each install link works once. If the install did not finish, start again.'], links: [START_AGAIN] });
      }
      log.info({
        outcome: 'installed', startedBy: check ? 'service' : 'hubspot', portalId: outcome.portalId, reinstalled: outcome.reinstalled, policyAdded: outcome.policyAdded,
        timeZone: outcome.timeZone.ok ? outcome.timeZone.name : null, properties: describeProperties(outcome),
      }, 'oauth callback: portal installed');
      if (!outcome.timeZone.ok) log.warn({ portalId: outcome.portalId, why: outcome.timeZone.why }, 'oauth callback: the account\'s time zone is unknown; its day of HubSpot calls ends at midnight UTC');
      return sendPage(res, installedPage(outcome));
    } catch (failure) {
      return sendPage(res, failurePage(log, failure));
    }
  });

  return router;
}

function notConfigured(req: Request, res: Response, deps: OAuthRouterDeps, missing: string[]): void {
  (req.log ?? deps.logger).warn({ outcome: 'not_configured', missing }, 'oauth: HubSpot is not configured');
  sendPage(res, {
    status: 503,
    title: 'HubSpot is not configured on this server',
    paragraphs: [
      'approval-router runs, but it cannot be installed in a HubSpot account until its operator sets these variables:',
      missing.join(', '),
      'The local demo portal works without them.',
    ],
  });
}

function failurePage(log: Logger, failure: unknown): Page {
  if (failure instanceof HubSpotBudgetError) {
    log.warn({ outcome: 'hubspot_busy', reason: failure.reason }, `oauth callback: ${failure.message}`);
    return { status: 503, title: 'HubSpot asks us to wait', paragraphs: [`HubSpot cannot be called for this account right now (${failure.why}). Nothing was changed; try again later.`], links: [START_AGAIN] };
  }
  if (failure instanceof HubSpotApiError && !failure.retryable) {
    log.warn({ outcome: 'hubspot_refused', status: failure.hubspotStatus, category: failure.hubspotCategory }, `oauth callback: ${failure.message}`);
    return { status: 400, title: 'HubSpot refused the install', paragraphs: ['HubSpot did not accept the authorization (codes work once and expire after a few minutes). Nothing was installed; start again.'], links: [START_AGAIN] };
  }
  if (failure instanceof HubSpotApiError) {
    log.warn({ outcome: 'hubspot_unavailable', status: failure.hubspotStatus, category: failure.hubspotCategory }, `oauth callback: ${failure.message}`);
    return { status: 502, title: 'HubSpot is not answering', paragraphs: ['HubSpot did not answer correctly, so the install could not finish. Nothing was changed; try again in a few minutes.'], links: [START_AGAIN] };
  }
  // Ours (database, a broken default policy): the message only, no stack, no query (it holds the code).
  log.error({ outcome: 'failed', error: failure instanceof Error ? `${failure.name}: ${failure.message}` : String(failure) }, 'oauth callback: install failed');
  return { status: 500, title: 'The install could not finish', paragraphs: ['Something went wrong on our side. Nothing was changed in your HubSpot account; try again, and tell your approval-router operator if it keeps happening.'], links: [START_AGAIN] };
}

function installedPage(outcome: InstallOutcome): Page {
  const where = outcome.hubDomain ? `${outcome.hubDomain} (portal ${outcome.portalId})` : `portal ${outcome.portalId}`;
  const deals = `https://app.hubspot.com/contacts/${outcome.portalId}/objects/0-3/views/all/list`;
  const happened = [
    outcome.reinstalled ? `approval-router is connected again to ${where}.` : `approval-router is installed in ${where}.`,
    outcome.policyAdded
      ? `It starts with the example policy “${outcome.policyName}” (discount, payment terms, contract term and deal size decide the route). Edit it to match your own approval rules before you rely on it.`
      : `Your approval policy “${outcome.policyName}” is unchanged.`,
  ];
  if (!outcome.properties.ok) {
    return {
      status: 502,
      title: 'Installed, but not finished',
      paragraphs: [...happened, 'HubSpot did not answer while the “Approval router” deal properties were being created. Open the install link again to finish: repeating it is safe and changes nothing else.'],
      links: [START_AGAIN],
    };
  }
  const { created, conflicting } = outcome.properties.result;
  return {
    status: 200,
    title: outcome.reinstalled ? 'approval-router is connected' : 'approval-router is installed',
    paragraphs: [
      ...happened,
      created.length > 0 ? `The “Approval router” group of deal properties was created (${created.length} properties: status, score, route, step, request id, decision time, approvers).` : 'The “Approval router” deal properties were already there.',
      ...(conflicting.length > 0 ? [`These properties exist with another type and were left alone: ${conflicting.join(', ')}. Sync to them will fail until they are fixed or removed.`] : []),
      ...(outcome.timeZone.ok ? [] : [`The account's time zone could not be read (${outcome.timeZone.why}), so its daily budget of HubSpot calls is counted to midnight UTC. Installing again reads it again.`]),
      'The app runs in shadow mode: on a deal, the Approvals card shows the score, the route and who would approve, but nothing is written to deals and no stage is blocked. Switch it on once the routes look right.',
      'Next: open a deal and look at the Approvals card in the right sidebar or a record tab.',
    ],
    links: [['Open your deals in HubSpot', deals]],
  };
}

function describeProperties(outcome: InstallOutcome): string {
  if (!outcome.properties.ok) return 'failed';
  const { created, conflicting } = outcome.properties.result;
  return `${created.length} created${conflicting.length ? `, ${conflicting.length} conflicting` : ''}`;
}
