// `approval-router demo [--url URL]`: drives the whole story against a running service, over HTTP, with
// requests signed the way HubSpot signs them: a rep requests, the approver decides, a material change
// invalidates the approval. It prints each step with its trace hash.
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { loadConfig, signedBaseUrl } from '../config.js';
import { devSigningSecret } from '../demo/dev-signing-secret.js';
import { DEMO_PORTAL_ID, demoDirectory } from '../demo/seed-demo-portal.js';
import { signRequest, withCardIdentity } from '../http/sign-request.js';
import { createMailer } from '../mail/create-mailer.js';

interface Answer { status: number; body: Record<string, unknown> }

export async function run(args: string[]): Promise<number> {
  const config = loadConfig();
  const { values } = parseArgs({ args, options: { url: { type: 'string' } } });
  const base = (values.url ?? `http://127.0.0.1:${config.PORT}`).replace(/\/+$/, '');
  // Signed as HubSpot signs it: over the URL the service verifies (its PUBLIC_BASE_URL, or http://localhost:PORT),
  // whichever address the request is sent to.
  const signedBase = signedBaseUrl(config);
  const secret = config.HUBSPOT_CLIENT_SECRET ?? devSigningSecret();
  const { users } = demoDirectory();
  const who = (prefix: string) => {
    const user = users.find((u) => u.email.startsWith(prefix));
    if (!user) throw new Error(`demo user ${prefix} missing`);
    return user;
  };
  const rep = who('noah');
  const manager = who('ben');

  const call = async (user: { email: string; userId: string }, method: 'GET' | 'POST', path: string, body?: unknown): Promise<Answer> => {
    const target = withCardIdentity(path, { portalId: DEMO_PORTAL_ID, ...user });
    const signed = signRequest({ secret, method, url: `${signedBase}${target}`, body, timestampMs: Date.now() });
    const response = await fetch(`${base}${target}`, { method, headers: signed.headers, ...(body === undefined ? {} : { body: signed.rawBody }) });
    const answer = { status: response.status, body: (await response.json()) as Record<string, unknown> };
    if (response.status >= 400) throw new Error(`${method} ${path} answered ${response.status}: ${JSON.stringify(answer.body)}`);
    return answer;
  };
  const key = () => `demo-${Date.now()}-${Math.random().toString(36).slice(2, 10)}`;
  const step = (n: number, text: string) => console.log(`\n${n}. ${text}`);

  try {
    await fetch(`${base}/readyz`);
  } catch {
    console.error(`no service at ${base}: start it with \`npm start\` in another terminal (or pass --url)`);
    return 2;
  }

  step(1, `${rep.name ?? rep.email} (rep) has a new deal: 25% discount on net-60 terms`);
  const created = await call(rep, 'POST', '/api/v1/demo/deals', { properties: {
    dealname: 'Globex renewal (demo)', amount: '80000', discount_percent: '25', payment_terms: 'net_60', contract_term_months: '12',
    hubspot_owner_id: '102', pipeline: 'default', dealstage: 'qualifiedtobuy',
  } });
  const dealId = String(created.body.dealId);
  console.log(`   deal ${dealId} created in the local demo portal`);

  step(2, 'the card shows the score, why, and the route a request would take');
  const card = (await call(rep, 'GET', `/api/v1/deals/${dealId}/card`)).body as {
    score: { value: number; factors: { label: string; value: string | null; points: number }[] };
    preview: { routeLabel: string; steps: { label: string; approvers: { email: string }[]; slaHours: number }[] };
    traceHash: string;
  };
  console.log(`   score ${card.score.value}/100: ${card.score.factors.filter((f) => f.points !== 0).map((f) => `${f.label} ${f.value} → +${f.points}`).join(', ')}`);
  for (const s of card.preview.steps) console.log(`   route "${card.preview.routeLabel}", step ${s.label}: ${s.approvers.map((a) => a.email).join(' or ')} within ${s.slaHours}h`);
  console.log(`   evaluation trace ${card.traceHash}`);

  step(3, 'the rep requests approval with a justification');
  const requested = (await call(rep, 'POST', `/api/v1/deals/${dealId}/requests`, { justification: 'Competitor offered 20% off; three-year logo.', idempotencyKey: key() })).body as { request: { id: string; state: string }; traceHash: string };
  console.log(`   request ${requested.request.id} is ${requested.request.state}; trace ${requested.traceHash}`);
  await showApprovalEmails(config, requested.request.id);

  step(4, `${manager.name ?? manager.email} (sales manager) finds it in their inbox and approves`);
  const inbox = (await call(manager, 'GET', '/api/v1/inbox')).body as { items: { requestId: string; dealName: string }[] };
  console.log(`   inbox: ${inbox.items.map((i) => i.dealName).join(', ')}`);
  const decided = (await call(manager, 'POST', `/api/v1/requests/${requested.request.id}/decisions`, { verdict: 'approve', comment: 'OK for a 3-year logo', idempotencyKey: key() })).body as { request: { state: string }; traceHash: string };
  console.log(`   request is ${decided.request.state}; trace ${decided.traceHash}`);

  step(5, 'the rep raises the discount to 35%: a material change, and the score rises');
  const changed = (await call(rep, 'POST', `/api/v1/demo/deals/${dealId}/properties`, { properties: { discount_percent: '35' } })).body as {
    outcome: { kind: string; invalidated?: boolean; assessment?: { reason: string }; traceHash?: string };
  };
  console.log(`   ${changed.outcome.invalidated ? 'approval INVALIDATED' : 'approval stands'}: ${changed.outcome.assessment?.reason ?? changed.outcome.kind}; trace ${changed.outcome.traceHash ?? '-'}`);

  step(6, 'the card now asks for a new approval');
  const after = (await call(rep, 'GET', `/api/v1/deals/${dealId}/card`)).body as { request: { state: string }; actions: { request: boolean }; preview: { routeLabel: string } };
  console.log(`   last request ${after.request.state}; a new request would go to "${after.preview.routeLabel}"; request allowed: ${after.actions.request}`);
  console.log('\nCheck the trace chain with `npx approval-router verify` and re-run every evaluation with `npx approval-router replay`.');
  return 0;
}

/**
 * Where the service's worker sends the approvers' emails, as this shell's configuration says; in development without
 * SMTP, the .eml files it writes for this request (the worker sends them within a few seconds).
 */
async function showApprovalEmails(config: ReturnType<typeof loadConfig>, requestId: string): Promise<void> {
  const mailer = createMailer(config);
  mailer?.close();
  if (!mailer) {
    console.log('   no approval email: SMTP_HOST is unset in production');
    return;
  }
  if (config.SMTP_HOST) {
    console.log(`   the approvers are emailed through ${mailer.description}, with one-click Approve and Reject links`);
    return;
  }
  const folder = path.resolve(config.MAIL_DIR);
  // Polled until some are there and no more come: one per approver of the first step.
  let files: string[] = [];
  for (let attempt = 0, seen = -1; attempt < 40; attempt++) {
    files = (await readdir(folder).catch(() => [])).filter((name) => name.includes(requestId) && name.endsWith('.eml'));
    if (files.length > 0 && files.length === seen) break;
    seen = files.length;
    await sleep(250);
  }
  if (files.length === 0) {
    console.log(`   the approvers' emails will be written under ${folder} (none yet: is the service's worker running?)`);
    return;
  }
  console.log(`   the approvers' emails, with one-click Approve and Reject links, are .eml files under ${folder}:`);
  for (const name of files.sort()) console.log(`     ${path.join(folder, name)}`);
}
