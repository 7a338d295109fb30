// A request's state as a tag, in the same colours as the step tags.
import { StatusTag } from '@hubspot/ui-extensions';
import type { RequestState } from '../api-types.js';

const TAGS: Record<RequestState, { label: string; variant: 'danger' | 'warning' | 'success' | 'default' }> = {
  pending: { label: 'Pending', variant: 'warning' },
  approved: { label: 'Approved', variant: 'success' },
  auto_approved: { label: 'Approved automatically', variant: 'success' },
  rejected: { label: 'Rejected', variant: 'danger' },
  withdrawn: { label: 'Withdrawn', variant: 'default' },
  invalidated: { label: 'Needs re-approval', variant: 'danger' },
};

export function RequestStateTag({ state }: { state: RequestState }) {
  return <StatusTag variant={TAGS[state].variant}>{TAGS[state].label}</StatusTag>;
}
