// Checks the draft with the service's own validator as the admin types: once they pause for VALIDATE_DELAY_MS, one
// POST /admin/policy/validate for the text as it stands then. An answer for older text is never shown as current.
import { useDebounce } from '@hubspot/ui-extensions';
import type { ApiError } from '../../service.js';
import { validatePolicy } from '../../settings-api.js';
import type { SectionProps } from '../../settings-props.js';
import type { ValidateAnswer } from '../../settings-types.js';
import { useLoad } from '../../use-load.js';

export const VALIDATE_DELAY_MS = 400;

export type Validation =
  | { status: 'empty' }
  /** The admin is typing, or the check is on its way. */
  | { status: 'checking' }
  | { status: 'failed'; error: ApiError; retry: () => void }
  | { status: 'checked'; answer: ValidateAnswer };

export function useValidation(identity: SectionProps['identity'], draft: string): Validation {
  const settled = useDebounce(draft, VALIDATE_DELAY_MS);
  const empty = settled.trim() === '';
  const key = JSON.stringify([identity.serviceUrl, identity.portalId, identity.userId, settled]);
  const { state, reload } = useLoad(key, () => empty
    ? Promise.resolve({ ok: true as const, value: { valid: false, hash: null, name: null, problems: [] } })
    : validatePolicy(identity, { source: settled }));
  if (draft.trim() === '') return { status: 'empty' };
  if (settled !== draft || state.status === 'loading' || (state.status === 'loaded' && state.refreshing)) return { status: 'checking' };
  if (state.status === 'error') return { status: 'failed', error: state.error, retry: reload };
  return { status: 'checked', answer: state.value };
}
