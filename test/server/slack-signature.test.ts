// Slack's v0 request signature, checked against the worked example Slack publishes
// (docs.slack.dev/authentication/verifying-requests-from-slack) and at the edges of its five-minute window.
import { describe, expect, it } from 'vitest';
import { checkSlackTimestamp, isSlackSignatureValid, slackSignature } from '../../server/slack/verify-signature.js';

const DOC_SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const DOC_TIMESTAMP = '1531420618';
const DOC_BODY = 'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar'
  + '&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands'
  + '%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
const DOC_SIGNATURE = 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503';

describe('Slack request signature', () => {
  it('matches the example Slack publishes, and nothing altered', () => {
    expect(slackSignature(DOC_SECRET, DOC_TIMESTAMP, DOC_BODY)).toBe(DOC_SIGNATURE);
    expect(isSlackSignatureValid(DOC_SECRET, DOC_TIMESTAMP, Buffer.from(DOC_BODY), DOC_SIGNATURE)).toBe(true);
    expect(isSlackSignatureValid(DOC_SECRET, DOC_TIMESTAMP, Buffer.from(DOC_BODY.replace('foobar', 'foobaz')), DOC_SIGNATURE)).toBe(false);
    expect(isSlackSignatureValid(DOC_SECRET, '1531420619', Buffer.from(DOC_BODY), DOC_SIGNATURE)).toBe(false);
    expect(isSlackSignatureValid(`${DOC_SECRET}x`, DOC_TIMESTAMP, Buffer.from(DOC_BODY), DOC_SIGNATURE)).toBe(false);
    expect(isSlackSignatureValid(DOC_SECRET, DOC_TIMESTAMP, Buffer.from(DOC_BODY), DOC_SIGNATURE.toUpperCase())).toBe(false);
    expect(isSlackSignatureValid(DOC_SECRET, DOC_TIMESTAMP, Buffer.from(DOC_BODY), undefined)).toBe(false);
    expect(isSlackSignatureValid(DOC_SECRET, DOC_TIMESTAMP, Buffer.from(DOC_BODY), 'v1=' + DOC_SIGNATURE.slice(3))).toBe(false);
  });

  it('takes a timestamp up to five minutes either side of the clock, and no further', () => {
    const at = Number(DOC_TIMESTAMP) * 1000;
    expect(checkSlackTimestamp(DOC_TIMESTAMP, at + 300_000)).toEqual({ ok: true, seconds: Number(DOC_TIMESTAMP) });
    expect(checkSlackTimestamp(DOC_TIMESTAMP, at - 300_000)).toMatchObject({ ok: true });
    expect(checkSlackTimestamp(DOC_TIMESTAMP, at + 301_000)).toEqual({ ok: false, reason: 'stale_timestamp' });
    expect(checkSlackTimestamp(DOC_TIMESTAMP, at - 301_000)).toEqual({ ok: false, reason: 'stale_timestamp' });
    expect(checkSlackTimestamp(undefined, at)).toEqual({ ok: false, reason: 'missing_headers' });
    expect(checkSlackTimestamp('1531420618.5', at)).toEqual({ ok: false, reason: 'missing_headers' });
  });
});
