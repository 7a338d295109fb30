import { describe, expect, it } from 'vitest';
import { databaseTroubleOf } from '../../server/db/database-errors.js';

describe('telling a database that is away from a bug', () => {
  it.each([
    { name: 'pg\'s own message', error: new Error('Connection terminated unexpectedly'), kind: 'unreachable' },
    { name: 'the same through knex, the statement before it', error: new Error('select * from "local_users" where "portal_id" = $1 - Connection terminated unexpectedly'), kind: 'unreachable' },
    { name: 'a session Postgres ended', error: Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }), kind: 'unreachable' },
  ])('a lost connection is the database\'s trouble: $name', ({ error, kind }) => {
    expect(databaseTroubleOf(error)?.kind).toBe(kind);
  });

  it('a failing statement is not', () => {
    expect(databaseTroubleOf(Object.assign(new Error('select 1 - syntax error at or near "form"'), { code: '42601' }))).toBeNull();
    expect(databaseTroubleOf(new Error('a value named Connection terminated in a message is not the cause'))).toBeNull();
  });
});
