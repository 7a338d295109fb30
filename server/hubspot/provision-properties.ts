// The deal properties approval-router writes, in their own group, created on install. Idempotent: what exists is
// left as it is (an admin may have relabelled it), only what is missing is created, in one batch call. Each call
// spends the portal's budget like any other (PortalCalls).
import type { PropertyCreate } from '@hubspot/api-client/lib/codegen/crm/properties/index.js';
import type { PortalCalls } from './portal-calls.js';

export const PROPERTY_GROUP = 'approval_router';

/** Names the sync writes to: the outbox and the card refer to these, never to string literals. */
export const DEAL_PROPERTIES = {
  status: 'approval_router_status',
  score: 'approval_router_score',
  route: 'approval_router_route',
  currentStep: 'approval_router_current_step',
  requestId: 'approval_router_request_id',
  decidedAt: 'approval_router_decided_at',
  approvers: 'approval_router_approvers',
} as const;

const STATUS_VALUES = ['pending', 'approved', 'rejected', 'withdrawn', 'invalidated', 'auto_approved'] as const;

type Definition = Omit<PropertyCreate, 'type' | 'fieldType' | 'groupName'> & { type: string; fieldType: string };

const definitions: Definition[] = [
  {
    name: DEAL_PROPERTIES.status, label: 'Approval status', type: 'enumeration', fieldType: 'select',
    description: 'State of the latest approval request for this deal, set by approval-router.',
    options: STATUS_VALUES.map((value, index) => ({ value, label: value.replace('_', ' ').replace(/^./, (c) => c.toUpperCase()), hidden: false, displayOrder: index })),
  },
  { name: DEAL_PROPERTIES.score, label: 'Approval score', type: 'number', fieldType: 'number', description: 'Risk score (0 to 100) from the active approval policy.' },
  { name: DEAL_PROPERTIES.route, label: 'Approval route', type: 'string', fieldType: 'text', description: 'The policy route the request follows.' },
  { name: DEAL_PROPERTIES.currentStep, label: 'Approval step', type: 'string', fieldType: 'text', description: 'The step waiting for a decision.' },
  { name: DEAL_PROPERTIES.requestId, label: 'Approval request id', type: 'string', fieldType: 'text', description: 'approval-router request id (for support).' },
  { name: DEAL_PROPERTIES.decidedAt, label: 'Approval decided at', type: 'datetime', fieldType: 'date', description: 'When the request was approved, rejected or closed.' },
  { name: DEAL_PROPERTIES.approvers, label: 'Approvers', type: 'string', fieldType: 'textarea', description: 'Who approves the current step.' },
];

export const DEAL_PROPERTY_DEFINITIONS: readonly PropertyCreate[] = definitions.map((d, index) => ({
  ...d, groupName: PROPERTY_GROUP, formField: false, displayOrder: index,
} as PropertyCreate));

export interface ProvisionResult {
  groupCreated: boolean;
  created: string[];
  existing: string[];
  /** Ours by name but of another type: left alone, reported so an admin can fix it. */
  conflicting: string[];
}

export async function provisionDealProperties(calls: PortalCalls, portalId: string): Promise<ProvisionResult> {
  const groups = await calls.run(portalId, 'property groups read', (client) => client.crm.properties.groupsApi.getAll('deals'));
  const groupCreated = !groups.results.some((group) => group.name === PROPERTY_GROUP);
  if (groupCreated) {
    await calls.run(portalId, 'property group create', (client) => client.crm.properties.groupsApi.create('deals', { name: PROPERTY_GROUP, label: 'Approval router', displayOrder: -1 }));
  }
  const properties = await calls.run(portalId, 'properties read', (client) => client.crm.properties.coreApi.getAll('deals', false));
  const present = new Map(properties.results.map((p) => [p.name, p]));
  const missing = DEAL_PROPERTY_DEFINITIONS.filter((d) => !present.has(d.name));
  if (missing.length > 0) await calls.run(portalId, 'properties create', (client) => client.crm.properties.batchApi.create('deals', { inputs: missing }));
  const existing = DEAL_PROPERTY_DEFINITIONS.filter((d) => present.has(d.name));
  return {
    groupCreated,
    created: missing.map((d) => d.name),
    existing: existing.map((d) => d.name),
    conflicting: existing.filter((d) => present.get(d.name)?.type !== String(d.type)).map((d) => d.name),
  };
}
