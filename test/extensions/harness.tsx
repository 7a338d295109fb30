// Test support for the cards: a fake approval service behind a spy on hubspot.fetch, a CRM context for a viewer,
// and renderers for both cards on HubSpot's own test renderer.
import { hubspot, LoadingSpinner } from '@hubspot/ui-extensions';
import type { TextAreaProps, UserContext } from '@hubspot/ui-extensions';
import type { useCrmProperties } from '@hubspot/ui-extensions/crm';
import { createRenderer } from '@hubspot/ui-extensions/testing';
import type { RenderedElementNode, Renderer as HubSpotRenderer } from '@hubspot/ui-extensions/testing';
import { expect, vi } from 'vitest';
import type { CardProps } from '../../extensions/app/cards/card-props.js';
import { DealCard } from '../../extensions/app/cards/DealCard.js';
import { DealSidebarCard } from '../../extensions/app/cards/DealSidebarCard.js';
import { DEAL_ID, PORTAL_ID } from './fixtures.js';

export const TIME_ZONE = 'America/New_York';

/** The service's URL as a profile gives it to the card (`context.variables.SERVICE_URL`). */
export const SERVICE_URL = 'https://approval-router.example.com';

export function contextFor(viewer: { email: string; userId: string }, options: Pick<RenderOptions, 'variables'> = {}): CardProps['context'] {
  const variables = 'variables' in options ? options.variables : { SERVICE_URL };
  const user: UserContext = {
    id: Number(viewer.userId), email: viewer.email, emails: [viewer.email], firstName: 'Test', lastName: 'Viewer',
    roles: [], teams: [], permissions: [],
  };
  return { portal: { id: Number(PORTAL_ID), timezone: TIME_ZONE }, user, crm: { objectId: Number(DEAL_ID), objectTypeId: '0-3' }, variables };
}

/** What useCrmProperties gives the card: HubSpot's test renderer answers `fake_<name>` at once unless a test says. */
export type CrmPropertiesHook = typeof useCrmProperties;

/** The hook's answer once HubSpot has the deal's properties. */
export function crmProperties(properties: Record<string, string | null>): ReturnType<CrmPropertiesHook> {
  return { properties, error: null, isLoading: false, isRefetching: false, refetch: () => Promise.resolve() };
}

/** The hook's answer while HubSpot has not handed the properties over yet. */
export const crmPropertiesLoading: ReturnType<CrmPropertiesHook> = { properties: {}, error: null, isLoading: true, isRefetching: false, refetch: () => Promise.resolve() };

export interface RenderOptions {
  /** Replaces useCrmProperties (it may use hooks: it runs as one). */
  crmProperties?: CrmPropertiesHook;
  /** The profile variables HubSpot hands the card (SERVICE_URL alone unless a test says). */
  variables?: CardProps['context']['variables'];
}

/** One answer of the fake service: a status and JSON body, a failed connection, or an answer that never comes. */
export type Reply = { status: number; body: unknown } | { fail: Error } | 'never';

export interface SentRequest {
  method: string;
  url: URL;
  path: string;
  body: Record<string, unknown> | undefined;
  timeout: number | undefined;
}

/**
 * Replaces hubspot.fetch with a fake service. Each `METHOD /path` has a queue of replies; the last one repeats.
 * Every request is recorded as sent, with its URL parsed.
 */
