// The HTML report as a person sees it: opened from disk in headless Chromium (Debian's /usr/bin/chromium through
// playwright-core), with no request beyond the file, bars drawn to the scale on their axis, trace links that land
// on their row, and nothing wider than the window. UPDATE_SCREENSHOTS=1 writes the screenshot to docs/.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScorecardAnswer, type ScorecardTargets } from '../../src/contract/scorecard.js';
import { renderScorecardHtml } from '../../server/report/render-html.js';
import { launchChromium, type Chromium } from '../support/chromium.js';
import { useTestDatabase } from '../support/db.js';
import { idempotencyKey, seedDeal } from '../support/factories.js';
import { tellScorecardStory } from '../support/scorecard-story.js';

const database = useTestDatabase();
let browser: Chromium;
let dir: string;

beforeAll(async () => {
  browser = await launchChromium();
  dir = await mkdtemp(join(tmpdir(), 'scorecard-report-'));
});

afterAll(async () => {
  await browser?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const TARGETS: ScorecardTargets = {
  cycle: { fromSla: true, routes: [{ routeId: 'standard', p50Hours: 3, p90Hours: 48 }] },
  slaBreachRate: { max: 0.2 },
  approvalRate: { min: 0.8, max: null },
  reapprovalRate: { max: 0.5 },
  windowDays: 7,
  minSamples: 1,
};

describe('the HTML report in Chromium', () => {
  it('loads nothing but itself, draws bars to scale, links traces to their rows, and fits the window', async () => {
    const { portal, clock, call, ask, decide } = await tellScorecardStory(database().db);
    // One more request, on the line manager's route, approved in 20 minutes: a cycle time under an hour.
    const quick = await ask(await seedDeal(portal, { discount_percent: '10' }));
    clock.advanceHours(1 / 3);
    await decide('ben', quick, 'approve');
    await call('dealdesk', 'PUT', '/api/v1/admin/scorecard/targets', { targets: TARGETS, idempotencyKey: idempotencyKey(), expectedVersion: 0 }).expect(200);
    const history = 'route,step,hours,outcome,request,sla_hours,request_state\nstandard,manager,2,approved,r1,24,approved\nstandard,manager,10,rejected,r2,8,rejected\nstandard,manager,0.5,approved,r3,24,approved\n';
    await call('dealdesk', 'POST', '/api/v1/admin/scorecard/baseline', { source: 'import', history, fileName: 'deals-2025.csv', idempotencyKey: idempotencyKey(), expectedVersion: 0 }).expect(200);
    clock.advanceHours(24);
    const card = ScorecardAnswer.parse((await call('dealdesk', 'GET', '/api/v1/scorecard?from=2026-11-27&to=2026-12-01').expect(200)).body);
    expect(card.cycle.byRoute.find((r) => r.routeId === 'light')).toMatchObject({ count: 1, p50: 0.33 });
    const file = join(dir, 'scorecard.html');
    await writeFile(file, renderScorecardHtml(card, { portalName: 'Acme EMEA', generatedAt: clock.now().toISOString(), metricsUrl: 'https://router.acme.example/metrics' }));

    const page = await browser.context.newPage();
    await page.setViewportSize({ width: 1280, height: 900 });
    const requested: string[] = [];
    const problems: string[] = [];
    page.on('request', (r) => requested.push(r.url()));
    page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
    page.on('pageerror', (e) => problems.push(e.message));
    const url = pathToFileURL(file).href;
    await page.goto(url);
    expect(requested).toEqual([url]);
    expect(problems).toEqual([]);

    // Nothing wider than the window, and no section's content cut off at its edge.
    // (The page's own functions are written as text: this project's TypeScript has no DOM types.)
    expect(await page.evaluate('document.documentElement.scrollWidth <= document.documentElement.clientWidth')).toBe(true);
    const cut = await page.evaluate("[...document.querySelectorAll('section')].filter((s) => s.scrollWidth > s.clientWidth).map((s) => s.querySelector('h2').textContent)");
    expect(cut).toEqual([]);

    // Each bar as drawn: its width over the plot's is its value over the axis' top, and its tick labels say the unit.
    const bars: { chart: string; drawn: number; scaled: number }[] = [];
    for (const chart of await page.locator('svg.bars').all()) {
      const ticks = await Promise.all((await chart.locator('.axis line').all()).slice(1).map(async (line) => (await line.boundingBox())?.x ?? 0));
      const plot = Math.max(...ticks) - Math.min(...ticks);
      for (const bar of await chart.locator('rect.bar').all()) {
        bars.push({
          chart: (await chart.getAttribute('id')) ?? '',
          drawn: ((await bar.boundingBox())?.width ?? 0) / plot,
          scaled: Number(await bar.getAttribute('data-value')) / Number(await bar.getAttribute('data-scale-max')),
        });
      }
    }
    expect(bars.length).toBeGreaterThan(5);
    for (const bar of bars) expect(Math.abs(bar.drawn - bar.scaled), bar.chart).toBeLessThan(0.01);
    const text = await page.innerText('body');
    expect(text).not.toMatch(/(^|[^\d.])0\.0 h/);
    expect(text).toContain('20 min');

    // The outcomes: three missed, each with its reason listed.
    expect(await page.locator('tr.metric[data-status="missed"]').count()).toBe(card.outcomes.missed.length);
    expect(card.outcomes.missed.length).toBeGreaterThan(0);
    for (const reason of card.outcomes.missed) await expect(page.getByText(reason, { exact: true }).isVisible()).resolves.toBe(true);

    // A breach's trace link lands on its row at the foot of the page.
    const link = page.locator('a.trace').first();
    const hash = (await link.getAttribute('title')) ?? '';
    await link.click();
    expect(new URL(page.url()).hash).toBe(`#trace-${hash}`);
    await expect(page.locator(`[id="trace-${hash}"]`).isVisible()).resolves.toBe(true);
    const row = await page.locator(`[id="trace-${hash}"]`).boundingBox();
    expect(row !== null && row.y >= 0 && row.y + row.height <= (page.viewportSize()?.height ?? 0)).toBe(true);
    expect(await page.locator('a.metrics').getAttribute('href')).toBe('https://router.acme.example/metrics');

    await page.goto(url);
    const shot = process.env.UPDATE_SCREENSHOTS ? join(process.cwd(), 'docs', 'scorecard-report.png') : join(dir, 'scorecard-report.png');
    await page.screenshot({ path: shot, fullPage: true });
    await page.close();
  });
});
