/**
 * Which database driver errors mean "the database is not there right now" rather than "this request is
 * wrong": they become a 503 the client may retry, not a 500 (domain/errors.ts toGatewayError).
 */

/** `unreachable`: no connection (refused, reset, terminated, shutting down); `timeout`: a lock or statement timeout. */
export type DatabaseOutage = 'unreachable' | 'timeout';

/** Socket-level failures of a connection attempt or of an open connection. */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * PostgreSQL SQLSTATEs: 08xxx connection exceptions; 57P01 admin_shutdown (a terminated backend or a
 * stopping server), 57P02 crash_shutdown, 57P03 cannot_connect_now (starting up); 53300 too_many_connections.
 */
const UNREACHABLE_STATE = /^(08...|57P0[123]|53300)$/;
/** 55P03 lock_not_available (lock_timeout), 57014 query_canceled (statement_timeout). */
const TIMEOUT_STATES = new Set(['55P03', '57014']);

/** node-postgres's own messages when a connection ends or cannot be made in time. */
const DRIVER_MESSAGES = /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error and is not queryable)/;

export function databaseOutage(e: unknown): DatabaseOutage | undefined {
  if (!(e instanceof Error)) return undefined;
  const code = (e as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (SOCKET_CODES.has(code)) return 'unreachable';
    // SQLSTATEs only from the server's own error messages (node-postgres's DatabaseError has a severity).
    if ('severity' in e && UNREACHABLE_STATE.test(code)) return 'unreachable';
    if ('severity' in e && TIMEOUT_STATES.has(code)) return 'timeout';
  }
  if (DRIVER_MESSAGES.test(e.message)) return 'unreachable';
  // A connect to a name with several addresses fails with every attempt's error inside one.
  if (e instanceof AggregateError) return e.errors.map(databaseOutage).find((o) => o !== undefined);
  return undefined;
}
