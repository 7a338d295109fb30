// What both cards receive from HubSpot's extension point: the record's context and the two host actions they use.
import type { CrmContext, CrmHostActions } from '@hubspot/ui-extensions';

export type CardActions = Pick<CrmHostActions, 'addAlert' | 'refreshObjectProperties'>;

export interface CardProps {
  context: Pick<CrmContext, 'portal' | 'user' | 'crm' | 'variables'>;
  actions: CardActions;
}
