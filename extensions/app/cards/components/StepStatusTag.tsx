// A step's status as a tag: amber while it waits on someone, green or red once decided.
import { StatusTag } from '@hubspot/ui-extensions';
import type { StepStatus } from '../api-types.js';

const TAGS: Record<StepStatus, { label: string; variant: 'danger' | 'warning' | 'success' | 'default' }> = {
  waiting: { label: 'Not started', variant: 'default' },
  active: { label: 'Waiting for approval', variant: 'warning' },
  approved: { label: 'Approved', variant: 'success' },
  rejected: { label: 'Rejected', variant: 'danger' },
  skipped: { label: 'Skipped', variant: 'default' },
};

export function StepStatusTag({ status }: { status: StepStatus }) {
  return <StatusTag variant={TAGS[status].variant}>{TAGS[status].label}</StatusTag>;
}
