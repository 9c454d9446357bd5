import { Client } from 'pg';

/**
 * A superuser connection playing the attacker: it can do what the audit trail's triggers refuse
 * everyone else, by switching them off for its own statements (session_replication_role).
 */
export interface AuditAttacker {
  /** The raw connection, for statements that need no trigger bypass. */
  client: Client;
  /** Runs one statement with every trigger skipped. */
  tamper(sql: string, values?: unknown[]): Promise<void>;
  /** Swaps two entries' places (seq is the primary key, so through a spare seq). */
  swap(a: number, b: number): Promise<void>;
  end(): Promise<void>;
}

/** Connects as the database URL's user (the embedded server's user is a superuser). */
export async function connectAuditAttacker(databaseUrl: string): Promise<AuditAttacker> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  const tamper = async (sql: string, values: unknown[] = []) => {
    await client.query('SET session_replication_role = replica');
    try {
      await client.query(sql, values);
    } finally {
      await client.query('SET session_replication_role = origin');
    }
  };
  return {
    client,
    tamper,
    async swap(a, b) {
      await tamper('UPDATE audit_log SET seq = 999999 WHERE seq = $1', [a]);
      await tamper('UPDATE audit_log SET seq = $1 WHERE seq = $2', [a, b]);
      await tamper('UPDATE audit_log SET seq = $1 WHERE seq = 999999', [b]);
    },
    end: () => client.end(),
  };
}
