/** Database driver failures that mean "the database is not there" reach clients as a retryable 503, not a 500. */
import { describe, expect, it } from 'vitest';
import { toGatewayError } from '../../src/domain/errors.js';

const withCode = (message: string, code: string, extra: Record<string, unknown> = {}) => Object.assign(new Error(message), { code, ...extra });
/** node-postgres's DatabaseError: a server error message, with its severity and SQLSTATE. */
const serverError = (code: string) => withCode('terminating connection due to administrator command', code, { severity: 'FATAL' });

describe('toGatewayError on database failures', () => {
  it.each([
    ['a refused connection', withCode('connect ECONNREFUSED 10.0.0.5:5432', 'ECONNREFUSED')],
    ['a reset connection', withCode('read ECONNRESET', 'ECONNRESET')],
    ['a terminated backend (57P01 admin_shutdown)', serverError('57P01')],
    ['a server starting up (57P03)', serverError('57P03')],
    ['a connection exception (08006)', serverError('08006')],
    ['a connection that ended', new Error('Connection terminated unexpectedly')],
    ['no free connection in time', new Error('timeout exceeded when trying to connect')],
    ['every address refused', new AggregateError([withCode('connect ECONNREFUSED ::1:5432', 'ECONNREFUSED')], '')],
  ])('maps %s to 503 database_unavailable without the driver message', (_, err) => {
    const e = toGatewayError(err);
    expect(e.status).toBe(503);
    expect(e.toBody().error).toMatchObject({ code: 'database_unavailable', type: 'server_error', param: null });
    expect(e.message).not.toContain('10.0.0.5');
    expect(e.headers?.['retry-after']).toBe('1');
  });

  it('maps a lock or statement timeout to 503 database_unavailable', () => {
    expect(toGatewayError(serverError('55P03')).code).toBe('database_unavailable');
    expect(toGatewayError(serverError('57014')).code).toBe('database_unavailable');
  });

  it('leaves other failures as 500 internal_error', () => {
    expect(toGatewayError(new Error('boom')).code).toBe('internal_error');
    expect(toGatewayError(serverError('23505')).code).toBe('internal_error');
    // A SQLSTATE-looking code on something that is not a server message is not read as one.
    expect(toGatewayError(withCode('x', '08006')).code).toBe('internal_error');
  });
});
