// The pages an email's Approve and Reject links open. GET shows what is asked and never decides (mail scanners and
// link previews open links too); the page's form POSTs the decision. The form is checked three ways against
// cross-site posts: its Origin must be this service's, it must carry the token the page was served with (bound to
// the link and to a random value in a SameSite=Strict cookie, see use-cases/email/link-token.ts), and the cookie must
// come with it.
import { randomBytes } from 'node:crypto';
import express, { Router, type ErrorRequestHandler, type Request, type Response } from 'express';
import { z } from 'zod';
import { databaseTroubleOf } from '../../db/database-errors.js';
import { AppError } from '../../errors.js';
import type { ServiceDeps } from '../../use-cases/deps.js';
import { COMMENT_MAX_LENGTH, decideByLink } from '../../use-cases/email/decide-by-link.js';
import { confirmationToken, openLink } from '../../use-cases/email/open-link.js';
import { openOptOut, optOutOfEmail } from '../../use-cases/email/opt-out.js';
import { EMAIL_DECISION_PATH, EMAIL_OPT_OUT_PATH } from '../../use-cases/notify/email-channel.js';
import { confirmPage, donePage, errorPage, optOutPage, refusalPage, sendPage } from '../email-pages.js';

const TokenParams = z.object({ token: z.string().min(1).max(4096) });

const DecisionForm = z.object({
  csrf: z.string().min(1).max(200),
  version: z.coerce.number().int().min(1).max(2_147_483_647),
  // Browsers may send a little more than maxlength (line breaks as CRLF): the use case trims and caps it.
  comment: z.string().max(COMMENT_MAX_LENGTH * 2).default(''),
});

export function createEmailDecisionRouter(deps: ServiceDeps): Router {
  const router = Router();
  const route = `${EMAIL_DECISION_PATH}:token`;
  const origin = deps.email ? new URL(deps.email.baseUrl).origin : null;
  const cookie = cookieSettings(deps.email?.baseUrl ?? 'http://localhost');

  router.get(route, async (req, res) => {
    const params = TokenParams.safeParse(req.params);
    if (!deps.email || !params.success) return sendPage(res, refusalPage({ kind: 'invalid' }));
    const found = await openLink(deps, params.data.token);
    if (!found.ok) return sendPage(res, refusalPage(found.refusal));
    sendPage(res, confirmPage({ link: found.link, formToken: confirmationToken(deps, found.link, browserNonce(req, res, cookie)), notice: null, comment: '' }));
  });

  router.post(route, express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 10 }), async (req, res) => {
    const params = TokenParams.safeParse(req.params);
    if (!deps.email || !params.success) return sendPage(res, refusalPage({ kind: 'invalid' }));
    const form = DecisionForm.safeParse(req.body ?? {});
    if (!form.success || req.get('origin') !== origin) {
      req.log?.warn({ reason: form.success ? 'origin' : 'form' }, 'refused an email decision form');
      return sendPage(res, refusalPage({ kind: 'form' }));
    }
    const decision = await decideByLink(deps, {
      token: params.data.token, browserNonce: readCookie(req, cookie.name), formToken: form.data.csrf, version: form.data.version, comment: form.data.comment,
    });
    if (decision.kind === 'done') return sendPage(res, donePage(decision));
    if (decision.kind === 'refused') return sendPage(res, refusalPage(decision.refusal));
    sendPage(res, confirmPage({ link: decision.link, formToken: form.data.csrf, notice: decision.notice, comment: decision.comment }));
  });

  // The opt-out link: GET asks, POST does it. The POST needs no form token: the signed token can do nothing else,
  // and a mail client's one-click unsubscribe (RFC 8058, `List-Unsubscribe=One-Click`) posts it without a page.
  const optOutRoute = `${EMAIL_OPT_OUT_PATH}:token`;
  router.get(optOutRoute, async (req, res) => {
    const params = TokenParams.safeParse(req.params);
    if (!deps.email || !params.success) return sendPage(res, optOutPage({ ok: false, reason: 'invalid' }, 'confirm'));
    sendPage(res, optOutPage(await openOptOut(deps, params.data.token), 'confirm'));
  });
  router.post(optOutRoute, express.urlencoded({ extended: false, limit: '1kb', parameterLimit: 2 }), async (req, res) => {
    const params = TokenParams.safeParse(req.params);
    if (!deps.email || !params.success) return sendPage(res, optOutPage({ ok: false, reason: 'invalid' }, 'confirm'));
    sendPage(res, optOutPage(await optOutOfEmail(deps, params.data.token), 'done'));
  });

  router.use(EMAIL_DECISION_PATH, pageErrors);
  router.use(EMAIL_OPT_OUT_PATH, pageErrors);
  return router;
}

/** A person reads these answers: an error is a page too, with no internals. */
const pageErrors: ErrorRequestHandler = (error: unknown, req, res, _next) => {
  const trouble = databaseTroubleOf(error);
  if (trouble) {
    req.log?.warn({ reason: trouble.reason }, 'service unavailable');
    res.setHeader('Retry-After', '5');
    return sendPage(res, errorPage(503, 'The service is busy or its database is away. Nothing was decided; try again in a moment.'));
  }
  if (error instanceof AppError && error.status < 500) return sendPage(res, errorPage(error.status, error.message));
  const status = (error as { status?: unknown }).status;
  if (typeof status === 'number' && status >= 400 && status < 500) return sendPage(res, errorPage(400, 'The form could not be read. Nothing was decided.'));
  req.log?.error({ err: error }, 'unexpected error');
  sendPage(res, errorPage(500, 'The service could not answer.'));
};

interface CookieSettings { name: string; attributes: string }

/** `__Host-` (Secure, whole site, set by this host only) over HTTPS; plain HTTP (development) cannot set Secure. */
function cookieSettings(baseUrl: string): CookieSettings {
  return new URL(baseUrl).protocol === 'https:'
    ? { name: '__Host-ar-email-form', attributes: 'Path=/; HttpOnly; SameSite=Strict; Secure' }
    : { name: 'ar-email-form', attributes: 'Path=/; HttpOnly; SameSite=Strict' };
}

/** The browser's form nonce: the one it has (pages of several links open side by side stay valid), or a new one. */
function browserNonce(req: Request, res: Response, cookie: CookieSettings): string {
  const existing = readCookie(req, cookie.name);
  if (existing) return existing;
  const nonce = randomBytes(18).toString('base64url');
  res.append('Set-Cookie', `${cookie.name}=${nonce}; ${cookie.attributes}`);
  return nonce;
}

function readCookie(req: Request, name: string): string | null {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [key, value] = part.trim().split('=', 2);
    if (key === name && value && /^[\w-]{16,64}$/.test(value)) return value;
  }
  return null;
}
