// The route a request would take now: each step's approvers (and why each one), how many must agree, and the SLA.
import { Alert, DescriptionList, DescriptionListItem, Heading, Text, Tile } from '@hubspot/ui-extensions';
import type { RoutePreview } from '../api-types.js';
import { approverLabel, describeMode, formatHours } from '../format.js';

export function RouteSection({ preview, shadow }: { preview: RoutePreview; shadow: boolean }) {
  const title = shadow ? 'Route a request would take (preview)' : 'Route a request would take';
  if (preview.outcome === 'unroutable') {
    return (
      <Alert testId="unroutable" title="No route fits this deal" variant="danger">
        {preview.reason ?? 'The policy has no route for this deal.'} Ask your RevOps admin to fix the policy; a request
        cannot be sent until then.
      </Alert>
    );
  }
  if (preview.outcome === 'auto_approved') {
    return (
      <Alert testId="auto-approved" title="No approval needed" variant="success">
        {preview.reason ?? `Route ${preview.routeLabel ?? preview.routeId ?? ''} approves this deal automatically.`}
      </Alert>
    );
  }
  return (
    <>
      <Heading>{title}</Heading>
      <Text>Route: {preview.routeLabel ?? preview.routeId}</Text>
      {preview.steps.map((step, index) => (
        <Tile key={step.id} compact testId={`preview-step-${step.id}`}>
          <Text format={{ fontWeight: 'demibold' }}>{`Step ${index + 1}: ${step.label}`}</Text>
          <DescriptionList direction="row">
            <DescriptionListItem label="Needs">{describeMode(step.mode, step.required, step.approvers.length)}</DescriptionListItem>
            <DescriptionListItem label="SLA">{formatHours(step.slaHours)}</DescriptionListItem>
          </DescriptionList>
          {step.approvers.map((approver) => (
            <Text key={approver.email}>{`${approverLabel(approver)}: ${approver.reason}`}</Text>
          ))}
          {step.notes.map((note) => <Text key={note} variant="microcopy">{note}</Text>)}
        </Tile>
      ))}
    </>
  );
}
