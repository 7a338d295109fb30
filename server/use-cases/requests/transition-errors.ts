// How the core's typed transition errors reach the client: each code has one HTTP meaning.
import type { TransitionError } from '../../../src/lifecycle/types.js';
import { AppError } from '../../errors.js';

export function toAppError(error: TransitionError): AppError {
  switch (error.code) {
    case 'not_an_approver':
    case 'self_approval':
    case 'not_requester':
      return new AppError('forbidden', error.message);
    case 'comment_required':
      return new AppError('bad_request', error.message, { details: [{ path: 'body.comment', message: error.message }] });
    case 'justification_required':
      return new AppError('bad_request', error.message, { details: [{ path: 'body.justification', message: error.message }] });
    case 'invalid_time':
      return new AppError('internal', error.message);
    case 'illegal_transition':
    case 'already_decided':
    case 'unroutable':
    case 'not_due':
    case 'already_escalated':
      return new AppError('conflict', error.message);
  }
}
