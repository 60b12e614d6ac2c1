// Prepared statements for SQL built per call (filters, patches): each distinct text is prepared once.
import type { Statement } from 'better-sqlite3';
import type { Db } from './db.js';

// The SQL shapes of a store are few (combinations of filters and patched columns); the bound is a guard.
const MAX_STATEMENTS = 256;

/**
 * Returns `prepare(sql)` that reuses the statement made for the same text. Preparing costs more than
 * running a simple statement, and the node task and device paths build their SQL on every call.
 */
export function statementCache(db: Db): <P extends unknown[] | {} = unknown[], R = unknown>(sql: string) => Statement<P, R> {
  const statements = new Map<string, Statement>();
  return <P extends unknown[] | {} = unknown[], R = unknown>(sql: string): Statement<P, R> => {
    let statement = statements.get(sql);
    if (!statement) {
      if (statements.size >= MAX_STATEMENTS) statements.delete(statements.keys().next().value as string);
      statement = db.prepare(sql);
      statements.set(sql, statement);
    }
    return statement as unknown as Statement<P, R>;
  };
}
