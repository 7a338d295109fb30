// Shadow mode: everything the card shows is what the policy would do, and nothing is enforced yet.
import { Alert } from '@hubspot/ui-extensions';

export function ShadowBanner() {
  return (
    <Alert testId="shadow-banner" title="Preview: shadow mode" variant="warning">
      Approval routing runs in shadow mode for this portal. Scores, routes and requests below are a preview:
      no stage is blocked and nothing here is enforced yet.
    </Alert>
  );
}