export function fakeService(routes: Record<string, Reply | Reply[]>) {
  const queues = new Map(Object.entries(routes).map(([route, replies]) => [route, Array.isArray(replies) ? [...replies] : [replies]]));
  const sent: SentRequest[] = [];
  const spy = vi.spyOn(hubspot, 'fetch').mockImplementation((input, options) => {
    const url = new URL(String(input));
    const method = options?.method ?? 'GET';
    sent.push({ method, url, path: url.pathname, body: options?.body, timeout: options?.timeout });
    const queue = queues.get(`${method} ${url.pathname}`);
    const reply = queue && (queue.length > 1 ? queue.shift() : queue[0]);
    if (!reply) return Promise.resolve(Response.json({ error: { code: 'not_found', message: `no fake for ${method} ${url.pathname}` } }, { status: 404 }));
    if (reply === 'never') return new Promise<Response>(() => undefined);
    if ('fail' in reply) return Promise.reject(reply.fail);
    return Promise.resolve(Response.json(reply.body, { status: reply.status }));
  });
  return {
    sent,
    spy,
    /** Queues more replies for a route (used between steps of one test). */
    then(route: string, ...replies: Reply[]) {
      queues.set(route, replies);
    },
  };
}

export const ok = (body: unknown): Reply => ({ status: 200, body });
export const created = (body: unknown): Reply => ({ status: 201, body });
export const answer = (status: number, body: unknown): Reply => ({ status, body });
/** What `hs project dev`'s proxy sends for any non-2xx from the service. */
export const viaLocalProxy = (body: unknown): Reply => ({ status: 502, body: { responseBody: body } });
export const connectionLost = (): Reply => ({ fail: new TypeError('Failed to fetch') });

export const cardPath = `/api/v1/deals/${DEAL_ID}/card`;

export function renderTab(viewer: { email: string; userId: string }, options: RenderOptions = {}) {
  const renderer = createRenderer('crm.record.tab');
  if (options.crmProperties) renderer.mocks.useCrmProperties.willCall(options.crmProperties);
  renderer.render(<DealCard context={contextFor(viewer, options)} actions={renderer.mocks.actions} />);
  return renderer;
}

export function renderSidebar(viewer: { email: string; userId: string }, options: RenderOptions = {}) {
  const renderer = createRenderer('crm.record.sidebar');
  if (options.crmProperties) renderer.mocks.useCrmProperties.willCall(options.crmProperties);
  renderer.render(<DealSidebarCard context={contextFor(viewer, options)} actions={renderer.mocks.actions} />);
  return renderer;
}

type Renderer = Pick<HubSpotRenderer<'crm.record.tab' | 'crm.record.sidebar'>, 'getRootNode' | 'maybeFind'>;

/**
 * Waits until the card shows an answer: something rendered and no spinner. React runs the card's effects (and so
 * its fetches) after the render, so this polls rather than trusting the first frame.
 */
export async function loaded(renderer: Renderer): Promise<void> {
  await vi.waitFor(() => {
    expect(renderer.getRootNode().childNodes.length).toBeGreaterThan(0);
    expect(renderer.maybeFind(LoadingSpinner)).toBeNull();
  });
}

/** Waits until the card has asked for its view `times` times (a retry, or the reload after an action) and shows it. */
export async function loadedAgain(renderer: Renderer, service: { sent: SentRequest[] }, times: number): Promise<void> {
  await vi.waitFor(() => expect(service.sent.filter((request) => request.path === cardPath)).toHaveLength(times));
  await loaded(renderer);
}

/** The whole rendered tree as text: every text node and every prop (titles, labels, messages). */
export function screen(renderer: Renderer): string {
  return renderer.getRootNode().toString();
}

/** The request went to the profile's service URL with the viewer's identity and nothing else in its query but `extra`. */
export function expectIdentity(request: SentRequest, viewer: { email: string; userId: string }, extra: Record<string, string> = {}): void {
  expect(request.url.origin).toBe(SERVICE_URL);
  expect(Object.fromEntries(request.url.searchParams)).toEqual({ portalId: PORTAL_ID, userId: viewer.userId, userEmail: viewer.email, ...extra });
}

/** Types into a text area as the user would. (The testing types want the handler as trigger's argument; the value is what runs.) */
export function typeInto(node: RenderedElementNode<TextAreaProps>, value: string): void {
  node.trigger('onChange', value as unknown as TextAreaProps['onChange']);
}
