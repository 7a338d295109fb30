// A value kept per database handle (a process-wide cache that a test's second handle, like another process, does
// not share), made on first use and dropped with the handle.
import type { Knex } from 'knex';

export function perDatabase<T extends object>(make: () => T): (db: Knex) => T {
  const byDb = new WeakMap<Knex, T>();
  return (db) => {
    let value = byDb.get(db);
    if (!value) byDb.set(db, (value = make()));
    return value;
  };
}
