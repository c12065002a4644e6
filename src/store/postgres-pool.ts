/**
 * The PostgreSQL connection pool, made to outlive the database going away: every connection's session runs
 * under statement, lock and idle-in-transaction time limits, and a connection that breaks (a restart, a
 * terminated backend) is dropped and logged instead of raising an 'error' event nobody listens to, which
 * would end the process.
 */
import type pg from 'pg';

export interface PostgresSettings {
  /** Connections this process keeps at most. */
  poolSize: number;
  /** A statement running longer is cancelled (statement_timeout). */
  statementTimeoutMs: number;
  /** A statement waiting longer for a lock is cancelled (lock_timeout). */
  lockTimeoutMs: number;
  /**
   * A session idle this long inside a transaction is ended by the server (idle_in_transaction_session_timeout),
   * so a frozen process cannot keep its row locks.
   */
  idleInTransactionTimeoutMs: number;
  /** Waiting longer for a connection (a new one, or a free one of the pool) fails the query. */
  connectTimeoutMs: number;
}

export const DEFAULT_POSTGRES_SETTINGS: PostgresSettings = {
  poolSize: 20,
  statementTimeoutMs: 30_000,
  lockTimeoutMs: 5_000,
  idleInTransactionTimeoutMs: 10_000,
  connectTimeoutMs: 10_000,
};

/**
 * A client's configuration: the time limits go in the startup packet, so they hold from the session's first
 * statement without a round trip per connection. node-postgres leaves a 0 out, which is the server's "no limit".
 */
export function postgresClientConfig(url: string, s: PostgresSettings): pg.ClientConfig {
  return {
    connectionString: url,
    statement_timeout: s.statementTimeoutMs,
    lock_timeout: s.lockTimeoutMs,
    idle_in_transaction_session_timeout: s.idleInTransactionTimeoutMs,
    connectionTimeoutMillis: s.connectTimeoutMs,
  };
}

/** Why a connection broke, for the log; the pool has already dropped it. */
export type ConnectionLost = (err: Error) => void;

export function createPostgresPool(driver: typeof pg, url: string, s: PostgresSettings, onConnectionLost: ConnectionLost): pg.Pool {
  const pool = new driver.Pool({ ...postgresClientConfig(url, s), max: s.poolSize });
  // An idle connection that breaks: the pool removes it and reports it here.
  pool.on('error', (err) => onConnectionLost(err));
  // A connection in use that breaks rejects its query (which the caller sees), and also emits 'error' on the
  // client, which the pool listens to only while the client is idle: listen for its whole life.
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
}
