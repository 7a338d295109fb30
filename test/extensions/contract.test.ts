// The card keeps its own copy of the API types (it cannot import src/). These checks hold that copy, and every
// fixture the card tests use, to the service's zod schemas: a drift fails the type check or this run.
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import * as contract from '../../src/contract/card-api.js';
import { RequestHistory } from '../../src/contract/request-history.js';
import type * as card from '../../extensions/app/cards/api-types.js';
import { newIdempotencyKey } from '../../extensions/app/cards/api.js';
import { cardViews, errorAnswers, inboxAnswers, requestAnswers, requestHistories } from './fixtures.js';

// Compile-time: each card type equals what the schema infers (both ways), so a renamed or retyped field breaks tsc.
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false;
const sameTypes: [
  Equal<card.CardView, z.infer<typeof contract.CardView>>,
  Equal<card.RequestView, z.infer<typeof contract.RequestView>>,
  Equal<card.RequestAnswer, z.infer<typeof contract.RequestAnswer>>,
  Equal<card.InboxAnswer, z.infer<typeof contract.InboxAnswer>>,
  Equal<card.ErrorAnswer, z.infer<typeof contract.ErrorAnswer>>,
  Equal<card.RequestApprovalBody, z.input<typeof contract.RequestApprovalBody>>,
  Equal<card.DecideBody, z.input<typeof contract.DecideBody>>,
  Equal<card.WithdrawBody, z.input<typeof contract.WithdrawBody>>,
  Equal<card.RequestHistory, z.infer<typeof RequestHistory>>,
] = [true, true, true, true, true, true, true, true, true];

describe('the card fixtures against the service contract', () => {
  it('keeps the card types equal to the schemas', () => {
    expect(sameTypes.every(Boolean)).toBe(true);
  });

  it.each(Object.entries(cardViews))('card view %s is a CardView the service could send', (_name, view) => {
    expect(contract.CardView.parse(view)).toEqual(view);
  });

  it.each(Object.entries(requestAnswers))('request answer %s is a RequestAnswer', (_name, answer) => {
    expect(contract.RequestAnswer.parse(answer)).toEqual(answer);
    expect(contract.RequestParams.safeParse({ requestId: answer.request.id }).success).toBe(true);
  });

  it.each(Object.entries(inboxAnswers))('inbox answer %s is an InboxAnswer', (_name, answer) => {
    expect(contract.InboxAnswer.parse(answer)).toEqual(answer);
  });

  it.each(Object.entries(requestHistories))('request history %s is a RequestHistory', (_name, history) => {
    expect(RequestHistory.parse(history)).toEqual(history);
  });

  it.each(Object.entries(errorAnswers))('error answer %s is an ErrorAnswer', (_name, answer) => {
    expect(contract.ErrorAnswer.parse(answer)).toEqual(answer);
  });

  it('sends idempotency keys the service accepts, and a new one each time', () => {
    const keys = Array.from({ length: 50 }, () => newIdempotencyKey());
    for (const key of keys) expect(contract.IdempotencyKey.safeParse(key).success).toBe(true);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('uses a deal id and request id the service routes accept', () => {
    const view = cardViews.requesterPending;
    expect(contract.DealParams.safeParse({ dealId: view.dealId }).success).toBe(true);
    expect(contract.RequestParams.safeParse({ requestId: view.request?.id }).success).toBe(true);
  });
});
